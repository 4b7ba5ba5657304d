// One record as the MLS has it beside what each destination stores, field by field.
import { useState, type FormEvent } from 'react';
import type { MetaResponse, RecordLookupResponse } from '../../../server/api-types';
import { usePoll } from '../api';
import { ErrorBox } from '../components';
import { setQuery, useLocation } from '../router';

export function RecordPage({ meta }: { meta: MetaResponse | undefined }) {
  const { query } = useLocation();
  const source = query.get('source') ?? meta?.sources[0]?.name ?? '';
  const sourceInfo = meta?.sources.find((s) => s.name === source);
  const resource = query.get('resource') ?? sourceInfo?.resources[0] ?? '';
  const key = query.get('key') ?? '';
  const all = query.get('all') === '1';
  const [draft, setDraft] = useState(key);
  const url =
    key && source && resource ? `/api/record?${new URLSearchParams({ source, resource, key, ...(all ? { all: '1' } : {}) })}` : null;
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
        <label className="check">
          <input type="checkbox" checked={all} onChange={(e) => setQuery({ all: e.target.checked ? '1' : undefined })} /> every field
        </label>
        <button type="submit" className="primary" data-testid="lookup-submit">
          Look up
        </button>
      </form>
      <ErrorBox error={error} />
      {url && loading && !data && <p className="muted">looking up…</p>}
      {data && <LookupResult data={data} all={all} />}
    </section>
  );
}

function LookupResult({ data, all }: { data: RecordLookupResponse; all: boolean }) {
  const differing = data.fields.filter((f) => f.differs.length > 0).length;
  return (
    <div data-testid="lookup-result">
      <ul className="presence">
        <li className={data.mls.found ? 'good' : 'bad'} data-testid="presence-mls">
          MLS: {data.mls.error ? `error — ${data.mls.error}` : data.mls.found ? 'found' : 'no such record'}
        </li>
        {data.destinations.map((d) => (
          <li key={d.name} className={d.error ? 'bad' : d.found ? 'good' : 'bad'} data-testid={`presence-${d.name}`}>
            {d.name}
            {d.table ? ` (table ${d.table})` : ''}: {d.error ? `error — ${d.error}` : d.found ? 'found' : 'missing'}
          </li>
        ))}
      </ul>
      <p data-testid="diff-summary">
        {data.compared} fields compared by {data.keyField}; {differing === 0 ? 'no differences.' : `${differing} differ.`}
      </p>
      {data.fields.length > 0 && (
        <table className="diff" data-testid="diff">
          <thead>
            <tr>
              <th>field</th>
              <th>MLS (as it would be stored)</th>
              {data.destinations.map((d) => (
                <th key={d.name}>{d.name}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {data.fields.map((f) => (
              <tr key={f.field} className={f.differs.length ? 'differs' : ''} data-testid={`diff-${f.field}`}>
                <th>{f.field}</th>
                <td>{show(f.mls)}</td>
                {data.destinations.map((d) => (
                  <td key={d.name} className={f.differs.includes(d.name) ? 'bad-cell' : ''}>
                    {d.found ? show(f.destinations[d.name] ?? null) : <span className="muted">—</span>}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {!all && differing === 0 && <p className="muted">Tick “every field” to see them all.</p>}
    </div>
  );
}

function show(value: string | null) {
  if (value === null) return <span className="muted">null</span>;
  return value.length > 200 ? `${value.slice(0, 200)}…` : value;
}
