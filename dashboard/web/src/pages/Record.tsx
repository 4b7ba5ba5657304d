// One record as the MLS has it beside what each destination stores: whether each destination
// holds it, and every field that differs. The comparison is `resync record`'s own.
import { useState, type FormEvent } from 'react';
import type { MetaResponse, RecordLookupResponse, RecordState } from '../../../server/api-types';
import { usePoll } from '../api';
import { ErrorBox } from '../components';
import { setQuery, useLocation } from '../router';

const STATE_TEXT: Record<RecordState, string> = {
  identical: 'identical',
  different: 'differs',
  missing: 'missing (no row with this key)',
  stale: 'stale (the MLS no longer has it; a purge removes it)',
  skipped: "not stored (the destination's transform skips it)",
  error: 'cannot compare',
};

export function RecordPage({ meta }: { meta: MetaResponse | undefined }) {
  const { query } = useLocation();
  const source = query.get('source') ?? meta?.sources[0]?.name ?? '';
  const sourceInfo = meta?.sources.find((s) => s.name === source);
  const resource = query.get('resource') ?? sourceInfo?.resources[0] ?? '';
  const key = query.get('key') ?? '';
  const [draft, setDraft] = useState(key);
  const url = key && source && resource ? `/api/record?${new URLSearchParams({ source, resource, key })}` : null;
  const { data, error, loading } = usePoll<RecordLookupResponse>(url, null);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setQuery({ source, resource, key: draft.trim() });
  };
  return (
    <section>
      <h1>Record lookup</h1>
      <form className="lookup" onSubmit={submit} data-testid="lookup-form">
        <label>
          source
          <select value={source} onChange={(e) => setQuery({ source: e.target.value, resource: undefined })} aria-label="source">
            {meta?.sources.map((s) => (
              <option key={s.name}>{s.name}</option>
            ))}
          </select>
        </label>
        <label>
          resource
          <select value={resource} onChange={(e) => setQuery({ resource: e.target.value })} aria-label="resource">
            {sourceInfo?.resources.map((r) => (
              <option key={r}>{r}</option>
            ))}
          </select>
        </label>
        <label>
          key
          <input
            value={draft}
            onChange={(e) => setDraft(e.target.value)}
            placeholder="e.g. a ListingKey"
            aria-label="key"
            data-testid="lookup-key"
          />
        </label>
        <button type="submit" className="primary" data-testid="lookup-submit">
          Look up
        </button>
      </form>
      <ErrorBox error={error} />
      {url && loading && !data && <p className="muted">looking up…</p>}
      {data && <LookupResult data={data} />}
    </section>
  );
}

function LookupResult({ data }: { data: RecordLookupResponse }) {
  const holding = data.destinations.filter((d) => d.state === 'identical' || d.state === 'different');
  return (
    <div data-testid="lookup-result">
      <ul className="presence">
        <li className={data.inMls ? 'good' : 'bad'} data-testid="presence-mls">
          MLS: {data.inMls ? 'has it' : 'no such record'}
        </li>
        {data.destinations.map((d) => (
          <li
            key={d.name}
            className={d.state === 'identical' ? 'good' : d.state === 'skipped' ? 'muted' : 'bad'}
            data-testid={`presence-${d.name}`}
          >
            {d.name}
            {d.table ? ` (table ${d.table})` : ''}: {STATE_TEXT[d.state]}
            {d.state === 'different' && ` — ${d.differences} ${d.differences === 1 ? 'field differs' : 'fields differ'}, ${d.equal} equal`}
            {d.state === 'identical' && ` — ${d.equal} fields`}
            {d.error && ` — ${d.error}`}
          </li>
        ))}
      </ul>
      <p data-testid="diff-summary">
        {data.fields.length === 0
          ? holding.length > 0
            ? 'No differences: every destination that holds the record stores what the MLS has.'
            : 'Nothing to compare field by field.'
          : `${data.fields.length} ${data.fields.length === 1 ? 'field differs' : 'fields differ'}.`}
      </p>
      {data.fields.length > 0 && (
        <table className="diff" data-testid="diff">
          <thead>
            <tr>
              <th>field</th>
              <th>MLS (as it would be stored)</th>
              {holding.map((d) => (
                <th key={d.name}>{d.name}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {data.fields.map((f) => (
              <tr key={f.field} className="differs" data-testid={`diff-${f.field}`}>
                <th>{f.field}</th>
                <td>{show(f.mls)}</td>
                {holding.map((d) => (
                  <td key={d.name} className={f.differs.includes(d.name) ? 'bad-cell' : ''}>
                    {show(f.destinations[d.name] ?? null)}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}

function show(value: string | null) {
  if (value === null) return <span className="muted">null</span>;
  return value.length > 200 ? `${value.slice(0, 200)}…` : value;
}
