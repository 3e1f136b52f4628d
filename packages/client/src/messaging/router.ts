import { stripSharePrefix } from './topic-filter';
import { detach, matchingNodes, nodeFor, trieRoot, type TrieNode } from './topic-trie';

interface Entry<H> {
  /** Global insertion order, so matches come back in add() order whatever the trie shape. */
  readonly seq: number;
  readonly handler: H;
}

type Node<H> = TrieNode<Entry<H>>;

/** Topics whose match is remembered; the whole cache goes when it is full or a filter changes. */
const CACHE_LIMIT = 1024;
const NONE: readonly never[] = Object.freeze([]);

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
  readonly #root: Node<H> = trieRoot();
  /** Live (filter, handler) entries: none, and match() has nothing to look for. */
  #size = 0;
  #seq = 0;
  readonly #cache = new Map<string, readonly H[]>();
  /** Cache hits since the cache was last emptied. */
  #hits = 0;
  /** Matches left to compute without remembering them: topics did not repeat when the cache last filled up. */
  #uncached = 0;
  /** Scratch for match(): the nodes whose entries match, reused from call to call. */
  readonly #found: Node<H>[] = [];

  /**
   * Registers `handler` for `filter`. Adding the same handler twice gives two
   * entries (it runs twice per message); each returned remove function
   * removes exactly its own entry and is safe to call more than once.
   */
  add(filter: string, handler: H): () => void {
    const node = nodeFor(this.#root, stripSharePrefix(filter));
    const entry: Entry<H> = { seq: this.#seq++, handler };
    (node.entries ??= []).push(entry);
    this.#size++;
    this.#forget();
    return () => {
      if (!detach(node, entry)) return;
      this.#size--;
      this.#forget();
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
    const found = this.#found;
    found.length = 0;
    matchingNodes(this.#root, topic, found);
    const handlers = found.length === 0 ? NONE : found.length === 1 ? handlersOf(found[0]!.entries!) : merge(found);
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
}

function handlersOf<H>(entries: readonly Entry<H>[]): H[] {
  const out = new Array<H>(entries.length);
  for (let i = 0; i < entries.length; i++) out[i] = entries[i]!.handler;
  return out;
}

/** The handlers of several nodes (each list in seq order) in one list in seq order: a k-way merge, k being small. */
function merge<H>(nodes: readonly Node<H>[]): H[] {
  const out: H[] = [];
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
    out.push(nodes[best]!.entries![heads[best]!++]!.handler);
  }
}
