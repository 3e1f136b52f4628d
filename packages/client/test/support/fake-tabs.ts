/**
 * Tabs of one origin, in memory: BroadcastChannels that structured-clone what they carry (as browsers do) and Web
 * Locks granted in request order, released when their holder releases them or its tab crashes.
 */
import type { HeldLock, TabChannel, TabLocks, TabPlatform } from '../../src/platform/tab-platform';

interface Waiter {
  tab: string;
  grant(lock: HeldLock | undefined): void;
}

class FakeChannel implements TabChannel {
  onmessage: ((event: { data: unknown }) => void) | null = null;
  closed = false;
  constructor(
    private readonly world: FakeTabs,
    readonly name: string,
    readonly tab: string,
  ) {}

  postMessage(message: unknown): void {
    if (this.closed) throw new Error('fake-tabs: post on a closed channel');
    const data = structuredClone(message);
    this.world.posts.push({ name: this.name, tab: this.tab, data: message });
    for (const other of this.world.channels) {
      if (other === this || other.closed || other.name !== this.name) continue;
      queueMicrotask(() => {
        if (!other.closed) other.onmessage?.({ data });
      });
    }
  }

  close(): void {
    this.closed = true;
  }
}

export class FakeTabs {
  readonly channels: FakeChannel[] = [];
  readonly posts: Array<{ name: string; tab: string; data: unknown }> = [];
  private readonly holders = new Map<string, { tab: string; release(): void }>();
  private readonly queues = new Map<string, Waiter[]>();
  private readonly lifecycles = new Map<string, Array<(event: 'hide' | 'show') => void>>();

  /** The platform of one tab. */
  platform(tab: string): TabPlatform {
    return {
      locks: () => this.locks(tab),
      channel: (name) => {
        const channel = new FakeChannel(this, name, tab);
        this.channels.push(channel);
        return channel;
      },
      pageLifecycle: (listener) => {
        const list = this.lifecycles.get(tab) ?? [];
        list.push(listener);
        this.lifecycles.set(tab, list);
        return () => list.splice(list.indexOf(listener), 1);
      },
    };
  }

  /** Who holds lock `name` (the tab's name), if anyone. */
  holder(name: string): string | undefined {
    return this.holders.get(name)?.tab;
  }

  /** Lock names held, matching `part`. */
  held(part: string): string[] {
    return [...this.holders.keys()].filter((name) => name.includes(part));
  }

  /** The tab's renderer dies: its locks go, its channels hear nothing more. */
  crash(tab: string): void {
    for (const channel of this.channels) if (channel.tab === tab) channel.closed = true;
    for (const queue of this.queues.values()) queue.splice(0, queue.length, ...queue.filter((w) => w.tab !== tab));
    for (const holder of [...this.holders.values()]) if (holder.tab === tab) holder.release();
  }

  /** The page goes into (`hide`) or comes back from (`show`) the back-forward cache. */
  page(tab: string, event: 'hide' | 'show'): void {
    for (const listener of this.lifecycles.get(tab) ?? []) listener(event);
  }

  private locks(tab: string): TabLocks {
    return {
      acquire: (name, options = {}) =>
        new Promise<HeldLock | undefined>((resolve) => {
          if (!this.holders.has(name)) {
            resolve(this.grant(name, tab));
            return;
          }
          if (options.ifAvailable) {
            resolve(undefined);
            return;
          }
          const waiter: Waiter = { tab, grant: resolve };
          const queue = this.queues.get(name) ?? [];
          queue.push(waiter);
          this.queues.set(name, queue);
          options.signal?.addEventListener('abort', () => {
            const at = queue.indexOf(waiter);
            if (at >= 0) {
              queue.splice(at, 1);
              resolve(undefined);
            }
          });
        }),
    };
  }

  private grant(name: string, tab: string): HeldLock {
    let held = true;
    const release = (): void => {
      if (!held) return;
      held = false;
      this.holders.delete(name);
      const next = this.queues.get(name)?.shift();
      if (next) next.grant(this.grant(name, next.tab));
    };
    this.holders.set(name, { tab, release });
    return { release };
  }
}
