// One source: its schedules (pause, resume, run now), what runs now, how each destination compares
// with the MLS, charts of recent runs, and the paged run history with per-destination detail.
import { Fragment, useState } from 'react';
import type {
  ChartResponse,
  ControlResponse,
  CountsResponse,
  MetaResponse,
  Process,
  RunDetail,
  RunRow,
  RunsPage,
  ScheduleInfo,
  SourceResponse,
} from '../../../server/api-types';
import { getJson, postJson, usePoll } from '../api';
import { RunCharts } from '../charts';
import { CountsTable, ErrorBox, MatchMark, num, OutcomeBadge, Pager, RunningItem, TemporalLink, TemporalWarning } from '../components';
import { setQuery, useLocation } from '../router';
import { duration, Time } from '../time';

const PROCESSES: Process[] = ['sync', 'purge', 'reconcile'];

export function SourcePage({ source, meta }: { source: string; meta: MetaResponse | undefined }) {
  const enc = encodeURIComponent(source);
  const { data, error, reload } = usePoll<SourceResponse>(`/api/sources/${enc}`);
  const temporalList = meta
    ? `${meta.temporal.uiUrl.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(meta.temporal.namespace)}/workflows?query=${encodeURIComponent(`ResyncSource="${source}"`)}`
    : undefined;
  return (
    <section>
      <h1>
        {source} {temporalList && <TemporalLink href={temporalList}>all runs in Temporal</TemporalLink>}
      </h1>
      <ErrorBox error={error} />
      <TemporalWarning message={data?.temporalError} />
      {data && (
        <p className="muted" data-testid="source-summary">
          {data.source.platform}
          {data.source.origin ? ` · ${data.source.origin}` : ''} · resources: {data.source.resources.join(', ')} · destinations:{' '}
          {data.source.destinations.join(', ')}
        </p>
      )}
      {data && <Schedules source={source} data={data} onChange={reload} />}
      {data && data.running.length > 0 && (
        <>
          <h2>Running now</h2>
          <div className="running-list" data-testid="source-running">
            {data.running.map((w) => (
              <RunningItem key={w.workflowId} w={w} showSource={false} />
            ))}
          </div>
        </>
      )}
      <Counts source={source} />
      <Charts source={source} resources={data?.source.resources ?? []} />
      <History source={source} resources={data?.source.resources ?? []} />
    </section>
  );
}

function Schedules({ source, data, onChange }: { source: string; data: SourceResponse; onChange: () => void }) {
  const [busy, setBusy] = useState<string>();
  const [message, setMessage] = useState<{ ok: boolean; skipped?: boolean; text: string; link?: string | undefined }>();
  const act = async (key: string, url: string, body: unknown) => {
    setBusy(key);
    setMessage(undefined);
    try {
      const res = await postJson<ControlResponse>(url, body);
      setMessage({ ok: res.ok, skipped: res.outcome === 'skipped', text: res.message, link: res.temporalUrl });
    } catch (err) {
      setMessage({ ok: false, text: (err as Error).message });
    } finally {
      setBusy(undefined);
      onChange();
    }
  };
  const enc = encodeURIComponent(source);
  const byProcess = new Map(data.schedules.map((s) => [s.process, s]));
  const rows = PROCESSES;
  const runNow = (p: Process) => {
    // Purge deletes rows (within its guards): one click should not be enough.
    if (p === 'purge' && !window.confirm(`Purge ${source} now? Destination rows whose key the MLS no longer has will be deleted.`)) return;
    void act(`run-${p}`, `/api/sources/${enc}/run`, { process: p });
  };
  return (
    <>
      <h2>Schedules</h2>
      <table className="schedules" data-testid="schedules">
        <thead>
          <tr>
            <th>process</th>
            <th>cron</th>
            <th>state</th>
            <th>next runs</th>
            <th>typical run</th>
            <th>last started</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {rows.map((p) => {
            const s: ScheduleInfo | undefined = byProcess.get(p);
            return (
              <tr key={p} data-testid={`schedule-${p}`}>
                <th>{p}</th>
                <td>
                  {s?.cron ? (
                    <code>
                      {s.cron} {s.timeZone && s.timeZone !== 'UTC' ? s.timeZone : 'UTC'}
                    </code>
                  ) : (
                    <span className="muted">not scheduled</span>
                  )}
                </td>
                <td data-testid="schedule-state">
                  {!s ? (
                    ''
                  ) : !s.exists ? (
                    <span className="warn" title="in the config, but `resync schedules apply` has not created it">
                      not applied
                    </span>
                  ) : s.paused ? (
                    <span className="warn" title={s.note ?? ''}>
                      paused
                    </span>
                  ) : (
                    'active'
                  )}
                </td>
                <td data-testid="next-runs">
                  {s?.exists && s.paused && <span className="muted">none (paused)</span>}
                  {s?.nextRuns.slice(0, 3).map((t) => (
                    <div key={t}>
                      <Time iso={t} />
                    </div>
                  ))}
                </td>
                <td>{s ? duration(s.typicalDurationMs) : ''}</td>
                <td>
                  {s?.lastAction ? <TemporalLink href={s.lastAction.temporalUrl}>{<Time iso={s.lastAction.takenAt} />}</TemporalLink> : ''}
                </td>
                <td>
                  <div className="actions">
                    {s?.exists && !s.paused && (
                      <button
                        type="button"
                        disabled={!!busy}
                        onClick={() => void act(`pause-${p}`, `/api/sources/${enc}/schedules/${p}/pause`, {})}
                        data-testid={`pause-${p}`}
                      >
                        Pause
                      </button>
                    )}
                    {s?.exists && s.paused && (
                      <button
                        type="button"
                        disabled={!!busy}
                        onClick={() => void act(`resume-${p}`, `/api/sources/${enc}/schedules/${p}/resume`, {})}
                        data-testid={`resume-${p}`}
                      >
                        Resume
                      </button>
                    )}
                    <button type="button" className="primary" disabled={!!busy} onClick={() => runNow(p)} data-testid={`run-${p}`}>
                      {busy === `run-${p}` ? 'Starting…' : 'Run now'}
                    </button>
                    {s && <TemporalLink href={s.temporalUrl}>schedule</TemporalLink>}
                  </div>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      {message && (
        <p className={message.ok ? 'notice good' : message.skipped ? 'notice warn-box' : 'notice bad'} data-testid="control-message">
          {message.text} {message.link && <TemporalLink href={message.link} />}
        </p>
      )}
    </>
  );
}

function Counts({ source }: { source: string }) {
  const url = `/api/sources/${encodeURIComponent(source)}/counts`;
  const { data, error, reload } = usePoll<CountsResponse>(url, 5000);
  const [counting, setCounting] = useState(false);
  // The server keeps counts for half a minute; "count again" asks for a new count now.
  const recount = async () => {
    setCounting(true);
    try {
      await getJson<CountsResponse>(`${url}?refresh=1`);
    } finally {
      setCounting(false);
      reload();
    }
  };
  return (
    <>
      <h2>
        MLS vs destinations {data && <MatchMark counts={data} />}{' '}
        <button type="button" className="small" disabled={counting} onClick={() => void recount()} data-testid="recount">
          {counting ? 'counting…' : 'count again'}
        </button>
      </h2>
      <ErrorBox error={error} />
      {data && (
        <>
          <CountsTable counts={data} />
          <p className="muted small">
            last check finished <Time iso={data.checkedAt} />; each count shows when it was taken (MLS counts are kept up to 5 minutes, row
            counts 30 seconds, and both are retaken when a run ends)
          </p>
        </>
      )}
    </>
  );
}

function Charts({ source, resources }: { source: string; resources: string[] }) {
  const [process, setProcess] = useState<string>('');
  const [resource, setResource] = useState<string>('');
  const params = new URLSearchParams({ limit: '200', ...(process ? { process } : {}), ...(resource ? { resource } : {}) });
  const { data } = usePoll<ChartResponse>(`/api/sources/${encodeURIComponent(source)}/chart?${params}`, 5000);
  return (
    <>
      <h2>
        Recent runs
        <select value={process} onChange={(e) => setProcess(e.target.value)} aria-label="process">
          <option value="">all processes</option>
          {PROCESSES.map((p) => (
            <option key={p}>{p}</option>
          ))}
        </select>
        <select value={resource} onChange={(e) => setResource(e.target.value)} aria-label="resource">
          <option value="">all resources</option>
          {resources.map((r) => (
            <option key={r}>{r}</option>
          ))}
        </select>
      </h2>
      {data && <RunCharts points={data.points} />}
    </>
  );
}

function History({ source, resources }: { source: string; resources: string[] }) {
  const { query } = useLocation();
  const page = Math.max(1, Number(query.get('page') ?? '1') || 1);
  const process = query.get('process') ?? '';
  const resource = query.get('resource') ?? '';
  const outcome = query.get('outcome') ?? '';
  const params = new URLSearchParams({
    page: String(page),
    pageSize: '25',
    ...(process ? { process } : {}),
    ...(resource ? { resource } : {}),
    ...(outcome ? { outcome } : {}),
  });
  const { data, error } = usePoll<RunsPage>(`/api/sources/${encodeURIComponent(source)}/runs?${params}`);
  const [open, setOpen] = useState<string>();
  return (
    <>
      <h2>
        History
        <select value={process} onChange={(e) => setQuery({ process: e.target.value, page: undefined })} aria-label="history process">
          <option value="">all processes</option>
          {PROCESSES.map((p) => (
            <option key={p}>{p}</option>
          ))}
        </select>
        <select value={resource} onChange={(e) => setQuery({ resource: e.target.value, page: undefined })} aria-label="history resource">
          <option value="">all resources</option>
          {resources.map((r) => (
            <option key={r}>{r}</option>
          ))}
        </select>
        <select value={outcome} onChange={(e) => setQuery({ outcome: e.target.value, page: undefined })} aria-label="history outcome">
          <option value="">all outcomes</option>
          <option>succeeded</option>
          <option>failed</option>
          <option>running</option>
        </select>
      </h2>
      <ErrorBox error={error} />
      {data && (
        <>
          <table className="history" data-testid="history">
            <thead>
              <tr>
                <th>started</th>
                <th>resource</th>
                <th>process</th>
                <th>outcome</th>
                <th className="num">took</th>
                <th className="num">downloaded</th>
                <th className="num">upserted</th>
                <th className="num">deleted</th>
                <th className="num">rejected</th>
                <th>destinations</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {data.runs.map((r) => (
                <Fragment key={r.runId}>
                  <tr
                    className={`run-row ${r.outcome}`}
                    data-testid="run-row"
                    data-run-id={r.runId}
                    onClick={() => setOpen(open === r.runId ? undefined : r.runId)}
                  >
                    <td>
                      <Time iso={r.startedAt} />
                    </td>
                    <td>{r.resource}</td>
                    <td>{r.process}</td>
                    <td>
                      <OutcomeBadge outcome={r.outcome} stale={r.stale} />
                    </td>
                    <td className="num">{duration(r.durationMs)}</td>
                    <td className="num">{num(r.downloaded)}</td>
                    <td className="num">{num(r.upserted)}</td>
                    <td className="num">{num(r.deleted)}</td>
                    <td className="num">{r.rejected ? <span className="warn">{num(r.rejected)}</span> : '0'}</td>
                    <td>
                      {r.destinations.map((d) => (
                        <span key={d.destination} className="dest-chip" title={`rows after the run: ${num(d.rowsAfter)}`}>
                          {d.destination}: {num(d.rowsAfter)}
                        </span>
                      ))}
                    </td>
                    <td onClick={(e) => e.stopPropagation()}>
                      <TemporalLink href={r.temporalUrl} />
                    </td>
                  </tr>
                  {r.error && (
                    <tr className="error-row" onClick={() => setOpen(open === r.runId ? undefined : r.runId)}>
                      <td colSpan={11} className="error-text" data-testid="run-error">
                        {r.error}
                      </td>
                    </tr>
                  )}
                  {open === r.runId && (
                    <tr className="detail-row">
                      <td colSpan={11}>
                        <RunDetailView run={r} />
                      </td>
                    </tr>
                  )}
                </Fragment>
              ))}
            </tbody>
          </table>
          {data.runs.length === 0 && <p className="muted">no runs{process || resource || outcome ? ' match these filters' : ' yet'}</p>}
          <Pager page={data.page} pageSize={data.pageSize} total={data.total} onPage={(p) => setQuery({ page: p === 1 ? undefined : p })} />
        </>
      )}
    </>
  );
}

/** Bytes as MiB with one decimal (media files of a run). */
function mebibytes(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MiB`;
}

function RunDetailView({ run }: { run: RunRow }) {
  const { data, error } = usePoll<RunDetail>(`/api/runs/${encodeURIComponent(run.runId)}`, null);
  return (
    <div className="run-detail" data-testid="run-detail">
      <ErrorBox error={error} />
      <dl>
        <dt>workflow</dt>
        <dd>
          <code>{run.workflowId}</code> <TemporalLink href={run.temporalUrl} />
        </dd>
        <dt>run</dt>
        <dd>
          <code>{run.runId}</code>
          {run.parentRunId ? (
            <>
              {' '}
              (part of source run <code>{run.parentRunId}</code>)
            </>
          ) : (
            ' (started by hand)'
          )}
        </dd>
        <dt>finished</dt>
        <dd>
          <Time iso={run.finishedAt} />
        </dd>
        <dt>expected / pages</dt>
        <dd>
          {num(run.expectedTotal)} records expected · {num(run.pages)} pages
        </dd>
        <dt>high-water mark</dt>
        <dd>{run.highWaterMark ?? '—'}</dd>
        {run.media && (
          <>
            <dt>media files</dt>
            <dd data-testid="run-media">
              {num(run.media.files)} stored · {mebibytes(run.media.bytes)} ·{' '}
              {run.media.failed ? <span className="warn">{num(run.media.failed)} failed</span> : '0 failed'}
            </dd>
          </>
        )}
      </dl>
      <table className="compact">
        <thead>
          <tr>
            <th>destination</th>
            <th className="num">upserted</th>
            <th className="num">deleted</th>
            <th className="num">rejected</th>
            <th className="num">rows after</th>
            <th>high-water mark</th>
          </tr>
        </thead>
        <tbody>
          {run.destinations.map((d) => (
            <tr key={d.destination}>
              <td>{d.destination}</td>
              <td className="num">{num(d.upserted)}</td>
              <td className="num">{num(d.deleted)}</td>
              <td className="num">{num(d.rejected)}</td>
              <td className="num">{num(d.rowsAfter)}</td>
              <td>{d.highWaterMark ?? '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {data && data.rejectsTotal > 0 && (
        <>
          <h3>
            Rejected records ({num(data.rejectsTotal)}
            {data.rejectsTotal > data.rejects.length ? `, first ${data.rejects.length}` : ''})
          </h3>
          <table className="compact">
            <thead>
              <tr>
                <th>destination</th>
                <th>key</th>
                <th>field</th>
                <th>reason</th>
              </tr>
            </thead>
            <tbody>
              {data.rejects.map((r) => (
                <tr key={`${r.destination}/${r.recordKey}`}>
                  <td>{r.destination}</td>
                  <td>
                    <code>{r.recordKey}</code>
                  </td>
                  <td>{r.field ?? '—'}</td>
                  <td>{r.reason}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </>
      )}
    </div>
  );
}
