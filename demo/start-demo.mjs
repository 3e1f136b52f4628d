// The demo as a function: a dev broker, the built page, and an HTTP server for both.
// demo/server.mjs calls it for `npm start`; e2e/demo.spec.ts calls it in-process on free ports.
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import sirv from 'sirv';
import { createRequestPolicy, generateSecret, startBroker } from '@webmqtt/broker';
import { buildApp } from './build-app.mjs';

const demoDir = fileURLToPath(new URL('.', import.meta.url));
const repoDir = fileURLToPath(new URL('..', import.meta.url));
const uplotDir = dirname(createRequire(import.meta.url).resolve('uplot'));

const TOKEN_TTL_SECONDS = 24 * 60 * 60;
// The page runs under a strict policy (no inline script, no eval), as the SDK promises to.
// connect-src stays open by scheme: people type other brokers' URLs into the page. MQTT.js runs
// its keepalive timers in a blob: worker (background tabs throttle main-thread timers).
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "worker-src 'self' blob:",
  'connect-src ws: wss: http: https:',
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');
const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost', '0.0.0.0', '::']);

/** A port the demo was asked to use is taken; `field` names the option. */
export class DemoPortInUseError extends Error {
  name = 'DemoPortInUseError';
  code = 'PORT_IN_USE';
  /**
   * @param {'port' | 'wsPort' | 'wssPort'} field
   * @param {number} port
   * @param {unknown} cause
   */
  constructor(field, port, cause) {
    super(`port ${port} is already in use (${field})`, { cause });
    this.field = field;
    this.port = port;
  }
}

/**
 * Starts the demo. Every port may be 0 (a free one is picked).
 * @param {import('./start-demo.d.mts').DemoOptions} [options]
 * @returns {Promise<import('./start-demo.d.mts').Demo>}
 */
export async function startDemo(options = {}) {
  const host = options.host ?? '127.0.0.1';
  const secret = options.jwtSecret ?? generateSecret();
  const outDir = options.outDir ?? `${demoDir}.build`;

  // The page's port first: it is the cheapest to check, so a taken port fails fast.
  let config = '{}';
  // The broker's rule for Host and Origin, set once the port (so the page's origin) is known:
  // /config.json holds the dev token, and a DNS-rebinding page must not be able to read it.
  /** @type {import('@webmqtt/broker').RequestPolicy | undefined} */
  let policy;
  const server = createServer(createHandler(outDir, () => config, () => policy));
  const port = await listen(server, options.port ?? 8080, host);
  const url = `http://${urlHost(host)}:${port}/`;
  const closeServer = () =>
    new Promise((resolve) => {
      server.close(() => resolve(undefined));
      server.closeAllConnections();
    });
  // The page itself is another origin than the broker's ports: it opens the WebSocket and calls /__webmqtt/drop.
  const allowedOrigins = [new URL(url).origin, ...(options.allowedOrigins ?? [])];
  try {
    policy = createRequestPolicy({ host, allowedOrigins });
  } catch (error) {
    await closeServer();
    throw error;
  }

  // The page build and the broker do not depend on each other: overlap them.
  const built = buildApp({ outDir });
  built.catch(() => {}); // awaited below; this only keeps an early broker failure from leaving it unhandled
  let broker;
  try {
    broker = await startBroker({
      wsPort: options.wsPort ?? 8084,
      wssPort: options.wssPort ?? 8085,
      host,
      controlEndpoints: true,
      allowedOrigins,
      auth: { jwt: { secret } },
      ...(options.certDir === undefined ? {} : { certDir: options.certDir }),
      ...(options.logger === undefined ? {} : { logger: options.logger }),
    });
  } catch (error) {
    await closeServer();
    throw error?.code === 'PORT_IN_USE' && (error.field === 'wsPort' || error.field === 'wssPort')
      ? new DemoPortInUseError(error.field, error.port, error)
      : error;
  }
  try {
    await built;
  } catch (error) {
    await Promise.all([closeServer(), broker.stop()]);
    throw error;
  }

  const token = await broker.issueToken({ sub: 'demo', ttl: TOKEN_TTL_SECONDS });
  const tokenExpiresAt = Date.now() + TOKEN_TTL_SECONDS * 1000;
  // The page connects to `localhost`: the name users type, and the one the WSS certificate carries.
  const pageUrls = {
    ws: `ws://${pageHost(host)}:${broker.wsPort}/mqtt`,
    wss: broker.wssPort === undefined ? undefined : `wss://${pageHost(host)}:${broker.wssPort}/mqtt`,
  };
  config = JSON.stringify({ brokerUrls: pageUrls, token, tokenExpiresAt });

  let stopping;
  return {
    url,
    port,
    brokerUrls: pageUrls,
    token,
    tokenExpiresAt,
    broker,
    stop() {
      stopping ??= Promise.all([closeServer(), broker.stop()]).then(() => undefined);
      return stopping;
    },
  };
}

/**
 * Routes: the built pages and app, static styles, the SDK's dist under /sdk/, uPlot under
 * /vendor/uplot/, and /config.json with the broker URLs and the dev token. A request for another
 * host name, or from a page of a foreign origin, gets 403 (the page's own requests carry no Origin).
 * @param {string} outDir
 * @param {() => string} config
 * @param {() => import('@webmqtt/broker').RequestPolicy | undefined} policy
 * @returns {import('node:http').RequestListener}
 */
function createHandler(outDir, config, policy) {
  const mounts = [
    { prefix: '/sdk/', serve: sirv(`${repoDir}packages/client/dist`, { dev: true }) },
    { prefix: '/vendor/uplot/', serve: sirv(uplotDir, { dev: true }) },
  ];
  const built = sirv(outDir, { dev: true });
  const assets = sirv(`${demoDir}public`, { dev: true });
  const notFound = (/** @type {import('node:http').ServerResponse} */ res) => {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found');
  };
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('content-security-policy', CSP);
    const checks = policy();
    const refusal = checks === undefined ? { status: 503, reason: 'starting' } : checks.refusal(req.headers);
    if (refusal) {
      res.writeHead(refusal.status, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' }).end(`${refusal.reason}\n`);
      return;
    }
    if (path === '/config.json') {
      res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(config());
      return;
    }
    const mount = mounts.find((m) => path.startsWith(m.prefix));
    if (mount) {
      req.url = (req.url ?? '/').slice(mount.prefix.length - 1);
      mount.serve(req, res, () => notFound(res));
      return;
    }
    built(req, res, () => assets(req, res, () => notFound(res)));
  };
}

/**
 * @param {import('node:http').Server} server
 * @param {number} port
 * @param {string} host
 * @returns {Promise<number>}
 */
function listen(server, port, host) {
  return new Promise((resolve, reject) => {
    /** @param {NodeJS.ErrnoException} error */
    const onError = (error) => {
      reject(error.code === 'EADDRINUSE' ? new DemoPortInUseError('port', port, error) : error);
    };
    server.once('error', onError);
    server.listen({ port, host }, () => {
      server.off('error', onError);
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : port);
    });
  });
}

/** @param {string} host */
function pageHost(host) {
  return LOOPBACK.has(host) ? 'localhost' : urlHost(host);
}

/** @param {string} host */
function urlHost(host) {
  if (host === '0.0.0.0' || host === '::') return '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}
