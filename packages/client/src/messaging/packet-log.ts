import type { PacketTrace } from '../core/events';

/**
 * The `packet` event's order and honesty: a packet MQTT.js writes while the socket is still opening is reported
 * once the socket has opened (or once something came back on it, where the transport does not say), and never
 * when the socket is gone before that: nothing is reported as sent on a socket that never opened.
 */
export class PacketLog {
  #open = false;
  #held: PacketTrace[] = [];
  readonly #emit: (trace: PacketTrace) => void;

  constructor(emit: (trace: PacketTrace) => void) {
    this.#emit = emit;
  }

  /** A packet MQTT.js sent (`out`) or received (`in`). */
  add(trace: PacketTrace): void {
    if (trace.direction === 'in') this.opened();
    if (this.#open) this.#emit(trace);
    else this.#held.push(trace);
  }

  /** The socket is open: what was held went out on it. */
  opened(): void {
    if (this.#open) return;
    this.#open = true;
    const held = this.#held;
    this.#held = [];
    for (const trace of held) this.#emit(trace);
  }

  /** The socket is gone: what it never sent is dropped; the next socket starts closed. */
  gone(): void {
    this.#open = false;
    this.#held = [];
  }
}
