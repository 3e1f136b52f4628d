/**
 * One level of a topic-filter trie. Wildcards get their own slots rather than `'+'` / `'#'` keys in `literal`, so a
 * (malformed) topic level spelt `+` can never be mistaken for a wildcard subscription. Plain data: the functions
 * below are the trie, the Router keeps its entries in it.
 */
export interface TrieNode<E> {
  readonly parent: TrieNode<E> | undefined;
  /** How the parent reaches this node: a literal level, or a wildcard slot. */
  readonly key: string | typeof PLUS | typeof HASH;
  literal: Map<string, TrieNode<E>> | undefined;
  plus: TrieNode<E> | undefined;
  hash: TrieNode<E> | undefined;
  /** Entries whose filter ends at this node, in the order they were attached. */
  entries: E[] | undefined;
}

const PLUS = 1;
const HASH = 2;

function createNode<E>(parent: TrieNode<E> | undefined, key: TrieNode<E>['key']): TrieNode<E> {
  return { parent, key, literal: undefined, plus: undefined, hash: undefined, entries: undefined };
}

/** An empty trie. */
export function trieRoot<E>(): TrieNode<E> {
  return createNode<E>(undefined, '');
}

/** The node `filter` (no `$share/` prefix) ends at, made on the way where missing. */
export function nodeFor<E>(root: TrieNode<E>, filter: string): TrieNode<E> {
  let node = root;
  for (const level of filter.split('/')) node = child(node, level);
  return node;
}

/**
 * Takes `entry` out of `node` and drops the nodes that no longer lead to any entry, so removed filters do not leak
 * memory. False when `entry` was not there (a second remove).
 */
export function detach<E>(node: TrieNode<E>, entry: E): boolean {
  const at = node.entries ? node.entries.indexOf(entry) : -1;
  if (at < 0) return false;
  node.entries!.splice(at, 1);
  prune(node);
  return true;
}

/**
 * Pushes onto `found` the nodes with entries that `topic` matches, each at most once. Wildcards at the first level
 * do not see `$`-topics ($SYS and friends).
 */
export function matchingNodes<E>(root: TrieNode<E>, topic: string, found: TrieNode<E>[]): void {
  walk(root, topic.split('/'), 0, topic.charCodeAt(0) !== 36 /* $ */, found);
}

function child<E>(node: TrieNode<E>, level: string): TrieNode<E> {
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

function walk<E>(node: TrieNode<E>, levels: readonly string[], index: number, wildcards: boolean, found: TrieNode<E>[]): void {
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

function prune<E>(node: TrieNode<E>): void {
  let current: TrieNode<E> | undefined = node;
  while (current?.parent !== undefined && isEmpty(current)) {
    const parent: TrieNode<E> = current.parent;
    if (current.key === PLUS) parent.plus = undefined;
    else if (current.key === HASH) parent.hash = undefined;
    else {
      parent.literal?.delete(current.key);
      if (parent.literal?.size === 0) parent.literal = undefined;
    }
    current = parent;
  }
}

function isEmpty<E>(node: TrieNode<E>): boolean {
  if (node.entries?.length === 0) node.entries = undefined;
  return node.entries === undefined && node.literal === undefined && node.plus === undefined && node.hash === undefined;
}
