import { stripSharePrefix } from './topic-filter';

interface Entry<H> {
  /** Global insertion order, so matches come back in add() order whatever the trie shape. */
  readonly seq: number;
  readonly filter: string;
  readonly handler: H;
}

/**
 * One level of the trie. Wildcards get their own slots rather than `'+'` /
 * `'#'` keys in `literal`, so a (malformed) topic level spelt `+` can never be
 * mistaken for a wildcard subscription.
 */
interface Node<H> {
  readonly parent: Node<H> | undefined;
  /** How the parent reaches this node: a literal level, or a wildcard slot. */
  readonly key: string | typeof PLUS | typeof HASH;
  literal: Map<string, Node<H>> | undefined;
  plus: Node<H> | undefined;
  hash: Node<H> | undefined;
  /** Entries whose filter ends at this node, in add() (seq) order: appended, spliced out on remove. */
  entries: Entry<H>[] | undefined;
}

const PLUS = 1;
const HASH = 2;
/** Topics whose match is remembered; the whole cache goes when it is full or a filter changes. */
const CACHE_LIMIT = 1024;
const NONE: readonly never[] = Object.freeze([]);

function createNode<H>(parent: Node<H> | undefined, key: Node<H>['key']): Node<H> {
  return { parent, key, literal: undefined, plus: undefined, hash: undefined, entries: undefined };
}

/**
 * Dispatches messages to handlers by MQTT topic filter. Filters live in a trie
 * keyed by level, so a match costs time proportional to the topic's depth and
 * the number of matching filters, not to the number of live filters. The
 * handlers of a topic are remembered until a filter is added or removed, so a
 * topic seen again costs one map lookup and allocates nothing.
 *
 * Matching follows {@link matchTopic}: `$share/<group>/` and `$queue/` prefixes
 * are ignored, wildcards do not match `$`-topics at the first level.
 *
 * @example
 * ```ts
 * const router = new Router<(m: Message) => void>();
 * const remove = router.add('sensors/+/temperature', onTemperature);
 * for (const handler of router.match(message.topic)) handler(message);
 * remove();
 * ```
 */
export class Router<H> {
  #root: Node<H> = createNode<H>(undefined, '');
  #size = 0;
  #seq = 0;
  /** Bumped by clear(), so remove functions handed out earlier become no-ops. */
  #generation = 0;
  readonly #cache = new Map<string, readonly H[]>();
  /** Cache hits since the cache was last emptied. */
  #hits = 0;
  /** Matches left to compute without remembering them: topics did not repeat when the cache last filled up. */
  #uncached = 0;
  /** Scratch for #collect: the nodes whose entries match, reused from call to call. */
  readonly #found: Node<H>[] = [];

  /** Number of live (filter, handler) entries. */
  get size(): number {
    return this.#size;
  }

  /**
   * Registers `handler` for `filter`. Adding the same handler twice gives two
   * entries (it runs twice per message); each returned remove function
   * removes exactly its own entry and is safe to call more than once.
   */
  add(filter: string, handler: H): () => void {
    let node = this.#root;
    for (const level of stripSharePrefix(filter).split('/')) node = child(node, level);
    const entry: Entry<H> = { seq: this.#seq++, filter, handler };
    (node.entries ??= []).push(entry);
    this.#size++;
    this.#forget();
    const generation = this.#generation;
    return () => {
      if (generation !== this.#generation || !node.entries) return;
      const at = node.entries.indexOf(entry);
      if (at < 0) return;
      node.entries.splice(at, 1);
      this.#size--;
      this.#forget();
      prune(node);
    };
  }

  /**
   * Every handler whose filter matches `topic`, in the order they were added; each entry once.
   * The array is shared with later calls for the same topic: read it, do not change it.
   */
  match(topic: string): readonly H[] {
    if (this.#size === 0) return NONE;
    if (this.#uncached === 0) {
      const cached = this.#cache.get(topic);
      if (cached !== undefined) {
        this.#hits++;
        return cached;
      }
    }
    const found = this.#walk(topic);
    const handlers = found.length === 0 ? NONE : found.length === 1 ? handlersOf(found[0]!.entries!) : merge(found, (entry) => entry.handler);
    found.length = 0;
    if (this.#uncached > 0) {
      this.#uncached--;
      return handlers;
    }
    if (this.#cache.size >= CACHE_LIMIT) {
      // Remembering only pays when topics repeat. When they hardly did (a stream of distinct topics),
      // stop for a while rather than pay for filling the cache again.
      if (this.#hits < this.#cache.size) this.#uncached = CACHE_LIMIT * 4;
      this.#forget();
      if (this.#uncached > 0) return handlers;
    }
    this.#cache.set(topic, handlers);
    return handlers;
  }

  #forget(): void {
    this.#cache.clear();
    this.#hits = 0;
  }

  /** The distinct filters (as passed to add(), share prefix included) that match `topic`. */
  matchFilters(topic: string): string[] {
    return [...new Set(this.#collect(topic).map((entry) => entry.filter))];
  }

  /**
   * Number of trie nodes below the root: for diagnostics and tests, to see that
   * removed filters leave nothing behind.
   */
  get nodeCount(): number {
    let count = 0;
    const stack: Node<H>[] = [this.#root];
    for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
      if (node.literal) stack.push(...node.literal.values());
      if (node.plus) stack.push(node.plus);
      if (node.hash) stack.push(node.hash);
      count++;
    }
    return count - 1;
  }

  /** Removes every entry. Remove functions handed out before stay harmless. */
  clear(): void {
    this.#root = createNode<H>(undefined, '');
    this.#size = 0;
    this.#generation++;
    this.#forget();
  }

  /** The matching entries in add() order. */
  #collect(topic: string): Entry<H>[] {
    if (this.#size === 0) return [];
    const found = this.#walk(topic);
    const out = merge(found, (entry) => entry);
    found.length = 0;
    return out;
  }

  /** The nodes holding matching entries (scratch array: the caller empties it). */
  #walk(topic: string): Node<H>[] {
    const found = this.#found;
    found.length = 0;
    // Wildcards at the first level must not see $SYS and friends.
    walk(this.#root, topic.split('/'), 0, topic.charCodeAt(0) !== 36 /* $ */, found);
    return found;
  }
}

function handlersOf<H>(entries: readonly Entry<H>[]): H[] {
  const out = new Array<H>(entries.length);
  for (let i = 0; i < entries.length; i++) out[i] = entries[i]!.handler;
  return out;
}

/** The entries of several nodes (each list in seq order) in one list in seq order: a k-way merge, k being small. */
function merge<H, T>(nodes: readonly Node<H>[], pick: (entry: Entry<H>) => T): T[] {
  const out: T[] = [];
  if (nodes.length === 1) {
    for (const entry of nodes[0]!.entries!) out.push(pick(entry));
    return out;
  }
  const heads = new Array<number>(nodes.length).fill(0);
  for (;;) {
    let best = -1;
    let bestSeq = Infinity;
    for (let i = 0; i < nodes.length; i++) {
      const entry = nodes[i]!.entries![heads[i]!];
      if (entry !== undefined && entry.seq < bestSeq) {
        best = i;
        bestSeq = entry.seq;
      }
    }
    if (best < 0) return out;
    out.push(pick(nodes[best]!.entries![heads[best]!++]!));
  }
}

function child<H>(node: Node<H>, level: string): Node<H> {
  if (level === '+') return (node.plus ??= createNode(node, PLUS));
  if (level === '#') return (node.hash ??= createNode(node, HASH));
  const literal = (node.literal ??= new Map());
  let next = literal.get(level);
  if (next === undefined) {
    next = createNode(node, level);
    literal.set(level, next);
  }
  return next;
}

/** Collects the nodes with entries that `levels[index..]` reaches from `node`; each node at most once. */
function walk<H>(node: Node<H>, levels: readonly string[], index: number, wildcards: boolean, found: Node<H>[]): void {
  // '#' below this node matches this level and everything under it, including
  // the parent itself ('a/#' matches 'a').
  if (wildcards && node.hash?.entries) found.push(node.hash);
  if (index === levels.length) {
    if (node.entries) found.push(node);
    return;
  }
  const level = levels[index]!;
  const exact = node.literal?.get(level);
  if (exact) walk(exact, levels, index + 1, true, found);
  if (wildcards && node.plus) walk(node.plus, levels, index + 1, true, found);
}

/** Drops nodes that no longer lead to any entry, so removed filters do not leak memory. */
function prune<H>(node: Node<H>): void {
  let current: Node<H> | undefined = node;
  while (current?.parent !== undefined && isEmpty(current)) {
    const parent: Node<H> = current.parent;
    if (current.key === PLUS) parent.plus = undefined;
    else if (current.key === HASH) parent.hash = undefined;
    else {
      parent.literal?.delete(current.key);
      if (parent.literal?.size === 0) parent.literal = undefined;
    }
    current = parent;
  }
}

function isEmpty<H>(node: Node<H>): boolean {
  if (node.entries?.length === 0) node.entries = undefined;
  return node.entries === undefined && node.literal === undefined && node.plus === undefined && node.hash === undefined;
}
