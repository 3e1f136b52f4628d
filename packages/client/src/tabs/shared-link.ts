import { ErrorCode, WebMqttError } from '../core/errors';
import type { ClientRole } from '../core/events';
import type { NormalizedOptions } from '../core/options';
import type { ConnectionState } from '../core/state-machine';
import type { Message } from '../messaging/message';
import type { MessageHandler, SubscribeOptions, Subscription } from '../messaging/subscriptions';
import type { Link, LinkEmit, PublishRequest } from '../link/link';
import { browserTabPlatform, type HeldLock, type TabChannel, type TabLocks, type TabPlatform } from '../platform/tab-platform';
import { LeaderService } from './leader';
import {
  fromWireError,
  groupChannel,
  inboxChannel,
  leaderInbox,
  leaderLock,
  tabLock,
  type ToGroup,
  type ToLeader,
  type ToTab,
  type WirePublish,
  type WireState,
  type WireSubscription,
  type WireMessage,
} from './protocol';

/** What the shared link needs of the core: the connection in this tab (when leading), and messages from the wire. */
export interface SharedLinkDeps {
  connection(opts: NormalizedOptions, emit: LinkEmit): Link;
  message(wire: WireMessage): Message;
  /** The system's next turn (a MessageChannel message in browsers). */
  later(fn: () => void): void;
  /** Runs `fn` once this task's synchronous work is done (the client's clock). */
  soon(fn: () => void): void;
}

interface LiveSubscription {
  filter: string;
  options: SubscribeOptions;
  handler: MessageHandler;
  /** Settles the subscribe() call: once, on the first answer of any leader. */
  settle: ((error?: WebMqttError) => void) | undefined;
}

interface PendingPublish {
  request: PublishRequest;
  /** Posted to a leader: with QoS 0, never posted to another one (at most once). */
  sent: boolean;
  resolve(): void;
  reject(error: WebMqttError): void;
}

/** Only the wire options of a subscribe (messages() passes its AbortSignal along, which cannot be cloned). */
function wireOptions(options: SubscribeOptions): SubscribeOptions {
  const out: SubscribeOptions = {};
  if (options.qos !== undefined) out.qos = options.qos;
  if (options.nl !== undefined) out.nl = options.nl;
  if (options.rap !== undefined) out.rap = options.rap;
  if (options.rh !== undefined) out.rh = options.rh;
  return out;
}

function tabId(random: () => number): string {
  let id = '';
  for (let i = 0; i < 16; i++) id += Math.floor(random() * 36).toString(36);
  return id;
}

/**
 * The link of a client with `shareAcrossTabs`: one tab of the group leads (it holds the Web Lock and runs the
 * connection in a {@link LeaderService}), every tab, the leader's own included, relays to it. The tab keeps what it
 * asked for (its subscriptions and unanswered publishes) so that when the leader changes, it sends them all to the
 * next one: nothing waits forever on a tab that went away.
 */
export class SharedLink implements Link {
  role: ClientRole = 'solo';
  state: ConnectionState = 'idle';
  protocolVersion: 4 | 5;
  lastFailure: WebMqttError | undefined;
  queued = { size: 0, bytes: 0 };

  private readonly self: string;
  private readonly group: string;
  private readonly locks: TabLocks;
  private groupChannel: TabChannel | undefined;
  private inbox: TabChannel | undefined;
  private tabHeld: HeldLock | undefined;
  private leaderHeld: HeldLock | undefined;
  private waitForLead: AbortController | undefined;
  private service: LeaderService | undefined;
  /** The leader this tab relays to (after its hello), and how to reach it. */
  private leader: string | undefined;
  /** The version the group's connection was last connected with. */
  private provenVersion: 4 | 5 | undefined;
  /** The last of the leader's state changes applied (a new leader counts from 1 again). */
  private stateSeq = 0;
  private leaderChannel: TabChannel | undefined;
  private joined = false;
  private closed = false;
  private trace = false;
  private nextId = 1;
  private readonly subs = new Map<number, LiveSubscription>();
  private readonly pubs = new Map<number, PendingPublish>();
  private readonly unsubs = new Map<number, () => void>();
  /** Said to the leader this turn, posted together at its end. */
  private outgoing: ToLeader[] = [];
  private waiters: Array<{ resolve(): void; reject(error: WebMqttError): void }> = [];
  private stopLifecycle: (() => void) | undefined;

  private readonly platform: TabPlatform;

  /**
   * `deps`: what this chunk takes from the core rather than importing it (a lazy chunk that imported the core's
   * private modules would make rollup split the core into a chunk of its own).
   */
  constructor(
    private readonly opts: NormalizedOptions,
    private readonly emit: LinkEmit,
    private readonly deps: SharedLinkDeps,
  ) {
    this.platform = opts.tabPlatform ?? browserTabPlatform();
    this.group = (opts.shareAcrossTabs as { name: string }).name;
    this.protocolVersion = opts.protocolVersion === 4 ? 4 : 5;
    this.self = tabId(opts.random);
    this.locks = this.platform.locks();
  }

  connect(): Promise<void> {
    if (this.closed) return Promise.reject(new WebMqttError(ErrorCode.CLIENT_CLOSED, 'This client was closed; create a new one with createClient().'));
    if (this.state === 'connected') return Promise.resolve();
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    if (!this.joined) {
      this.joined = true;
      this.stopLifecycle = this.platform.pageLifecycle?.((event) => (event === 'hide' ? this.suspend() : this.resume()));
      this.setState({ seq: 0, current: 'connecting', reason: undefined, attempt: 1, retryInMs: undefined });
      void this.join();
    } else {
      // The leader's connect(): a new start when it failed, "retry now" while it waits to reconnect.
      this.send({ t: 'connect', from: this.self });
    }
    return done;
  }

  publish(request: PublishRequest): Promise<void> {
    const id = this.nextId++;
    return new Promise<void>((resolve, reject) => {
      this.pubs.set(id, { request, sent: false, resolve, reject });
      this.send({ t: 'pub', from: this.self, id, ...request });
    });
  }

  subscribe(filter: string, handler: MessageHandler, options: SubscribeOptions): Promise<Subscription> {
    const id = this.nextId++;
    return new Promise<Subscription>((resolve, reject) => {
      const live: LiveSubscription = { filter, options: wireOptions(options), handler, settle: undefined };
      live.settle = (error) => {
        live.settle = undefined;
        if (error) {
          this.subs.delete(id);
          reject(error);
          return;
        }
        resolve({ filter, unsubscribe: () => this.unsubscribe(id) });
      };
      this.subs.set(id, live);
      this.send({ t: 'sub', from: this.self, id, filter, options: live.options });
    });
  }

  private unsubscribe(id: number): Promise<void> {
    if (!this.subs.delete(id) || !this.leader) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.unsubs.set(id, resolve);
      this.send({ t: 'unsub', from: this.self, id });
    });
  }

  dropSocket(): void {
    this.send({ t: 'drop', from: this.self });
  }

  tracePackets(on: boolean): void {
    this.trace = on;
    this.send({ t: 'trace', from: this.self, on });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.stopLifecycle?.();
    const error = new WebMqttError(ErrorCode.CLIENT_CLOSED, 'The client was closed before this completed.');
    for (const pub of this.pubs.values()) pub.reject(error);
    this.pubs.clear();
    for (const sub of this.subs.values()) sub.settle?.(error);
    this.subs.clear();
    this.settleUnsubs();
    this.setState({ seq: 0, current: 'closed', reason: undefined, attempt: undefined, retryInMs: undefined });
    this.settleWaiters(new WebMqttError(ErrorCode.CLIENT_CLOSED, 'The client was closed before it connected.'));
    this.send({ t: 'bye', from: this.self });
    this.flushOut();
    await this.leave();
  }

  /** Into the group: this tab's lock, then the leader's if free; otherwise a follower that waits to lead. */
  private async join(): Promise<void> {
    this.groupChannel = this.platform.channel(groupChannel(this.group));
    this.groupChannel.onmessage = (event) => this.onGroup(event.data as ToGroup);
    this.inbox = this.platform.channel(inboxChannel(this.group, this.self));
    this.inbox.onmessage = (event) => this.onInbox(event.data as ToTab);
    const tab = await this.locks.acquire(tabLock(this.group, this.self));
    if (this.closed || !this.inbox) {
      tab?.release();
      return;
    }
    this.tabHeld = tab;
    const lead = await this.locks.acquire(leaderLock(this.group), { ifAvailable: true });
    if (this.closed || !this.inbox) {
      lead?.release();
      return;
    }
    if (lead) {
      this.lead(lead);
      return;
    }
    this.setRole('follower');
    this.groupChannel.postMessage({ t: 'who', from: this.self } satisfies ToGroup);
    this.awaitLead();
  }

  /** Queues for the leader lock: the browser grants it when the leader tab closes, crashes or hands over. */
  private awaitLead(): void {
    const waiting = new AbortController();
    this.waitForLead = waiting;
    void this.locks.acquire(leaderLock(this.group), { signal: waiting.signal }).then((lock) => {
      if (!lock) return;
      if (this.closed || this.waitForLead !== waiting) {
        lock.release();
        return;
      }
      this.waitForLead = undefined;
      this.lead(lock);
    });
  }

  private lead(lock: HeldLock): void {
    this.leaderHeld = lock;
    const service = new LeaderService({
      group: this.group,
      self: this.self,
      channel: (name) => this.platform.channel(name),
      locks: this.locks,
      broadcast: (message) => this.groupChannel?.postMessage(message),
      toSelf: { group: (message) => this.onGroup(message), inbox: (message) => this.onInbox(message) },
      connection: (emit) => this.deps.connection(this.leaderOptions(), emit),
      later: this.deps.later,
    });
    this.service = service;
    this.setRole('leader');
    // Started first: its `connecting` is what the hello's welcome then reports.
    service.start();
    this.relayTo(this.self);
  }

  /**
   * The options this tab leads with: its own, except that a version the group's connection already settled on
   * (`'auto'` found the broker speaks only 3.1.1) is not probed again with an MQTT 5 attempt.
   */
  private leaderOptions(): NormalizedOptions {
    if (this.opts.protocolVersion !== 'auto' || this.provenVersion !== 4) return this.opts;
    // Over the tab's own options (their hidden secrets included), only the version differs.
    return Object.create(this.opts, { protocolVersion: { value: 4, enumerable: true } }) as NormalizedOptions;
  }

  /**
   * Leaves the group: hands the connection over when leading, gives up both locks, closes the channels. `closing`:
   * the leader lock goes once the DISCONNECT is out (the next leader's CONNECT comes after it); a page going away
   * may not run another task, so it gives the lock up at once.
   */
  private async leave(closing = true): Promise<void> {
    this.waitForLead?.abort();
    this.waitForLead = undefined;
    const service = this.service;
    this.service = undefined;
    this.leader = undefined;
    this.leaderChannel?.close();
    this.leaderChannel = undefined;
    this.groupChannel?.close();
    this.groupChannel = undefined;
    this.inbox?.close();
    this.inbox = undefined;
    const stopped = service?.stop();
    if (closing) await stopped;
    this.leaderHeld?.release();
    this.leaderHeld = undefined;
    this.tabHeld?.release();
    this.tabHeld = undefined;
  }

  /** The page goes away or into the back-forward cache: another tab takes over at once. */
  private suspend(): void {
    if (this.closed || !this.inbox) return;
    void this.leave(false);
  }

  /** Back from the back-forward cache: into the group again, with everything this tab holds. */
  private resume(): void {
    if (this.closed || this.inbox) return;
    void this.join();
  }

  /** Relays to `leader` from now on: says hello with every live subscription and unanswered publish. */
  private relayTo(leader: string): void {
    this.leader = leader;
    this.stateSeq = 0;
    this.leaderChannel?.close();
    this.leaderChannel = leader === this.self ? undefined : this.platform.channel(leaderInbox(this.group, leader));
    // The leader that would have answered is gone; the next one never had them. What waited to be posted to the
    // last leader is in the hello (or moot: unsubscribes, a trace flag, a connect or a drop of its socket).
    this.settleUnsubs();
    this.outgoing = [];
    const subs: WireSubscription[] = [];
    for (const [id, sub] of this.subs) subs.push({ id, filter: sub.filter, options: sub.options });
    const pubs: WirePublish[] = [];
    for (const [id, pub] of this.pubs) {
      if (pub.sent && pub.request.qos === 0) {
        // The last leader may have written it: QoS 0 is at most once, so it is not sent again.
        this.pubs.delete(id);
        pub.reject(new WebMqttError(ErrorCode.CONNECTION_LOST, 'The leader tab went away before it confirmed this QoS 0 publish: it may or may not have been sent, and QoS 0 is never sent twice. Use QoS 1 to have it re-sent.'));
        continue;
      }
      pubs.push({ id, ...pub.request });
    }
    this.send({ t: 'hello', from: this.self, subs, pubs, trace: this.trace });
  }

  /**
   * To the leader, if one is known (otherwise the hello to the next one carries it). To another tab, everything said
   * in one turn goes in one post: a follower publishing a burst costs one clone per turn, not one per message.
   */
  private send(message: ToLeader): void {
    if (!this.leader) return;
    if (this.leader === this.self) {
      this.markSent(message);
      this.service?.handle(message);
      return;
    }
    this.outgoing.push(message);
    if (this.outgoing.length === 1) this.deps.soon(() => this.flushOut());
  }

  private flushOut(): void {
    const list = this.outgoing;
    if (list.length === 0) return;
    this.outgoing = [];
    const channel = this.leaderChannel;
    if (!channel) return;
    try {
      channel.postMessage(list.length === 1 ? list[0] : ({ t: 'many', from: this.self, list } satisfies ToLeader));
      for (const message of list) this.markSent(message);
    } catch {
      // Something in it cannot be cloned (a function among a publish's properties): each on its own, to find it.
      for (const message of list) this.postAlone(channel, message);
    }
  }

  private markSent(message: ToLeader): void {
    if (message.t === 'pub') {
      const pub = this.pubs.get(message.id);
      if (pub) pub.sent = true;
    }
  }

  private postAlone(channel: TabChannel, message: ToLeader): void {
    try {
      channel.postMessage(message);
      this.markSent(message);
    } catch (cause) {
      const refused = (id: number): void => {
        const pub = this.pubs.get(id);
        this.pubs.delete(id);
        pub?.reject(new WebMqttError(ErrorCode.INVALID_OPTIONS, 'Publish properties must be plain data (strings, numbers, arrays, objects, bytes) to reach the leader tab; remove functions and class instances.', { field: 'properties', cause, retryable: false }));
      };
      if (message.t === 'pub') refused(message.id);
      else if (message.t === 'hello') {
        // A publish made before this tab knew its leader: the hello goes without it.
        const pubs = message.pubs.filter((pub) => {
          try {
            structuredClone(pub);
            return true;
          } catch {
            refused(pub.id);
            return false;
          }
        });
        channel.postMessage({ ...message, pubs });
      } else throw cause;
    }
  }

  private onGroup(message: ToGroup): void {
    if (this.closed) return;
    switch (message.t) {
      case 'who':
        this.service?.announce();
        return;
      case 'leader':
        if (message.leader !== this.leader && !this.service) this.relayTo(message.leader);
        return;
      default:
        if (message.leader !== this.leader) return;
    }
    switch (message.t) {
      case 'state':
        this.protocolVersion = message.protocolVersion;
        if (message.state.current === 'connected') this.provenVersion = message.protocolVersion;
        this.setState(message.state);
        return;
      case 'connect':
        this.emit('connect', { sessionPresent: message.sessionPresent });
        return;
      case 'error':
        this.emit('error', fromWireError(message.error));
        return;
      case 'queue':
        this.queued = { size: message.change.size, bytes: message.change.bytes };
        this.emit('queue', { ...message.change });
        return;
    }
  }

  private onInbox(message: ToTab): void {
    if (this.closed || message.leader !== this.leader) return;
    switch (message.t) {
      case 'many':
        for (const one of message.list) this.onInbox(one);
        return;
      case 'welcome': {
        this.protocolVersion = message.protocolVersion;
        if (message.state.current === 'connected') this.provenVersion = message.protocolVersion;
        if (message.failure) this.lastFailure = fromWireError(message.failure);
        const was = this.state;
        this.setState(message.state);
        // Joined a leader that is connected already: this tab's client connects now, as it would alone.
        if (was !== 'connected' && this.state === 'connected' && message.sessionPresent !== undefined) this.emit('connect', { sessionPresent: message.sessionPresent });
        return;
      }
      case 'subbed':
        this.subs.get(message.id)?.settle?.(message.error && fromWireError(message.error));
        return;
      case 'unsubbed':
        this.unsubs.get(message.id)?.();
        this.unsubs.delete(message.id);
        return;
      case 'pubbed': {
        const pub = this.pubs.get(message.id);
        if (!pub) return;
        this.pubs.delete(message.id);
        if (message.error) pub.reject(fromWireError(message.error));
        else pub.resolve();
        return;
      }
      case 'msgs':
        for (const { m, subs } of message.list) this.deliver(this.deps.message(m), subs);
        return;
      case 'packet':
        this.emit('packet', { direction: message.direction, packet: message.packet });
        return;
    }
  }

  private deliver(message: Message, subs: number[]): void {
    this.emit('message', message);
    for (const id of subs) {
      const sub = this.subs.get(id);
      if (!sub) continue;
      try {
        sub.handler(message);
      } catch (error) {
        this.emit('error', new WebMqttError(ErrorCode.HANDLER_FAILED, `A message handler for "${message.topic}" threw; the client goes on (see cause).`, { cause: error, retryable: false }));
      }
    }
  }

  /** Mirrors the leader's state (this tab's own `closed` is final). */
  private setState(state: WireState): void {
    // A change this tab has seen already (or a newer one), on the other channel.
    if (state.seq !== 0 && state.seq <= this.stateSeq) return;
    if (state.seq !== 0) this.stateSeq = state.seq;
    const previous = this.state;
    // A leader reports `idle` only before it starts; this tab's own `closed` is final.
    if (previous === state.current || previous === 'closed' || state.current === 'idle') return;
    this.state = state.current;
    const reason = state.reason && fromWireError(state.reason);
    if (state.current === 'failed') this.lastFailure = reason;
    const change: Parameters<LinkEmit>[1] & { previous: ConnectionState } = { previous, current: state.current };
    if (reason) change.reason = reason;
    if (state.attempt !== undefined) change.attempt = state.attempt;
    if (state.retryInMs !== undefined) change.retryInMs = state.retryInMs;
    this.emit('state', change as never);
    if (state.current === 'connected') this.settleWaiters();
    else if (state.current === 'failed') this.settleWaiters(reason ?? new WebMqttError(ErrorCode.CONNECTION_REFUSED, 'The leader tab gave up connecting.'));
  }

  private setRole(role: ClientRole): void {
    if (this.role === role) return;
    this.role = role;
    this.emit('role', { role });
  }

  private settleWaiters(error?: WebMqttError): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) {
      if (error) waiter.reject(error);
      else waiter.resolve();
    }
  }

  private settleUnsubs(): void {
    for (const resolve of this.unsubs.values()) resolve();
    this.unsubs.clear();
  }
}
