// Distinct hues, each at least 3:1 against white (WCAG non-text contrast), for swatches and lines.
const COLOURS = ['#2563eb', '#c026d3', '#059669', '#d97706', '#7c3aed', '#0e7490', '#dc2626', '#4d7c0f'];

/** Hands out colours in order, reusing freed ones first. */
export class Palette {
  private readonly inUse = new Set<string>();

  take(): string {
    const free = COLOURS.find((c) => !this.inUse.has(c)) ?? COLOURS[this.inUse.size % COLOURS.length] ?? '#2563eb';
    this.inUse.add(free);
    return free;
  }

  release(colour: string): void {
    this.inUse.delete(colour);
  }
}
