import type { IncomingMessage, ServerResponse } from 'node:http';

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

// The demo page and test runners call these from another origin.
const CORS_HEADERS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, POST, OPTIONS',
  'access-control-allow-headers': 'content-type',
  'access-control-max-age': '600',
} as const;

/**
 * HTTP handler for plain requests on the listeners: the control endpoints when `enabled`, a short
 * note on `/`, 426 on the MQTT path (it needs a WebSocket upgrade), 404 elsewhere.
 */
export function createRequestHandler(
  target: ControlTarget,
  enabled: boolean,
): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const path = (req.url ?? '/').split('?')[0];
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
    if (req.method === 'OPTIONS') {
      res.writeHead(204, CORS_HEADERS).end();
      return;
    }
    if (path === CONTROL_PATHS.health && (req.method === 'GET' || req.method === 'HEAD')) {
      sendJson(res, 200, { status: 'ok', clients: target.clients(), uptime: target.uptimeSeconds() });
      return;
    }
    if (path === CONTROL_PATHS.drop && req.method === 'POST') {
      req.resume();
      const before = target.clients();
      target.dropConnections().then(
        () => sendJson(res, 200, { dropped: before }),
        () => sendJson(res, 500, { error: 'dropping connections failed' }),
      );
      return;
    }
    res.setHeader('allow', path === CONTROL_PATHS.drop ? 'POST, OPTIONS' : 'GET, HEAD, OPTIONS');
    sendJson(res, 405, { error: 'method not allowed' });
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { ...CORS_HEADERS, 'content-type': 'application/json', 'cache-control': 'no-store' });
  res.end(JSON.stringify(body));
}
