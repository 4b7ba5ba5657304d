// Hand-made SVG charts: records per run and run duration over time. A chart library would add
// more weight than these two pictures need; the x axis is real time, so gaps between runs show.
import type { ChartPoint } from '../../server/api-types';
import { countTicks, durationTicks, syncRecords, timeScale, type Ticks } from './chart-scale';
import { duration, absolute } from './time';

const W = 640;
const H = 180;
const PAD = { left: 64, right: 12, top: 12, bottom: 28 };

interface SeriesProps {
  points: ChartPoint[];
  value: (p: ChartPoint) => number | null;
  format: (v: number) => string;
  kind: 'bar' | 'line';
  /** Round ticks for the value axis, from the largest value. */
  scale: (max: number) => Ticks;
  title: string;
  testId: string;
  /** Said instead of the chart when no point has a value. */
  empty?: string;
}

export function TimeSeriesChart({ points, value, format, kind, scale, title, testId, empty = 'no runs yet' }: SeriesProps) {
  const usable = points.filter((p) => value(p) !== null);
  if (usable.length === 0) {
    return (
      <figure className="chart" data-testid={testId}>
        <figcaption>{title}</figcaption>
        <p className="muted">{empty}</p>
      </figure>
    );
  }
  const times = usable.map((p) => Date.parse(p.startedAt));
  const t0 = Math.min(...times);
  const t1 = Math.max(...times);
  const { max, ticks } = scale(Math.max(...usable.map((p) => value(p)!)));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const barW = Math.max(2, Math.min(12, (plotW / usable.length) * 0.7));
  // Inset by more than half a bar: the first and last bars stay clear of the axis and the edge.
  const x = timeScale(t0, t1, PAD.left, plotW, barW / 2 + 4);
  const y = (v: number) => PAD.top + plotH - (v / max) * plotH;
  const line = usable.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(Date.parse(p.startedAt)).toFixed(1)},${y(value(p)!).toFixed(1)}`).join(' ');
  return (
    <figure className="chart" data-testid={testId}>
      <figcaption>{title}</figcaption>
      <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={title}>
        {ticks.map((v) => (
          <g key={v}>
            <line x1={PAD.left} x2={W - PAD.right} y1={y(v)} y2={y(v)} className="grid" />
            <text x={PAD.left - 6} y={y(v) + 4} textAnchor="end" className="axis">
              {format(v)}
            </text>
          </g>
        ))}
        <text x={PAD.left} y={H - 8} className="axis">
          {absolute(new Date(t0).toISOString())}
        </text>
        <text x={W - PAD.right} y={H - 8} textAnchor="end" className="axis">
          {absolute(new Date(t1).toISOString())}
        </text>
        {kind === 'line' && <path d={line} className="series-line" />}
        {usable.map((p) => {
          const v = value(p)!;
          const cx = x(Date.parse(p.startedAt));
          const label = `${absolute(p.startedAt)} · ${p.process} ${p.resource} · ${format(v)} · ${p.outcome}`;
          return kind === 'bar' ? (
            <rect
              key={p.runId}
              x={cx - barW / 2}
              y={y(v)}
              width={barW}
              height={Math.max(0.5, PAD.top + plotH - y(v))}
              className={`bar ${p.outcome}`}
            >
              <title>{label}</title>
            </rect>
          ) : (
            <circle key={p.runId} cx={cx} cy={y(v)} r={3} className={`dot ${p.outcome}`}>
              <title>{label}</title>
            </circle>
          );
        })}
      </svg>
    </figure>
  );
}

export function RunCharts({ points }: { points: ChartPoint[] }) {
  // Ticks are round (1, 2 or 5 × 10^n), so one decimal at most, and none when it is 0.
  const short = (v: number) => String(Number(v.toFixed(1)));
  const compact = (v: number) => (v >= 1_000_000 ? `${short(v / 1_000_000)}M` : v >= 1000 ? `${short(v / 1000)}k` : String(Math.round(v)));
  return (
    <div className="charts">
      <TimeSeriesChart
        points={points}
        value={syncRecords}
        format={compact}
        kind="bar"
        scale={countTicks}
        title="Records downloaded per sync"
        testId="chart-records"
        empty="no syncs among these runs (purge and reconcile download keys, not records)"
      />
      <TimeSeriesChart
        points={points}
        value={(p) => p.durationMs}
        format={(v) => duration(Math.round(v))}
        kind="line"
        scale={durationTicks}
        title="Run duration"
        testId="chart-duration"
      />
    </div>
  );
}
