type Listener = (...args: any[]) => void;
interface Entry {
  fn: Listener;
  once: boolean;
  /** A once listener that ran (a nested emit may reach it before the outer one does). */
  spent?: boolean;
}

/**
 * Node's `EventEmitter` as MQTT.js and mqtt-packet use it, for the lean browser build (rollup resolves
 * `events` here). Listener lists are created on first use, not in the constructor: MQTT.js copies these
 * methods onto its client's prototype and never calls this constructor. As in Node: listeners run in the
 * order they were added, over a snapshot (one added or removed during an emit takes effect from the next
 * emit), a `once` listener is removed before it runs, and `'error'` with no listener throws.
 */
export class EventEmitter {
  declare private _events?: Map<string | symbol, Entry[]>;

  static defaultMaxListeners = 10;

  // No #private members: MQTT.js copies these methods onto another class's prototype, where a brand check fails.
  private _add(event: string | symbol, fn: Listener, once: boolean, prepend: boolean): this {
    if (typeof fn !== 'function') throw new TypeError(`The "listener" argument must be a function (got ${typeof fn})`);
    const events = (this._events ??= new Map());
    const list = events.get(event) ?? [];
    const entry = { fn, once };
    // A new array on every change, so an emit in progress keeps iterating the list it started with.
    events.set(event, prepend ? [entry, ...list] : [...list, entry]);
    return this;
  }

  private _drop(event: string | symbol, entry: Entry | undefined): this {
    const list = this._events?.get(event);
    if (!list || !entry) return this;
    const rest = list.filter((e) => e !== entry);
    if (rest.length > 0) this._events!.set(event, rest);
    else this._events!.delete(event);
    return this;
  }

  on(event: string | symbol, fn: Listener): this {
    return this._add(event, fn, false, false);
  }

  addListener(event: string | symbol, fn: Listener): this {
    return this._add(event, fn, false, false);
  }

  prependListener(event: string | symbol, fn: Listener): this {
    return this._add(event, fn, false, true);
  }

  once(event: string | symbol, fn: Listener): this {
    return this._add(event, fn, true, false);
  }

  /** Removes the most recently added registration of `fn`, as Node does. */
  removeListener(event: string | symbol, fn: Listener): this {
    const list = this._events?.get(event);
    return this._drop(event, list?.[list.map((entry) => entry.fn).lastIndexOf(fn)]);
  }

  off(event: string | symbol, fn: Listener): this {
    return this.removeListener(event, fn);
  }

  removeAllListeners(event?: string | symbol): this {
    if (event === undefined) this._events?.clear();
    else this._events?.delete(event);
    return this;
  }

  emit(event: string | symbol, ...args: unknown[]): boolean {
    const list = this._events?.get(event);
    if (!list) {
      if (event === 'error') throw args[0] instanceof Error ? args[0] : new Error(`Unhandled error (${String(args[0])})`);
      return false;
    }
    for (const entry of list) {
      if (entry.once) {
        if (entry.spent) continue;
        entry.spent = true;
        this._drop(event, entry);
      }
      entry.fn.apply(this, args);
    }
    return true;
  }

  listeners(event: string | symbol): Listener[] {
    return (this._events?.get(event) ?? []).map((entry) => entry.fn);
  }

  listenerCount(event: string | symbol): number {
    return this._events?.get(event)?.length ?? 0;
  }

  eventNames(): Array<string | symbol> {
    return [...(this._events?.keys() ?? [])];
  }

  /** Node warns past this many listeners; nothing here does, so the number is only kept. */
  setMaxListeners(_n: number): this {
    return this;
  }

  getMaxListeners(): number {
    return EventEmitter.defaultMaxListeners;
  }
}

/** MQTT.js reads the class as the module's default export through TypeScript's `__importDefault`. */
export const __esModule = true;
export default EventEmitter;
