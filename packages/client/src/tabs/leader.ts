import type { WebMqttError } from '../core/errors';
import type { ClientEvents } from '../core/events';
import type { Message } from '../messaging/message';
import type { Subscription } from '../messaging/subscriptions';
import type { Link, LinkEmit, PublishRequest } from '../link/link';
import type { TabChannel, TabLocks } from '../platform/tab-platform';
import {
  inboxChannel,
  leaderInbox,
  tabLock,
  toWireError,
  toWireMessage,
  type ToGroup,
  type ToLeader,
  type ToTab,
  type WireMessage,
  type WirePublish,
  type WireState,
  type WireSubscription,
} from './protocol';

/** What the leader service needs of its tab: the group, its channels and locks, and the way to its own tab's client. */
export interface LeaderEnvironment {
  group: string;
  /** This tab's id. */
  self: string;
  channel(name: string): TabChannel;
  locks: TabLocks;
  /** Posts on the group channel (every other tab hears it). */
  broadcast(message: ToGroup): void;
  /** This tab's own client: what the service says to the group or to this tab, without a clone. */
  toSelf: { group(message: ToGroup): void; inbox(message: ToTab): void };
  /** The connection in this tab (a LocalLink), emitting through `emit`. */
  connection(emit: LinkEmit): Link;
  /** Runs `fn` in a later task (a MessageChannel turn in browsers: never throttled as timers of hidden tabs are). */
  later(fn: () => void): void;
}

/** A publish the leader makes for a tab: the local link hands `origin` on to the publisher's item (local-link.ts). */
type RelayedRequest = PublishRequest & { origin: string };

/** A tab the leader serves. */
interface ServedTab {
  /** What the tab is told this turn, in order: handed over together at its end (one post to another tab). */
  queue: ToTab[];
  /** The messages entry at the queue's end, and the message its last item came from (one item per message). */
  lastMsgs: { t: 'msgs'; list: Array<{ m: WireMessage; subs: number[] }> } | undefined;
  lastSource: Message | undefined;
  self: boolean;
  channel: TabChannel | undefined;
  /** The tab's subscriptions by its id: held at the broker, or still being made (`undefined`). */
  subs: Map<number, Subscription | undefined>;
  /** Publishes of the tab under way here, so a hello repeated to this leader sends none twice. */
  pubs: Set<number>;
  trace: boolean;
  /** Stops waiting for the tab's lock (the sign it went away). */
  stopWatching: AbortController;
}

/**
 * The leader tab's service: it holds the group's one connection (a LocalLink) and serves every tab of the
 * group, itself included, by the protocol of protocol.ts. A tab's subscription is one subscription of the local
 * link, so the link's ref counts are the group's: one SUBSCRIBE per filter, UNSUBSCRIBE when no tab needs it.
 */
export class LeaderService {
  readonly link: Link;
  private readonly tabs = new Map<string, ServedTab>();
  private readonly inbox: TabChannel;
  private stopped = false;
  /** Tabs with something queued, handed over at the end of the turn. */
  private readonly due = new Set<ServedTab>();
  private flushing = false;
  private lastState: WireState = { seq: 0, current: 'idle', reason: undefined, attempt: undefined, retryInMs: undefined };
  /** The last CONNACK's, for tabs that join once connected. */
  private sessionPresent: boolean | undefined;

  /**
   * When the turn's queue is handed over: on the next task, not the next microtask. A post to another tab is an IPC
   * that costs the leader far more than the clone; a PUBACK per WebSocket message would otherwise cost one post each
   * (a follower's QoS 1 burst at Mosquitto's window of 20 ran at 0.49x the leader's own, 0.65x with this).
   */
  private readonly later: (fn: () => void) => void;

  constructor(private readonly env: LeaderEnvironment) {
    this.later = env.later;
    this.inbox = env.channel(leaderInbox(env.group, env.self));
    this.inbox.onmessage = (event) => this.handle(event.data as ToLeader);
    const emit: LinkEmit = (event, payload) => this.fanOut(event, payload);
    this.link = env.connection(emit);
  }

  /** Tells the group who leads, and connects. */
  start(): void {
    this.announce();
    this.link.connect().catch(() => {});
  }

  announce(): void {
    if (!this.stopped) this.env.broadcast({ t: 'leader', leader: this.env.self });
  }

  /**
   * Hands the connection over: the tabs hear the connection is moving (`connecting`), then nothing more (they send
   * their open work to the next leader).
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    if (this.lastState.current === 'connected') {
      this.lastState = { seq: this.lastState.seq + 1, current: 'connecting', reason: undefined, attempt: undefined, retryInMs: undefined };
      this.env.broadcast({ t: 'state', leader: this.env.self, state: this.lastState, protocolVersion: this.link.protocolVersion });
    }
    this.flush();
    this.stopped = true;
    this.inbox.onmessage = null;
    this.inbox.close();
    for (const tab of this.tabs.values()) {
      tab.stopWatching.abort();
      tab.channel?.close();
    }
    this.tabs.clear();
    await this.link.close();
  }

  handle(message: ToLeader): void {
    if (this.stopped) return;
    switch (message.t) {
      case 'hello': {
        const tab = this.join(message.from);
        this.send(tab, { t: 'welcome', leader: this.env.self, state: this.lastState, protocolVersion: this.link.protocolVersion, failure: this.link.lastFailure && toWireError(this.link.lastFailure), sessionPresent: this.sessionPresent });
        this.setTrace(tab, message.trace);
        for (const sub of message.subs) this.subscribe(message.from, tab, sub);
        for (const pub of message.pubs) this.publish(message.from, tab, pub);
        return;
      }
      case 'sub':
        this.subscribe(message.from, this.join(message.from), message);
        return;
      case 'unsub':
        this.unsubscribe(this.tabs.get(message.from), message.id);
        return;
      case 'pub':
        this.publish(message.from, this.join(message.from), message);
        return;
      case 'connect':
        this.link.connect().catch(() => {});
        return;
      case 'drop':
        this.link.dropSocket();
        return;
      case 'trace': {
        const tab = this.tabs.get(message.from);
        if (tab) this.setTrace(tab, message.on);
        return;
      }
      case 'bye':
        this.leave(message.from);
        return;
      case 'many':
        for (const one of message.list) this.handle(one);
        return;
    }
  }

  /** The tab's entry, made on first contact; a tab other than this one is watched through its lock. */
  private join(id: string): ServedTab {
    let tab = this.tabs.get(id);
    if (tab) return tab;
    const self = id === this.env.self;
    const channel = self ? undefined : this.env.channel(inboxChannel(this.env.group, id));
    const served: ServedTab = {
      queue: [],
      lastMsgs: undefined,
      lastSource: undefined,
      self,
      channel,
      subs: new Map(),
      pubs: new Set(),
      trace: false,
      stopWatching: new AbortController(),
    };
    tab = served;
    this.tabs.set(id, tab);
    if (!self) {
      // The tab holds its lock while its client is in the group: the lock comes free when it closes, crashes or
      // navigates away, and then its subscriptions go.
      void this.env.locks.acquire(tabLock(this.env.group, id), { signal: served.stopWatching.signal }).then((lock) => {
        lock?.release();
        if (lock && this.tabs.get(id) === served) this.leave(id);
      });
    }
    return tab;
  }

  private leave(id: string): void {
    const tab = this.tabs.get(id);
    if (!tab) return;
    this.tabs.delete(id);
    tab.stopWatching.abort();
    tab.channel?.close();
    this.due.delete(tab);
    for (const [subId, sub] of tab.subs) {
      tab.subs.delete(subId);
      void sub?.unsubscribe();
    }
    this.updateTracing();
  }

  private subscribe(from: string, tab: ServedTab, wire: WireSubscription): void {
    if (tab.subs.has(wire.id)) {
      // Said again (a repeated hello): answered again once it is made.
      if (tab.subs.get(wire.id)) this.send(tab, { t: 'subbed', leader: this.env.self, id: wire.id, error: undefined });
      return;
    }
    tab.subs.set(wire.id, undefined);
    this.link.subscribe(wire.filter, (message) => this.forward(from, wire.id, message), wire.options).then(
      (subscription) => {
        // Unsubscribed, or the tab gone, while the SUBSCRIBE was out: drop it again.
        if (this.stopped || this.tabs.get(from) !== tab || !tab.subs.has(wire.id)) {
          void subscription.unsubscribe();
          return;
        }
        tab.subs.set(wire.id, subscription);
        this.send(tab, { t: 'subbed', leader: this.env.self, id: wire.id, error: undefined });
      },
      (error: WebMqttError) => {
        if (this.stopped || this.tabs.get(from) !== tab) return;
        tab.subs.delete(wire.id);
        this.send(tab, { t: 'subbed', leader: this.env.self, id: wire.id, error: toWireError(error) });
      },
    );
  }

  private unsubscribe(tab: ServedTab | undefined, id: number): void {
    if (!tab) return;
    const sub = tab.subs.get(id);
    tab.subs.delete(id);
    const done = (): void => {
      if (!this.stopped) this.send(tab, { t: 'unsubbed', leader: this.env.self, id });
    };
    if (sub) void sub.unsubscribe().then(done, done);
    else done();
  }

  private publish(from: string, tab: ServedTab, wire: WirePublish): void {
    if (tab.pubs.has(wire.id)) return;
    tab.pubs.add(wire.id);
    const settle = (error: WebMqttError | undefined): void => {
      tab.pubs.delete(wire.id);
      // Stopped: the tab sends it to the next leader. A tab that left hears nothing (the publish still went out).
      if (this.stopped || this.tabs.get(from) !== tab) return;
      this.send(tab, { t: 'pubbed', leader: this.env.self, id: wire.id, error: error && toWireError(error) });
    };
    // `origin` goes into the outbox record (with offlineQueue.persist): a next leader that restores it and hears this
    // tab's hello say the publish again makes one publish of the two (outbox/outbox.ts).
    const request: RelayedRequest = { topic: wire.topic, payload: wire.payload, qos: wire.qos, retain: wire.retain, properties: wire.properties, origin: `${from}:${wire.id}` };
    this.link.publish(request).then(() => settle(undefined), settle);
  }

  /** Queues `message` for `tab`; the turn's queue is handed over at its end. */
  private send(tab: ServedTab, message: ToTab): void {
    tab.queue.push(message);
    tab.lastMsgs = undefined;
    this.due.add(tab);
    if (this.flushing) return;
    this.flushing = true;
    this.later(() => this.flush());
  }

  /**
   * A message for one subscription of one tab. The tab gets each message once, with the ids of every subscription
   * of its it matched, in one post per tab for all it is told this turn: cloned once per tab, not per handler.
   */
  private forward(id: string, sub: number, message: Message): void {
    const tab = this.tabs.get(id);
    if (!tab) return;
    const msgs = tab.lastMsgs;
    if (msgs && tab.lastSource === message) {
      msgs.list[msgs.list.length - 1]!.subs.push(sub);
      return;
    }
    const item = { m: toWireMessage(message), subs: [sub] };
    if (msgs) msgs.list.push(item);
    else {
      const entry = { t: 'msgs' as const, leader: this.env.self, list: [item] };
      this.send(tab, entry);
      tab.lastMsgs = entry;
    }
    tab.lastSource = message;
  }

  private flush(): void {
    this.flushing = false;
    const tabs = [...this.due];
    this.due.clear();
    for (const tab of tabs) {
      const queue = tab.queue;
      tab.queue = [];
      tab.lastMsgs = undefined;
      tab.lastSource = undefined;
      if (this.stopped || queue.length === 0) continue;
      const message: ToTab = queue.length === 1 ? queue[0]! : { t: 'many', leader: this.env.self, list: queue };
      if (tab.self) this.env.toSelf.inbox(message);
      else tab.channel!.postMessage(message);
    }
  }

  private setTrace(tab: ServedTab, on: boolean): void {
    tab.trace = on;
    this.updateTracing();
  }

  private updateTracing(): void {
    let any = false;
    for (const tab of this.tabs.values()) any ||= tab.trace;
    this.link.tracePackets(any);
  }

  /** The local link's events, to every tab: state, connect, errors and the queue to all; packets to those who trace. */
  private fanOut<E extends keyof ClientEvents>(event: E, payload: Parameters<ClientEvents[E]>[0]): void {
    if (this.stopped) return;
    const leader = this.env.self;
    let message: ToGroup | undefined;
    switch (event) {
      case 'state': {
        const change = payload as Parameters<ClientEvents['state']>[0];
        this.lastState = { seq: this.lastState.seq + 1, current: change.current, reason: change.reason && toWireError(change.reason), attempt: change.attempt, retryInMs: change.retryInMs };
        message = { t: 'state', leader, state: this.lastState, protocolVersion: this.link.protocolVersion };
        break;
      }
      case 'connect':
        this.sessionPresent = (payload as { sessionPresent: boolean }).sessionPresent;
        message = { t: 'connect', leader, sessionPresent: this.sessionPresent };
        break;
      case 'error':
        message = { t: 'error', leader, error: toWireError(payload as WebMqttError) };
        break;
      case 'queue':
        message = { t: 'queue', leader, change: payload as Parameters<ClientEvents['queue']>[0] };
        break;
      case 'packet': {
        const trace = payload as Parameters<ClientEvents['packet']>[0];
        for (const tab of this.tabs.values()) if (tab.trace) this.send(tab, { t: 'packet', leader, direction: trace.direction, packet: trace.packet });
        return;
      }
      default:
        // `message`: each tab gets its own through its subscriptions (forward).
        return;
    }
    this.env.broadcast(message);
    this.env.toSelf.group(message);
  }
}
