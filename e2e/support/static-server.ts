import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import sirv from 'sirv';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Serves the e2e pages at / and the client's dist at /dist on 127.0.0.1 with a free port. */
export async function startStaticServer(): Promise<{ url: string; close(): Promise<void> }> {
  const dist = sirv(`${root}/packages/client/dist`, { dev: true });
  const pages = sirv(`${root}/e2e/pages`, { dev: true });
  const server: Server = createServer((req, res) => {
    const url = req.url ?? '/';
    if (url.startsWith('/dist/')) {
      req.url = url.slice('/dist'.length);
      dist(req, res, () => {
        res.statusCode = 404;
        res.end('not found');
      });
      return;
    }
    if (url.startsWith('/csp/')) {
      // The same pages under a strict Content-Security-Policy: no inline script, no eval.
      res.setHeader('Content-Security-Policy', "default-src 'self'; script-src 'self'; connect-src 'self' ws: wss:; worker-src 'self'");
      req.url = url.slice('/csp'.length);
    }
    pages(req, res, () => {
      res.statusCode = 404;
      res.end('not found');
    });
  });
  return listenOnLoopback(server);
}

/** Serves `dir` on 127.0.0.1 (a free port) as any static file server would; favicon.ico is a 204 (Chromium asks for it, a 404 is a console error). */
export async function serveDirectory(dir: string): Promise<{ url: string; close(): Promise<void> }> {
  const handler = sirv(dir, { dev: true });
  return listenOnLoopback(
    createServer((req, res) => {
      if (req.url === '/favicon.ico') {
        res.statusCode = 204;
        res.end();
        return;
      }
      handler(req, res, () => {
        res.statusCode = 404;
        res.end('not found');
      });
    }),
  );
}

/** Listens on 127.0.0.1 with a free port; `close()` also ends kept-alive connections. */
export async function listenOnLoopback(server: Server): Promise<{ url: string; close(): Promise<void> }> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}
