import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { detach, matchingNodes, nodeFor, trieRoot, type TrieNode } from '../src/messaging/topic-trie';

/** Nodes below the root, counted by walking the plain data (what a leak would leave behind). */
function nodesBelow(root: TrieNode<unknown>): number {
  let count = 0;
  const stack: TrieNode<unknown>[] = [root];
  for (let node = stack.pop(); node !== undefined; node = stack.pop()) {
    if (node.literal) stack.push(...node.literal.values());
    if (node.plus) stack.push(node.plus);
    if (node.hash) stack.push(node.hash);
    count++;
  }
  return count - 1;
}

/** Attaches `entry` at `filter`'s node (as the Router does) and returns what detaches it. */
function attach<E>(root: TrieNode<E>, filter: string, entry: E): () => boolean {
  const node = nodeFor(root, filter);
  (node.entries ??= []).push(entry);
  return () => detach(node, entry);
}

function matches(root: TrieNode<string>, topic: string): string[] {
  const found: TrieNode<string>[] = [];
  matchingNodes(root, topic, found);
  return found.flatMap((node) => node.entries ?? []);
}

describe('topic trie', () => {
  it('makes one node per level, wildcards in their own slots, and shares common prefixes', () => {
    const root = trieRoot<string>();
    attach(root, 'a/b/c', 'x');
    attach(root, 'a/+/c', 'y');
    attach(root, 'a/#', 'z');
    // a, a/b, a/b/c, a/+, a/+/c, a/#
    expect(nodesBelow(root)).toBe(6);
    expect(nodeFor(root, 'a/+').key).not.toBe('+');
  });

  it('finds the nodes a topic matches; first-level wildcards skip $-topics', () => {
    const root = trieRoot<string>();
    attach(root, 'a/+', 'plus');
    attach(root, '#', 'all');
    attach(root, '$SYS/#', 'sys');
    expect(matches(root, 'a/b').sort()).toEqual(['all', 'plus']);
    expect(matches(root, '$SYS/x')).toEqual(['sys']);
  });

  it('prunes empty nodes on detach, so the trie returns to its empty shape', () => {
    const root = trieRoot<string>();
    const detaches = ['a/b/c', 'a/+/c', 'a/#', '#', '+', 'x//y', 'q/#'].map((f) => attach(root, f, f));
    // a, a/b, a/b/c, a/+, a/+/c, a/#, #, +, x, x/'', x//y, q, q/#
    expect(nodesBelow(root)).toBe(13);
    detaches[0]!();
    expect(nodesBelow(root)).toBe(11); // a/b/c and the now childless a/b went; a stays
    for (const d of detaches.slice(1)) d();
    expect(nodesBelow(root)).toBe(0);
  });

  it('keeps a node that still holds entries or children when a neighbour goes', () => {
    const root = trieRoot<string>();
    const deep = attach(root, 'a/b/c', 'deep');
    attach(root, 'a/b', 'shallow');
    attach(root, 'a/b/#', 'hash');
    expect(nodesBelow(root)).toBe(4); // a, a/b, a/b/c, a/b/#
    deep();
    expect(nodesBelow(root)).toBe(3);
  });

  it('detaches an entry once: the second time is false and changes nothing', () => {
    const root = trieRoot<string>();
    const first = attach(root, 'a', 'x');
    attach(root, 'a', 'y');
    expect(first()).toBe(true);
    expect(first()).toBe(false);
    expect(matches(root, 'a')).toEqual(['y']);
  });

  it('after any sequence of attach/detach, detaching what is left leaves no node behind', () => {
    const level = fc.constantFrom('a', 'b', '', '+', '#', '$x');
    const filter = fc.array(level, { minLength: 1, maxLength: 4 }).map((levels) => levels.join('/'));
    const op = fc.oneof(filter.map((f) => ({ add: f })), fc.nat(20).map((index) => ({ remove: index })));
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const root = trieRoot<number>();
        const live: Array<() => boolean> = [];
        ops.forEach((step, id) => {
          if ('add' in step) live.push(attach(root, step.add, id));
          else if (live.length > 0) expect(live.splice(step.remove % live.length, 1)[0]!()).toBe(true);
        });
        for (const d of live.splice(0)) d();
        expect(nodesBelow(root)).toBe(0);
      }),
      { numRuns: 500 },
    );
  });
});
