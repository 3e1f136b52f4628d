import type { IncomingMessage, ServerResponse } from 'node:http';
import { quoteForLog, type FullLogger } from './logger.js';
import type { RequestPolicy } from './request-policy.js';

/** What the control endpoints can see and do. */
export interface ControlTarget {
  clients(): number;
  uptimeSeconds(): number;
  dropConnections(): Promise<void>;
}

/** Paths of the control endpoints. */
export const CONTROL_PATHS = {
  drop: '/__webmqtt/drop',
  health: '/__webmqtt/health',
} as const;

/**
 * The header every state-changing control call must carry (`x-webmqtt-control: 1`). A form or a
 * `mode: 'no-cors'` fetch cannot set it, and a page's fetch that does must first pass a CORS
 * preflight, which only allowed origins pass.
 */
export const CONTROL_HEADER = { name: 'x-webmqtt-control', value: '1' } as const;

/** What the plain HTTP side of a listener needs. */
export interface RequestHandlerOptions {
  /** Serve the control endpoints. */
  enabled: boolean;
  policy: RequestPolicy;
  logger: FullLogger;
}

// CORS for allowed origins only: the origin is echoed, never `*`, so each answer varies by it.
const PREFLIGHT_HEADERS = {
  'access-control-allow-methods': 'GET, POST, OPTIONS',
  'access-control-allow-headers': `content-type, ${CONTROL_HEADER.name}`,
  'access-control-max-age': '600',
} as const;

/**
 * HTTP handler for plain requests on the listeners: the control endpoints when `enabled`, a short
 * note on `/`, 426 on the MQTT path (it needs a WebSocket upgrade), 404 elsewhere. A request for
 * a host name that is not this server's (DNS rebinding) gets 403 on every path, and so does a
 * control call from a page whose origin is not allowed.
 */
export function createRequestHandler(
  target: ControlTarget,
  options: RequestHandlerOptions,
): (req: IncomingMessage, res: ServerResponse) => void {
  const { enabled, policy, logger } = options;
  const refuse = (req: IncomingMessage, res: ServerResponse, reason: string, headers: Record<string, string> = {}): void => {
    req.resume();
    logger.info(`refused ${req.method ?? '?'} ${quoteForLog(req.url)} (host ${quoteForLog(req.headers.host)}, origin ${quoteForLog(req.headers.origin)}): ${reason}`);
    sendJson(res, 403, { error: reason }, headers);
  };
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (!policy.hostAllowed(req.headers.host)) {
      refuse(req, res, 'host not allowed');
      return;
    }
    const isControl = enabled && (path === CONTROL_PATHS.drop || path === CONTROL_PATHS.health);
    if (!isControl && path === '/') {
      // Opening the WSS origin once in a browser is how a developer accepts the self-signed certificate.
      res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('webmqtt broker: MQTT over WebSocket is served at /mqtt. You can close this page.\n');
      return;
    }
    if (!isControl) {
      const upgrade = path === '/mqtt';
      sendJson(res, upgrade ? 426 : 404, {
        error: upgrade ? 'connect with MQTT over WebSocket (subprotocol "mqtt")' : 'not found',
      });
      return;
    }
    const origin = req.headers.origin;
    if (!policy.originAllowed(origin)) {
      refuse(req, res, 'origin not allowed');
      return;
    }
    const cors = { vary: 'origin', ...(origin === undefined ? {} : { 'access-control-allow-origin': origin }) };
    if (req.method === 'OPTIONS') {
      res.writeHead(204, { ...cors, ...PREFLIGHT_HEADERS }).end();
      return;
    }
    if (path === CONTROL_PATHS.health && (req.method === 'GET' || req.method === 'HEAD')) {
      sendJson(res, 200, { status: 'ok', clients: target.clients(), uptime: target.uptimeSeconds() }, cors);
      return;
    }
    if (path === CONTROL_PATHS.drop && req.method === 'POST') {
      if (req.headers[CONTROL_HEADER.name] !== CONTROL_HEADER.value) {
        // With CORS headers: the allowed page that forgot the header can read why.
        refuse(req, res, `send the header "${CONTROL_HEADER.name}: ${CONTROL_HEADER.value}" to drop connections`, cors);
        return;
      }
      req.resume();
      const before = target.clients();
      target.dropConnections().then(
        () => sendJson(res, 200, { dropped: before }, cors),
        () => sendJson(res, 500, { error: 'dropping connections failed' }, cors),
      );
      return;
    }
    res.setHeader('allow', path === CONTROL_PATHS.drop ? 'POST, OPTIONS' : 'GET, HEAD, OPTIONS');
    sendJson(res, 405, { error: 'method not allowed' }, cors);
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { ...headers, 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}
