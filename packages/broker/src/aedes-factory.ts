import type { EventEmitter } from 'node:events';
import { Aedes, type AuthenticateError, type Client } from 'aedes';
import type { Authenticator, NormalizedAuth } from './auth.js';
import type { ExpiryTimers } from './expiry-timers.js';
import { quoteForLog, type FullLogger } from './logger.js';
import { pickToken } from './token-source.js';

/** Everything the aedes hooks need from the broker. */
export interface AedesSetup {
  auth: NormalizedAuth;
  authenticator: Authenticator;
  /** Token from the WebSocket URL of each connection, keyed by its stream (`client.conn`). */
  queryTokens: WeakMap<object, string>;
  expiry: ExpiryTimers<Client>;
  logger: FullLogger;
  /** The persistence of a previous instance, so retained messages and sessions survive a restart. */
  persistence: unknown;
}

/**
 * Creates and starts an aedes instance whose `authenticate` hook checks JWTs.
 * Publishing to `$SYS/…` stays refused by aedes' default `authorizePublish`.
 */
export async function createAedes(setup: AedesSetup): Promise<Aedes> {
  const { auth, authenticator, queryTokens, expiry, logger } = setup;
  const aedes = await Aedes.createBroker({
    ...(setup.persistence === undefined ? {} : { persistence: setup.persistence }),
    authenticate(client, username, password, done) {
      const queryToken = queryTokens.get(client.conn);
      // The token is needed for this one check only.
      queryTokens.delete(client.conn);
      const token = pickToken({ username, password, queryToken });
      authenticator.check(token).then((decision) => {
        if (!decision.ok) {
          logger.info(`refused client ${quoteForLog(client.id)}: ${decision.reason}`);
          const error = Object.assign(new Error(decision.reason), { returnCode: decision.returnCode });
          done(error as AuthenticateError, false);
          return;
        }
        if (auth.disconnectOnExpiry && decision.expiresAt !== undefined && !client.closed) {
          expiry.schedule(client, decision.expiresAt, () => {
            logger.info(`disconnecting client ${quoteForLog(client.id)}: token expired`);
            client.close();
          });
          client.conn.once('close', () => expiry.cancel(client));
        }
        logger.debug(`client ${quoteForLog(client.id)} authenticated${decision.subject === undefined ? '' : ` as ${quoteForLog(decision.subject)}`}`);
        done(null, true);
      }, (error: unknown) => {
        logger.error(`authentication failed unexpectedly: ${quoteForLog(String(error))}`);
        done(Object.assign(new Error('server unavailable'), { returnCode: 3 }) as AuthenticateError, false);
      });
    },
  });
  aedes.on('clientError', (client, error) => logger.debug(`client ${quoteForLog(client.id)} error: ${quoteForLog(error.message)}`));
  aedes.on('connectionError', (_client, error) => logger.debug(`connection error before CONNECT: ${quoteForLog(error.message)}`));
  aedes.on('client', (client) => logger.debug(`client ${quoteForLog(client.id)} connected`));
  aedes.on('clientDisconnect', (client) => logger.debug(`client ${quoteForLog(client.id)} disconnected`));
  // aedes emits 'error' for persistence failures; unhandled it would crash the process.
  (aedes as EventEmitter).on('error', (error: Error) => logger.error(`broker error: ${error.message}`));
  return aedes;
}

/** The persistence an aedes instance ended up with (its in-memory default unless one was given). */
export function persistenceOf(aedes: Aedes): unknown {
  return (aedes as unknown as { persistence: unknown }).persistence;
}
