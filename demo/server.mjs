#!/usr/bin/env node
// `npm start`: the dev broker plus the demo page, with a dev token to paste anywhere.
import { parseArgs } from 'node:util';
import { MIN_SECRET_BYTES } from '@webmqtt/broker';
import { startDemo } from './start-demo.mjs';

// Each port: its startDemo option, its flag and its environment variable (named in error messages).
const PORTS = {
  port: { flag: '--port', env: 'WEBMQTT_DEMO_PORT', fallback: 8080 },
  wsPort: { flag: '--ws-port', env: 'WEBMQTT_WS_PORT', fallback: 8084 },
  wssPort: { flag: '--wss-port', env: 'WEBMQTT_WSS_PORT', fallback: 8085 },
};

const HELP = `Usage: npm start -- [options]

  --port <n>       demo page port          (env WEBMQTT_DEMO_PORT, default 8080)
  --ws-port <n>    broker WebSocket port   (env WEBMQTT_WS_PORT, default 8084)
  --wss-port <n>   broker WSS port         (env WEBMQTT_WSS_PORT, default 8085)
  --host <addr>    interface to listen on  (default 127.0.0.1)
  WEBMQTT_JWT_SECRET       HS256 secret for tokens, at least 32 bytes (default: random per start)
  WEBMQTT_ALLOWED_ORIGINS  comma-separated origins of other pages that may use the broker, e.g.
                           http://192.168.1.5:5173 (the demo page and localhost pages always may)`;

function fail(message) {
  console.error(message);
  process.exit(1);
}

function readOptions() {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        port: { type: 'string' },
        'ws-port': { type: 'string' },
        'wss-port': { type: 'string' },
        host: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    fail(`${error.message}\n\n${HELP}`);
  }
  if (values.help) {
    console.log(HELP);
    process.exit(0);
  }
  const flagValue = { port: values.port, wsPort: values['ws-port'], wssPort: values['wss-port'] };
  const ports = {};
  for (const [field, { flag, env, fallback }] of Object.entries(PORTS)) {
    const raw = flagValue[field] ?? process.env[env];
    if (raw === undefined || raw === '') {
      ports[field] = fallback;
      continue;
    }
    const port = Number(raw);
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      fail(`${flag} / ${env} must be a port number from 0 to 65535 (got "${raw}")`);
    }
    ports[field] = port;
  }
  const allowedOrigins = (process.env.WEBMQTT_ALLOWED_ORIGINS ?? '').split(',').map((o) => o.trim()).filter(Boolean);
  return { ...ports, host: values.host ?? '127.0.0.1', jwtSecret: process.env.WEBMQTT_JWT_SECRET || undefined, allowedOrigins };
}

async function main() {
  const options = readOptions();
  let demo;
  try {
    demo = await startDemo(options);
  } catch (error) {
    const port = error?.code === 'PORT_IN_USE' ? PORTS[error.field] : undefined;
    if (port) {
      fail(`Port ${error.port} is in use: start with ${port.flag} <n> or ${port.env}=<n>`);
    }
    if (error?.field === 'auth.jwt.secret') {
      fail(`WEBMQTT_JWT_SECRET is too short: at least ${MIN_SECRET_BYTES} bytes are needed; make one with: openssl rand -base64 32`);
    }
    if (error?.field?.startsWith('allowedOrigins')) {
      fail(`WEBMQTT_ALLOWED_ORIGINS: each entry ${error.message.replace(/^\S+ /, '')}`);
    }
    fail(`Cannot start the demo: ${error?.message ?? String(error)}`);
  }

  const hours = Math.round((demo.tokenExpiresAt - Date.now()) / 3_600_000);
  console.log(`
  webmqtt demo     ${demo.url}
  UMD variant      ${demo.url}umd.html

  broker (ws)      ${demo.brokerUrls.ws}
  broker (wss)     ${demo.brokerUrls.wss ?? 'off'}${demo.brokerUrls.wss ? '  (self-signed certificate)' : ''}
  dev token        ${demo.token}
                   (HS256, valid ${hours} h; the page has it prefilled)

  Ctrl+C to stop.
`);

  const shutdown = (signal) => {
    console.log(`\n${signal}: stopping the demo and the broker…`);
    const forced = setTimeout(() => process.exit(1), 5_000);
    forced.unref();
    demo.stop().then(
      () => process.exit(0),
      (error) => fail(`Stopping failed: ${error?.message ?? String(error)}`),
    );
  };
  process.once('SIGINT', () => shutdown('SIGINT'));
  process.once('SIGTERM', () => shutdown('SIGTERM'));
}

await main();
