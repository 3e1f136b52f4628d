import { ErrorCode, toWebMqttError } from '../core/errors';
import type { MqttFactory } from '../connection/mqtt-factory';
import type { NormalizedOptions } from '../core/options';
import type { Publisher } from '../messaging/publisher';
import type { OutboxEmit } from './outbox';

/**
 * With `offlineQueue.persist`, the factory the connection creates MQTT.js with first waits for the outbox (a chunk of
 * its own, loaded from here so apps without `persist` never fetch it) to open and read IndexedDB: the first CONNACK
 * then finds an earlier page's publishes in place, ahead of anything newer. Without `persist`: `factory` as is.
 */
export function withOutbox(opts: NormalizedOptions, publisher: Publisher, factory: MqttFactory, emit: OutboxEmit): MqttFactory {
  if (!opts.offlineQueue || !opts.offlineQueue.persist) return factory;
  // Never rejects: a chunk that does not load (a redeploy removed it) is persistence off (the import's error as the
  // message), not a client that cannot connect.
  const ready = import('./outbox').then(
    (m) => m.openOutbox(opts, publisher, emit),
    (cause: unknown) => emit('error', toWebMqttError(cause, ErrorCode.PERSISTENCE_OFF)),
  );
  return (...args) => ready.then((outbox) => (outbox ? outbox.create(factory, ...args) : factory(...args)));
}
