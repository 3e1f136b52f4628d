import type { Broker, Logger } from '@webmqtt/broker';

/** Options of {@link startDemo}. Ports may be 0 to pick free ones. */
export interface DemoOptions {
  /** HTTP port of the demo page. Default 8080. */
  port?: number;
  /** Broker WebSocket port. Default 8084. */
  wsPort?: number;
  /** Broker WSS port, or false to turn WSS off. Default 8085. */
  wssPort?: number | false;
  /** Interface for all three listeners. Default 127.0.0.1. */
  host?: string;
  /** HS256 secret the broker verifies tokens with, at least 32 bytes. Default: random per start. */
  jwtSecret?: string;
  /**
   * Origins of other pages allowed to use the broker and read /config.json, besides the demo page
   * and loopback pages (the broker's `allowedOrigins`).
   */
  allowedOrigins?: readonly string[];
  /** Where the broker caches its self-signed certificate. */
  certDir?: string;
  /** Where the built page goes. Default demo/.build. */
  outDir?: string;
  /** The broker's logger. Default silent. */
  logger?: Logger;
}

/** A running demo. */
export interface Demo {
  /** The page, e.g. http://127.0.0.1:8080/ */
  url: string;
  port: number;
  /** The broker URLs the page is given. */
  brokerUrls: { ws: string; wss: string | undefined };
  /** The dev token (24 h) prefilled in the page. */
  token: string;
  tokenExpiresAt: number;
  broker: Broker;
  /** Stops the HTTP server and the broker. Safe to call more than once. */
  stop(): Promise<void>;
}

/** A port the demo was asked to use is taken. */
export declare class DemoPortInUseError extends Error {
  readonly code: 'PORT_IN_USE';
  readonly field: 'port' | 'wsPort' | 'wssPort';
  readonly port: number;
}

/** Builds the page, starts the dev broker (control endpoints on) and serves the demo. */
export declare function startDemo(options?: DemoOptions): Promise<Demo>;
