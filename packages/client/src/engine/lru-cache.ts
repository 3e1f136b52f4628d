/**
 * The `LRUCache` surface MQTT.js's topic-alias-send uses (`get`, `set`, `size`, `keys`, `clear`), over a Map
 * kept in use order, for the lean browser build (rollup resolves `lru-cache` here). As in lru-cache, `get`
 * counts as a use and `keys()` goes from the most to the least recently used.
 */
export class LRUCache<K, V> {
  readonly max: number;
  #map = new Map<K, V>();

  constructor(options: { max: number }) {
    if (!(options?.max >= 1)) throw new TypeError('LRUCache: max must be a positive integer');
    this.max = options.max;
  }

  get size(): number {
    return this.#map.size;
  }

  get(key: K): V | undefined {
    if (!this.#map.has(key)) return undefined;
    const value = this.#map.get(key) as V;
    this.#map.delete(key);
    this.#map.set(key, value);
    return value;
  }

  set(key: K, value: V): this {
    this.#map.delete(key);
    this.#map.set(key, value);
    if (this.#map.size > this.max) this.#map.delete(this.#map.keys().next().value as K);
    return this;
  }

  has(key: K): boolean {
    return this.#map.has(key);
  }

  delete(key: K): boolean {
    return this.#map.delete(key);
  }

  *keys(): IterableIterator<K> {
    yield* [...this.#map.keys()].reverse();
  }

  clear(): void {
    this.#map.clear();
  }
}
