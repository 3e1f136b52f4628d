import type uPlot from 'uplot';
import { byId, clockTime, frameBatcher, h, plural } from './dom';
import { Palette } from './palette';
import { numericValue } from './payload-format';
import type { UPlotConstructor } from './sdk';
import type { Session } from './session';

/** Points kept per topic. */
export const MAX_POINTS = 120;
/** Topics charted at once; later ones are listed as not charted. */
export const MAX_SERIES = 8;
const HEIGHT = 220;

interface Series {
  topic: string;
  colour: string;
  times: number[];
  values: number[];
  latest: HTMLElement;
}

/**
 * A uPlot line per topic whose payloads are numbers. Data is merged onto one time axis
 * (uPlot wants aligned columns) and redrawn at most once per animation frame.
 */
export function mountChart(UPlot: UPlotConstructor, session: Session): void {
  const container = byId('chart');
  const legend = byId<HTMLUListElement>('chart-legend');
  const empty = byId('chart-empty');
  const palette = new Palette();
  const series = new Map<string, Series>();
  let plot: uPlot | undefined;

  const width = (): number => Math.max(240, container.clientWidth);

  const create = (): uPlot =>
    new UPlot(
      {
        width: width(),
        height: HEIGHT,
        legend: { show: false },
        cursor: { drag: { x: false, y: false } },
        scales: { x: { time: true } },
        series: [{}],
        axes: [
          {
            stroke: '#4b5563',
            grid: { stroke: '#e5e7eb', width: 1 },
            ticks: { stroke: '#d1d5db', width: 1 },
            // Whole seconds at least, labelled as a clock: readings come once a second.
            incrs: [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600],
            space: 70,
            values: (_u, splits) => splits.map((s) => clockTime(s * 1000).slice(0, 8)),
          },
          { stroke: '#4b5563', grid: { stroke: '#e5e7eb', width: 1 }, ticks: { stroke: '#d1d5db', width: 1 }, size: 56 },
        ],
      },
      [[]],
      container,
    );

  const redraw = frameBatcher(() => {
    if (!plot) return;
    const all = [...series.values()];
    const xs = [...new Set(all.flatMap((s) => s.times))].sort((a, b) => a - b);
    const columns = all.map((s) => {
      const byTime = new Map<number, number>();
      s.times.forEach((t, i) => byTime.set(t, s.values[i] as number));
      return xs.map((t) => byTime.get(t) ?? null);
    });
    plot.setData([xs, ...columns]);
  });

  const add = (topic: string): Series | undefined => {
    if (series.size >= MAX_SERIES) return undefined;
    plot ??= create();
    const colour = palette.take();
    const latest = h('span', { className: 'legend-value' }, '');
    legend.append(
      h(
        'li',
        { style: { '--accent': colour } },
        h('span', { className: 'swatch', attrs: { 'aria-hidden': 'true' } }),
        h('code', {}, topic),
        latest,
      ),
    );
    plot.addSeries({ label: topic, stroke: colour, width: 2, spanGaps: true, points: { show: false } }, series.size + 1);
    const entry: Series = { topic, colour, times: [], values: [], latest };
    series.set(topic, entry);
    empty.hidden = true;
    return entry;
  };

  session.onClient((client) =>
    client.on('message', (message) => {
      const value = numericValue(message.payload);
      if (value === undefined) return;
      const entry = series.get(message.topic) ?? add(message.topic);
      if (!entry) return;
      // Two points at the same instant would collapse; a millisecond apart is enough.
      let t = Date.now() / 1000;
      const last = entry.times[entry.times.length - 1];
      if (last !== undefined && t <= last) t = last + 0.001;
      entry.times.push(t);
      entry.values.push(value);
      if (entry.times.length > MAX_POINTS) {
        entry.times.shift();
        entry.values.shift();
      }
      entry.latest.textContent = `${value} · ${plural(entry.times.length, 'point')}`;
      redraw();
    }),
  );

  new ResizeObserver(() => plot?.setSize({ width: width(), height: HEIGHT })).observe(container);
}
