// Every schedule of every source with its next runs, and a timeline of the coming hours that
// draws each run as long as that schedule's runs usually take, so overlaps are plain to see.
import { useState } from 'react';
import type { ScheduleInfo, SchedulesResponse, TimelineBar, TimelineResponse } from '../../../server/api-types';
import { usePoll } from '../api';
import { ErrorBox, TemporalLink } from '../components';
import { Link, sourcePath } from '../router';
import { absolute, duration, Time } from '../time';

const WINDOWS = [6, 24, 72, 168];

export function SchedulesPage() {
  const [hours, setHours] = useState(24);
  const list = usePoll<SchedulesResponse>('/api/schedules', 5000);
  const timeline = usePoll<TimelineResponse>(`/api/schedules/timeline?hours=${hours}`, 30_000);
  const schedules = list.data?.schedules ?? [];
  return (
    <section>
      <h1>Schedules</h1>
      <ErrorBox error={list.error ?? timeline.error} />
      {list.data && schedules.length === 0 && (
        <p className="muted">No schedules: add `schedules` to a source in the config and run `resync schedules apply`.</p>
      )}
      {schedules.length > 0 && (
        <table className="schedules" data-testid="all-schedules">
          <thead>
            <tr>
              <th>source</th>
              <th>process</th>
              <th>cron</th>
              <th>state</th>
              <th>next runs</th>
              <th>typical run</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {schedules.map((s) => (
              <tr key={s.scheduleId} data-testid={`row-${s.scheduleId}`}>
                <td>
                  <Link to={sourcePath(s.source)}>{s.source}</Link>
                </td>
                <td>{s.process}</td>
                <td>
                  {s.cron ? <code>{s.cron}</code> : <span className="muted">made by hand</span>}{' '}
                  <span className="muted">{s.timeZone ?? ''}</span>
                </td>
                <td>
                  {!s.exists ? (
                    <span className="warn">not applied</span>
                  ) : s.paused ? (
                    <span className="warn" title={s.note ?? ''}>
                      paused
                    </span>
                  ) : (
                    'active'
                  )}
                </td>
                <td data-testid="next-runs">
                  {s.paused && <span className="muted">none (paused)</span>}
                  {s.nextRuns.slice(0, 3).map((t, i) => (
                    <span key={t}>
                      {i > 0 && ', '}
                      <Time iso={t} />
                    </span>
                  ))}
                </td>
                <td>{duration(s.typicalDurationMs)}</td>
                <td>{s.exists && <TemporalLink href={s.temporalUrl}>schedule</TemporalLink>}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>
        Timeline
        <select value={hours} onChange={(e) => setHours(Number(e.target.value))} aria-label="timeline window" data-testid="timeline-hours">
          {WINDOWS.map((h) => (
            <option key={h} value={h}>
              next {h < 48 ? `${h} hours` : `${h / 24} days`}
            </option>
          ))}
        </select>
      </h2>
      {timeline.data && schedules.length > 0 && <Timeline data={timeline.data} schedules={schedules} />}
    </section>
  );
}

const W = 1000;
const LABEL_W = 180;
const ROW_H = 24;

function Timeline({ data, schedules }: { data: TimelineResponse; schedules: ScheduleInfo[] }) {
  const from = Date.parse(data.from);
  const to = Date.parse(data.to);
  const rows = schedules.filter((s) => s.exists);
  const height = rows.length * ROW_H + 30;
  const x = (t: number) => LABEL_W + ((t - from) / (to - from)) * (W - LABEL_W - 10);
  const span = to - from;
  const step =
    span <= 6 * 3_600_000 ? 3_600_000 : span <= 24 * 3_600_000 ? 3 * 3_600_000 : span <= 72 * 3_600_000 ? 12 * 3_600_000 : 24 * 3_600_000;
  const ticks: number[] = [];
  for (let t = Math.ceil(from / step) * step; t <= to; t += step) ticks.push(t);
  // The server lists only overlaps that matter (its own next run, or the same source's processes).
  const kind = (bar: TimelineBar) => (bar.overlaps.length === 0 ? '' : ' clash');
  return (
    <>
      <svg className="timeline" viewBox={`0 0 ${W} ${height}`} data-testid="timeline" role="img" aria-label="schedule timeline">
        {ticks.map((t) => (
          <g key={t}>
            <line x1={x(t)} x2={x(t)} y1={0} y2={rows.length * ROW_H} className="grid" />
            <text x={x(t)} y={rows.length * ROW_H + 16} textAnchor="middle" className="axis">
              {span > 48 * 3_600_000 ? absolute(new Date(t).toISOString()).slice(5, 16) : absolute(new Date(t).toISOString()).slice(11, 16)}
            </text>
          </g>
        ))}
        {rows.map((s, i) => (
          <g key={s.scheduleId} data-testid={`timeline-row-${s.scheduleId}`}>
            <text x={4} y={i * ROW_H + 16} className="label">
              {s.source} · {s.process}
              {s.paused ? ' (paused)' : ''}
            </text>
            {data.bars
              .filter((b) => b.scheduleId === s.scheduleId)
              .map((b) => {
                const x0 = x(Math.max(from, Date.parse(b.start)));
                const x1 = x(Math.min(to, Date.parse(b.end)));
                return (
                  <rect
                    key={b.start}
                    x={x0}
                    y={i * ROW_H + 4}
                    width={Math.max(2, x1 - x0)}
                    height={ROW_H - 8}
                    className={`tl-bar${kind(b)}${b.estimated ? ' estimated' : ''}`}
                    data-testid="timeline-bar"
                  >
                    <title>
                      {`${s.source} ${s.process}: ${absolute(b.start)} – ${absolute(b.end)}${b.estimated ? ' (length guessed: no finished run yet)' : ''}${b.overlaps.length ? `\noverlaps ${b.overlaps.join(', ')}` : ''}`}
                    </title>
                  </rect>
                );
              })}
          </g>
        ))}
      </svg>
      <p className="legend">
        <span className="tl-key" /> a run, as long as runs of that schedule usually take <span className="tl-key clash" /> overlaps a run of
        the same source (shared MLS limits) or its own next run (overlap SKIP drops it). Runs of different sources may coincide freely: they
        use different MLSs.
      </p>
      <h3>Overlaps ({data.overlaps.length})</h3>
      {data.overlaps.length === 0 ? (
        <p className="muted" data-testid="no-overlaps">
          No two runs overlap in this window.
        </p>
      ) : (
        <ul className="overlaps" data-testid="overlaps">
          {data.overlaps.slice(0, 50).map((o) => (
            <li key={`${o.a}|${o.b}|${o.start}`} className="bad" title={o.reason}>
              {o.kind === 'own-next-run' ? o.a : `${o.a} and ${o.b}`} · <Time iso={o.start} /> – {absolute(o.end).slice(11, 16)} ·{' '}
              {o.reason}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
