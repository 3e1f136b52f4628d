// Serves the bench pages and the files they load, and collects what pages POST back.
import { createServer } from 'node:http';
import { fileURLToPath } from 'node:url';
import sirv from 'sirv';

const root = fileURLToPath(new URL('../..', import.meta.url));

export async function startSite() {
  const mounts = [
    ['/bench/', sirv(`${root}bench/pages`, { dev: true })],
    ['/client/', sirv(`${root}packages/client/dist`, { dev: true })],
    ['/mqtt/', sirv(`${root}node_modules/mqtt/dist`, { dev: true })],
    ['/paho/', sirv(`${root}node_modules/paho-mqtt`, { dev: true })],
  ];
  const waiting = new Map(); // id -> { onMessage }
  const jobs = new Map(); // id -> { queue, waiter }
  const server = createServer((req, res) => {
    if (req.method === 'POST' && req.url.startsWith('/result/')) {
      const id = decodeURIComponent(req.url.slice('/result/'.length));
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        res.writeHead(204, { 'access-control-allow-origin': '*' }).end();
        let data;
        try {
          data = JSON.parse(body);
        } catch (error) {
          data = { error: `bad JSON from page: ${error.message}` };
        }
        const w = waiting.get(id);
        if (w) w.onMessage(data);
      });
      return;
    }
    if (req.method === 'GET' && req.url.startsWith('/job/')) {
      // Long poll: a worker page asks for its next job and gets it when there is one.
      const id = decodeURIComponent(req.url.slice('/job/'.length));
      const q = jobs.get(id) ?? { queue: [], waiter: undefined };
      jobs.set(id, q);
      const reply = (job) => res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(job));
      if (q.queue.length) reply(q.queue.shift());
      else q.waiter = reply;
      return;
    }
    for (const [prefix, handler] of mounts) {
      if (req.url.startsWith(prefix)) {
        req.url = req.url.slice(prefix.length - 1);
        return handler(req, res, () => res.writeHead(404).end());
      }
    }
    res.writeHead(404).end();
  });
  const { url, close } = await listenLocal(server);
  return {
    url,
    /** Registers a listener for the POSTs of page `id`; returns an unregister function. */
    listen(id, onMessage) {
      waiting.set(id, { onMessage });
      return () => waiting.delete(id);
    },
    /** Hands `job` to worker page `id` (now, or when it next asks). */
    giveJob(id, job) {
      const q = jobs.get(id) ?? { queue: [], waiter: undefined };
      jobs.set(id, q);
      if (q.waiter) {
        const w = q.waiter;
        q.waiter = undefined;
        w(job);
      } else q.queue.push(job);
    },
    close,
  };
}

/** `server` listening on a free port of 127.0.0.1: its URL and a close() that drops open connections. */
async function listenLocal(server) {
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    close: () => new Promise((resolve) => { server.closeAllConnections?.(); server.close(() => resolve()); }),
  };
}

/**
 * Serves a built app's directory as a production server would: the precompressed `.br`/`.gz` files next to each
 * file (when the browser accepts them), `cache-control: no-store`, no ETag. Resolves with `{ url, close }`.
 */
export function serveStatic(dir) {
  const files = sirv(dir, { brotli: true, gzip: true, etag: false, setHeaders: (res) => res.setHeader('cache-control', 'no-store') });
  // Chromium asks for /favicon.ico; 204 keeps the request list to what the app loads.
  return listenLocal(createServer((req, res) => files(req, res, () => res.writeHead(req.url === '/favicon.ico' ? 204 : 404).end())));
}
