// Hand-made SVG charts: records per run and run duration over time. A chart library would add
// more weight than these two pictures need; the x axis is real time, so gaps between runs show.
import type { ChartPoint } from '../../server/api-types';
import { duration, absolute } from './time';

const W = 640;
const H = 180;
const PAD = { left: 64, right: 12, top: 12, bottom: 28 };

interface SeriesProps {
  points: ChartPoint[];
  value: (p: ChartPoint) => number | null;
  format: (v: number) => string;
  kind: 'bar' | 'line';
  title: string;
  testId: string;
}

function niceMax(max: number): number {
  if (max <= 0) return 1;
  const magnitude = 10 ** Math.floor(Math.log10(max));
  const steps = [1, 2, 2.5, 5, 10];
  return (steps.find((s) => s * magnitude >= max) ?? 10) * magnitude;
}

export function TimeSeriesChart({ points, value, format, kind, title, testId }: SeriesProps) {
  const usable = points.filter((p) => value(p) !== null);
  if (usable.length === 0) {
    return (
      <figure className="chart" data-testid={testId}>
        <figcaption>{title}</figcaption>
        <p className="muted">no runs yet</p>
      </figure>
    );
  }
  const times = usable.map((p) => Date.parse(p.startedAt));
  const t0 = Math.min(...times);
  const t1 = Math.max(...times);
  const span = Math.max(t1 - t0, 60_000);
  const max = niceMax(Math.max(...usable.map((p) => value(p)!)));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const x = (t: number) => PAD.left + ((t - t0) / span) * (usable.length === 1 ? 0 : plotW) + (usable.length === 1 ? plotW / 2 : 0);
  const y = (v: number) => PAD.top + plotH - (v / max) * plotH;
  const barW = Math.max(2, Math.min(12, (plotW / usable.length) * 0.7));
  // Small maxima (a run of 3 records) would repeat rounded labels; keep one tick per label.
  const seen = new Set<string>();
  const ticks = [0, 0.25, 0.5, 0.75, 1]
    .map((f) => f * max)
    .filter((v) => {
      const label = format(v);
      if (seen.has(label)) return false;
      seen.add(label);
      return true;
    });
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
  const compact = (v: number) =>
    v >= 1_000_000 ? `${(v / 1_000_000).toFixed(1)}M` : v >= 1000 ? `${(v / 1000).toFixed(v >= 10_000 ? 0 : 1)}k` : String(Math.round(v));
  return (
    <div className="charts">
      <TimeSeriesChart
        points={points}
        value={(p) => p.downloaded}
        format={compact}
        kind="bar"
        title="Records downloaded per run"
        testId="chart-records"
      />
      <TimeSeriesChart
        points={points}
        value={(p) => p.durationMs}
        format={(v) => duration(Math.round(v))}
        kind="line"
        title="Run duration"
        testId="chart-duration"
      />
    </div>
  );
}
