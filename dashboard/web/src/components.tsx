// Pieces every page uses: outcome badges, progress bars, the match mark, Temporal links, pagers.
import type { ReactNode } from 'react';
import type { CountsResponse, DestinationCount, Outcome, RunningWorkflow } from '../../server/api-types';
import { Link, sourcePath } from './router';
import { duration, Time } from './time';

export const num = (n: number | null | undefined) => (n === null || n === undefined ? '—' : n.toLocaleString('en-US'));

/** The end of an error ("…failed: ECONNREFUSED"), for a card with little room; the whole text is its tooltip. */
export function shortError(message: string): string {
  const tail = /(?:failed|answered|error):?\s*([^:]+)$/i.exec(message)?.[1]?.trim();
  const text = tail && tail.length < 80 ? tail : message;
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}

export function OutcomeBadge({ outcome, stale }: { outcome: Outcome | 'skipped'; stale?: boolean | undefined }) {
  const label = stale ? 'lost' : outcome;
  const title = stale
    ? 'The history says running, but Temporal has no such open workflow (terminated, or its worker was lost).'
    : undefined;
  return (
    <span className={`badge ${stale ? 'stale' : outcome}`} data-testid="outcome" title={title}>
      {label === 'succeeded' ? '✓ succeeded' : label === 'failed' ? '✗ failed' : label === 'running' ? '● running' : label}
    </span>
  );
}

export function TemporalLink({ href, children = 'Temporal' }: { href: string; children?: ReactNode }) {
  return (
    <a
      className="temporal-link"
      href={href}
      target="_blank"
      rel="noreferrer"
      data-testid="temporal-link"
      title="Open in the Temporal Web UI"
    >
      {children} ↗
    </a>
  );
}

export function ProgressBar({ percent, label }: { percent: number | null; label?: string }) {
  const indeterminate = percent === null;
  return (
    <div
      className={`progress${indeterminate ? ' indeterminate' : ''}`}
      role="progressbar"
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={indeterminate ? undefined : percent}
      aria-label={label}
      data-testid="progress"
    >
      <div className="progress-fill" style={{ width: indeterminate ? '30%' : `${Math.max(0, Math.min(100, percent))}%` }} />
    </div>
  );
}

export function ErrorBox({ error }: { error: string | undefined }) {
  if (!error) return null;
  return (
    <div className="error-box" role="alert">
      {error}
    </div>
  );
}

/** The history still shows when Temporal is away; this says what is missing and why. */
export function TemporalWarning({ message }: { message: string | null | undefined }) {
  if (!message) return null;
  return (
    <div className="notice warn-box" role="status" data-testid="temporal-warning">
      {message}. Running work and schedules are not shown; the run history is.
    </div>
  );
}

export function MatchMark({ counts }: { counts: CountsResponse }) {
  const text = { match: '✓ in step', mismatch: '≠ differs', unknown: '? unknown', checking: '… checking' }[counts.status];
  const title =
    counts.status === 'match'
      ? 'Every destination holds as many rows as the MLS reports'
      : counts.status === 'mismatch'
        ? 'A destination holds more or fewer rows than the MLS reports'
        : counts.status === 'unknown'
          ? 'The MLS or a destination could not be counted'
          : 'Counting the MLS and the destinations (again, when a run has ended since they were counted)';
  return (
    <span className={`match ${counts.status}`} title={title} data-testid="match">
      {text}
    </span>
  );
}

/** The shared verdict (in step, missing N, too many N, recounting) as the page shows it. */
function VerdictText({ d, compact }: { d: DestinationCount; compact: boolean }) {
  if (d.error)
    return (
      <span className="error-text" title={d.error}>
        {compact ? shortError(d.error) : d.error}
      </span>
    );
  const v = d.verdict;
  switch (v.state) {
    case 'in-step':
      return <span className="good">✓ {v.text}</span>;
    case 'missing':
      return <span className="bad">{v.text}</span>;
    case 'too-many':
      return <span className="warn">{v.text}</span>;
    case 'not-comparable':
      return <span className="muted">{v.text}</span>;
    default:
      return null;
  }
}

/** When a count was taken: each side is dated, since the MLS is asked less often than a table. */
function CountedAt({ iso }: { iso: string | null }) {
  return iso ? <Time iso={iso} /> : <span className="muted">—</span>;
}

/**
 * Missing / too many, per resource and destination, each count with its time; under a resource,
 * its child tables (expanded navigations such as Media) with their rows.
 */
export function CountsTable({ counts, compact = false }: { counts: CountsResponse; compact?: boolean }) {
  if (counts.resources.length === 0) return <p className="muted">{counts.status === 'checking' ? 'counting…' : 'no counts'}</p>;
  return (
    <table className={compact ? 'counts compact' : 'counts'} data-testid="counts">
      <thead>
        <tr>
          <th>resource</th>
          <th>where</th>
          <th className="num">records</th>
          {!compact && <th>newest</th>}
          {!compact && <th>counted</th>}
          <th>difference</th>
        </tr>
      </thead>
      <tbody>
        {counts.resources.map((r) => {
          const children = r.children ?? [];
          const rows = 1 + r.destinations.length + children.reduce((n, c) => n + c.destinations.length, 0);
          return [
            <tr key={`${r.resource}-mls`} className="mls-row">
              <td rowSpan={rows}>{r.resource}</td>
              <td>MLS</td>
              <td className="num">
                {r.mls.error ? (
                  <span className="bad" title={r.mls.error}>
                    error
                  </span>
                ) : (
                  num(r.mls.count)
                )}
              </td>
              {!compact && (
                <td>
                  <Time iso={r.mls.newest} />
                </td>
              )}
              {!compact && (
                <td data-testid="counted-mls">
                  <CountedAt iso={r.mls.countedAt} />
                </td>
              )}
              <td className="muted">
                {r.mls.error ? (
                  <span className="error-text" title={r.mls.error}>
                    {compact ? shortError(r.mls.error) : r.mls.error}
                  </span>
                ) : (
                  ''
                )}
              </td>
            </tr>,
            ...r.destinations.map((d) => (
              <tr key={`${r.resource}-${d.name}`} data-testid={`count-${r.resource}-${d.name}`}>
                <td>{d.name}</td>
                <td className="num">
                  {d.error ? (
                    <span className="bad" title={d.error}>
                      error
                    </span>
                  ) : (
                    num(d.count)
                  )}
                </td>
                {!compact && (
                  <td>
                    <Time iso={d.newest} />
                  </td>
                )}
                {!compact && (
                  <td>
                    <CountedAt iso={d.countedAt} />
                  </td>
                )}
                <td>
                  <VerdictText d={d} compact={compact} />
                </td>
              </tr>
            )),
            ...children.flatMap((c) =>
              c.destinations.map((d) => (
                <tr key={`${c.resource}-${d.name}`} className="child-row" data-testid={`count-${c.resource}-${d.name}`}>
                  <td title={`child table of ${r.resource} (expand ${c.navigation})`}>
                    ↳ {c.resource} · {d.name}
                  </td>
                  <td className="num">
                    {d.error ? (
                      <span className="bad" title={d.error}>
                        error
                      </span>
                    ) : (
                      num(d.count)
                    )}
                  </td>
                  {!compact && <td />}
                  {!compact && (
                    <td>
                      <CountedAt iso={d.countedAt} />
                    </td>
                  )}
                  <td className="muted">{d.error ? shortError(d.error) : `rows of ${c.navigation}`}</td>
                </tr>
              )),
            ),
          ];
        })}
      </tbody>
    </table>
  );
}

function eta(seconds: number | null): string {
  return seconds === null ? '' : `ETA ${duration(seconds * 1000)}`;
}

export function RunningItem({ w, showSource = true }: { w: RunningWorkflow; showSource?: boolean }) {
  const title = w.resource
    ? `${w.process ?? w.workflowType} ${showSource ? `${w.source}/` : ''}${w.resource}`
    : `${w.process ?? w.workflowType} of ${w.source ?? '?'}`;
  return (
    <div className="running-item" data-testid="running-item" data-workflow-id={w.workflowId}>
      <div className="running-head">
        <span className="running-title">{showSource && w.source ? <Link to={sourcePath(w.source)}>{title}</Link> : title}</span>
        <span className="muted">
          started <Time iso={w.startedAt} />
        </span>
        <TemporalLink href={w.temporalUrl} />
      </div>
      {w.progress && (
        <>
          <ProgressBar percent={w.progress.percent} label={`${title} progress`} />
          <div className="running-stats" data-testid="running-stats">
            <span data-testid="records">
              {num(w.progress.records)}
              {w.progress.expectedTotal !== null ? ` / ${num(w.progress.expectedTotal)}` : ''} {w.progress.unit}
            </span>
            <span>{w.progress.percent !== null ? `${w.progress.percent}%` : w.progress.phase}</span>
            {w.progress.unit === 'records' && <span>{num(w.progress.pages)} pages</span>}
            {w.progress.detail && <span>{w.progress.detail}</span>}
            {w.progress.recordsPerSecond !== null && <span>{num(w.progress.recordsPerSecond)}/s</span>}
            <span>{eta(w.progress.etaSeconds)}</span>
          </div>
        </>
      )}
      {w.current && (
        <div className="running-stats">
          <span>
            {w.current.done}
            {w.current.total !== null ? ` of ${w.current.total}` : ''} resources done
          </span>
          {w.current.resource && <span>now: {w.current.resource}</span>}
        </div>
      )}
      {w.unanswered && (
        <div className="retry" data-testid="unanswered">
          No worker answered this run&apos;s progress query: is a worker running on the task queue?
        </div>
      )}
      {w.retry && (
        <div className="retry" data-testid="retry">
          <strong>
            {w.retry.activity} attempt {w.retry.attempt}
          </strong>
          {w.retry.lastFailure && <> — last error: {w.retry.lastFailure}</>}
          {w.retry.lastFailureAt && (
            <span className="muted">
              {' '}
              (<Time iso={w.retry.lastFailureAt} />)
            </span>
          )}
        </div>
      )}
    </div>
  );
}

export function Pager({ page, pageSize, total, onPage }: { page: number; pageSize: number; total: number; onPage: (p: number) => void }) {
  const pages = Math.max(1, Math.ceil(total / pageSize));
  return (
    <div className="pager" data-testid="pager">
      <button type="button" disabled={page <= 1} onClick={() => onPage(1)}>
        « first
      </button>
      <button type="button" disabled={page <= 1} onClick={() => onPage(page - 1)}>
        ‹ newer
      </button>
      <span>
        page {page} of {pages} ({num(total)} runs)
      </span>
      <button type="button" disabled={page >= pages} onClick={() => onPage(page + 1)} data-testid="pager-next">
        older ›
      </button>
      <button type="button" disabled={page >= pages} onClick={() => onPage(pages)}>
        last »
      </button>
    </div>
  );
}
