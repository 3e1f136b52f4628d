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
  /** Entries whose filter ends at this node, keyed by seq (Map: O(1) delete, ordered). */
  entries: Map<number, Entry<H>> | undefined;
}

const PLUS = 1;
const HASH = 2;

function createNode<H>(parent: Node<H> | undefined, key: Node<H>['key']): Node<H> {
  return { parent, key, literal: undefined, plus: undefined, hash: undefined, entries: undefined };
}

/**
 * Dispatches messages to handlers by MQTT topic filter. Filters live in a trie
 * keyed by level, so a match costs time proportional to the topic's depth and
 * the number of matching filters, not to the number of live filters.
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
    (node.entries ??= new Map()).set(entry.seq, entry);
    this.#size++;
    const generation = this.#generation;
    return () => {
      if (generation !== this.#generation || !node.entries?.delete(entry.seq)) return;
      this.#size--;
      prune(node);
    };
  }

  /** Every handler whose filter matches `topic`, in the order they were added; each entry once. */
  match(topic: string): H[] {
    return this.#collect(topic).map((entry) => entry.handler);
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
  }

  #collect(topic: string): Entry<H>[] {
    const found: Entry<H>[] = [];
    if (this.#size === 0) return found;
    const levels = topic.split('/');
    // Wildcards at the first level must not see $SYS and friends.
    walk(this.#root, levels, 0, !topic.startsWith('$'), found);
    // Each entry lives at exactly one node and each node is visited at most
    // once, so sorting by seq is all that is needed for add() order.
    if (found.length > 1) found.sort((a, b) => a.seq - b.seq);
    return found;
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

function pushEntries<H>(node: Node<H> | undefined, found: Entry<H>[]): void {
  if (node?.entries) for (const entry of node.entries.values()) found.push(entry);
}

function walk<H>(node: Node<H>, levels: readonly string[], index: number, wildcards: boolean, found: Entry<H>[]): void {
  // '#' below this node matches this level and everything under it, including
  // the parent itself ('a/#' matches 'a').
  if (wildcards) pushEntries(node.hash, found);
  if (index === levels.length) {
    pushEntries(node, found);
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
  if (node.entries?.size === 0) node.entries = undefined;
  return node.entries === undefined && node.literal === undefined && node.plus === undefined && node.hash === undefined;
}
