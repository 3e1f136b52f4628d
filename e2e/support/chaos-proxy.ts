import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A fault-injecting TCP proxy for the e2e harness: it sits between the browser and the broker and
 * forwards raw bytes (the WebSocket handshake and frames pass through untouched), but it
 * - cuts connections at random intervals (both sockets destroyed abruptly, RST where possible);
 * - stalls them: bytes stop flowing both ways while both sockets stay open (a half-open link),
 *   until the client gives up (it opens a new connection, or closes its side) or `stallMaxMs` passes;
 * - delays chunks and fragments them into random smaller writes, order preserved per direction.
 *
 * Every random decision comes from mulberry32 seeded with `seed`. Faults and traffic shaping use
 * separate streams, so the same seed gives the same fault schedule (the exact bytes a cut lands
 * on still depend on the network's timing).
 */
export interface ChaosProxyOptions {
  target: { host: string; port: number };
  seed: number;
  /** A fault hits the newest live connection after a random wait in this range; false for none. */
  cutEveryMs?: readonly [number, number] | false;
  /** Probability that a fault is a stall rather than a cut. Default 0. */
  stallProbability?: number;
  /** Each batch of bytes waits a random delay in this range before it is written. Default [0, 0]. */
  delayMs?: readonly [number, number];
  /** Split every batch into random smaller writes. Default false. */
  fragment?: boolean;
  /** A stalled pair is closed after this long even if the client never gives up. Default 15 000. */
  stallMaxMs?: number;
  /** Interface to listen on. Default 127.0.0.1. */
  host?: string;
}

export interface ChaosStats {
  connections: number;
  cuts: number;
  stalls: number;
  /** Bytes forwarded (both directions). */
  bytes: number;
  /** Bytes swallowed by stalls. */
  bytesDropped: number;
}

/** One line of the proxy's event log (debug replays). */
export interface ChaosEvent {
  at: number;
  event: 'accept' | 'upstream-connect' | 'cut' | 'stall' | 'close';
  pair: number;
  /** Who ended the pair, for 'close'. */
  by?: string;
}

export interface ChaosProxy {
  /** `ws://host:port` of the proxy (add the broker's path). */
  readonly url: string;
  readonly port: number;
  readonly stats: ChaosStats;
  /** Connections open now, and how many of them are stalled. */
  readonly open: { live: number; stalled: number };
  /** What happened to each connection, in order. */
  readonly events: readonly ChaosEvent[];
  /** Stops injecting new faults (existing stalls stay until the client gives up); shaping goes on. */
  calm(): void;
  /** Closes the listener and every connection. */
  stop(): Promise<void>;
}

/** mulberry32: a small seeded PRNG in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function between(random: () => number, [min, max]: readonly [number, number]): number {
  return min + Math.floor(random() * (max - min + 1));
}

/** Above this many queued bytes the source socket is paused (backpressure through the proxy). */
const HIGH_WATER = 1 << 20;
/** One batch written per delay is at most this big, so delays also apply under load. */
const MAX_BATCH = 64 * 1024;

class Pipe {
  private queue: Buffer[] = [];
  private queued = 0;
  private running = false;

  constructor(
    private readonly pair: Pair,
    private readonly from: Socket,
    private readonly to: Socket,
  ) {
    from.on('data', (chunk: Buffer) => this.push(chunk));
  }

  private push(chunk: Buffer): void {
    if (this.pair.dead) return;
    if (this.pair.stalled) {
      this.pair.proxy.stats.bytesDropped += chunk.length;
      return;
    }
    this.queue.push(chunk);
    this.queued += chunk.length;
    if (this.queued > HIGH_WATER) this.from.pause();
    if (!this.running) void this.run();
  }

  private async run(): Promise<void> {
    this.running = true;
    const { options, shape } = this.pair.proxy;
    const delay = options.delayMs ?? [0, 0];
    try {
      while (this.queue.length > 0 && !this.pair.dead && !this.pair.stalled) {
        const batch = this.take();
        const wait = between(shape, delay);
        if (wait > 0) await sleep(wait);
        if (this.pair.dead || this.pair.stalled) return;
        const pieces = options.fragment ? fragments(batch, shape) : [batch];
        for (const piece of pieces) {
          if (this.pair.dead || this.pair.stalled) return;
          this.pair.proxy.stats.bytes += piece.length;
          const flushed = this.to.write(piece);
          if (!flushed) await new Promise<void>((resolve) => {
            const done = (): void => {
              this.to.off('drain', done);
              this.to.off('close', done);
              resolve();
            };
            this.to.on('drain', done);
            this.to.on('close', done);
          });
          // A separate turn per piece, so pieces leave as separate TCP segments (setNoDelay is on).
          if (pieces.length > 1) await new Promise<void>((resolve) => setImmediate(resolve));
        }
        if (this.queued <= HIGH_WATER && this.from.isPaused()) this.from.resume();
      }
    } finally {
      this.running = false;
    }
  }

  private take(): Buffer {
    const parts: Buffer[] = [];
    let size = 0;
    while (this.queue.length > 0 && size < MAX_BATCH) {
      const next = this.queue.shift() as Buffer;
      parts.push(next);
      size += next.length;
    }
    this.queued -= size;
    return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts, size);
  }
}

/** Random cut points: mostly small pieces (1..64 bytes), sometimes a bigger remainder. */
function fragments(batch: Buffer, random: () => number): Buffer[] {
  const pieces: Buffer[] = [];
  let offset = 0;
  // Bounded count, so a 64 KB batch is not written as thousands of 1-byte segments.
  while (offset < batch.length && pieces.length < 8) {
    const size = 1 + Math.floor(random() * 64);
    pieces.push(batch.subarray(offset, offset + size));
    offset += size;
  }
  if (offset < batch.length) pieces.push(batch.subarray(offset));
  return pieces;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

class Pair {
  dead = false;
  stalled = false;
  private stallTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly proxy: Proxy,
    readonly id: number,
    readonly client: Socket,
    readonly upstream: Socket,
  ) {
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    new Pipe(this, client, upstream);
    new Pipe(this, upstream, client);
    // The client closing (or failing) ends the pair, stalled or not: it gave up.
    client.on('close', () => this.destroy(false, 'client'));
    client.on('error', () => this.destroy(false, 'client'));
    // The broker closing during a stall stays invisible to the client: that is what half-open means.
    upstream.on('close', () => {
      if (!this.stalled) this.destroy(false, 'broker');
    });
    upstream.on('error', () => {
      if (!this.stalled) this.destroy(false, 'broker');
    });
  }

  cut(): void {
    this.proxy.stats.cuts++;
    this.proxy.log('cut', this.id);
    this.destroy(true, 'cut');
  }

  stall(): void {
    if (this.stalled || this.dead) return;
    this.proxy.stats.stalls++;
    this.proxy.log('stall', this.id);
    this.stalled = true;
    this.stallTimer = setTimeout(() => this.destroy(false, 'stallMaxMs'), this.proxy.options.stallMaxMs ?? 15_000);
  }

  destroy(abrupt: boolean, by: string): void {
    if (this.dead) return;
    this.dead = true;
    this.proxy.log('close', this.id, by);
    clearTimeout(this.stallTimer);
    for (const socket of [this.client, this.upstream]) {
      if (abrupt && typeof socket.resetAndDestroy === 'function' && !socket.destroyed && socket.readyState === 'open') socket.resetAndDestroy();
      else socket.destroy();
    }
    this.proxy.pairs.delete(this);
  }
}

class Proxy implements ChaosProxy {
  readonly stats: ChaosStats = { connections: 0, cuts: 0, stalls: 0, bytes: 0, bytesDropped: 0 };
  readonly events: ChaosEvent[] = [];
  readonly pairs = new Set<Pair>();
  readonly faults: () => number;
  readonly shape: () => number;
  private faultTimer: NodeJS.Timeout | undefined;
  private calmed = false;
  private server: Server | undefined;
  port = 0;

  constructor(readonly options: ChaosProxyOptions) {
    this.faults = mulberry32(options.seed);
    this.shape = mulberry32(options.seed ^ 0x9e3779b9);
  }

  get open(): { live: number; stalled: number } {
    const pairs = [...this.pairs];
    return { live: pairs.length, stalled: pairs.filter((p) => p.stalled).length };
  }

  log(event: ChaosEvent['event'], pair: number, by?: string): void {
    this.events.push(by === undefined ? { at: Date.now(), event, pair } : { at: Date.now(), event, pair, by });
  }

  get url(): string {
    return `ws://${this.options.host ?? '127.0.0.1'}:${this.port}`;
  }

  async listen(): Promise<void> {
    const server = createServer((client) => this.accept(client));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, this.options.host ?? '127.0.0.1', () => resolve());
    });
    const address = server.address();
    this.port = typeof address === 'object' && address ? address.port : 0;
    this.scheduleFault();
  }

  private accept(client: Socket): void {
    const id = ++this.stats.connections;
    this.log('accept', id);
    // A new connection means the client gave up on any stalled one.
    for (const pair of [...this.pairs]) if (pair.stalled) pair.destroy(false, 'new connection');
    client.pause();
    const upstream = connect(this.options.target.port, this.options.target.host);
    const pair = new Pair(this, id, client, upstream);
    this.pairs.add(pair);
    upstream.once('connect', () => {
      this.log('upstream-connect', id);
      client.resume();
    });
  }

  private scheduleFault(): void {
    const range = this.options.cutEveryMs;
    if (!range || this.calmed) return;
    this.faultTimer = setTimeout(() => {
      const stall = this.faults() < (this.options.stallProbability ?? 0);
      const live = [...this.pairs].filter((p) => !p.stalled && !p.dead);
      const target = live[live.length - 1];
      if (target) {
        if (stall) target.stall();
        else target.cut();
      }
      this.scheduleFault();
    }, between(this.faults, range));
  }

  calm(): void {
    this.calmed = true;
    clearTimeout(this.faultTimer);
  }

  async stop(): Promise<void> {
    this.calm();
    for (const pair of [...this.pairs]) pair.destroy(false, 'stop');
    const server = this.server;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

/**
 * Starts a chaos proxy on a free port in front of `target`.
 * @example
 * ```ts
 * const proxy = await startChaosProxy({ target: { host: '127.0.0.1', port: broker.wsPort }, seed, cutEveryMs: [300, 3000], stallProbability: 0.3, delayMs: [0, 30], fragment: true });
 * const url = `${proxy.url}/mqtt`;
 * ```
 */
export async function startChaosProxy(options: ChaosProxyOptions): Promise<ChaosProxy> {
  const proxy = new Proxy(options);
  await proxy.listen();
  return proxy;
}
