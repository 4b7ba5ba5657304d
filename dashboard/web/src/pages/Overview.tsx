// A card per source: how each process last went, what runs now, and whether the destinations
// hold what the MLS has.
import type { OverviewCard, OverviewResponse, ProcessStatus } from '../../../server/api-types';
import { usePoll } from '../api';
import { CountsTable, ErrorBox, MatchMark, OutcomeBadge, RunningItem, TemporalLink, TemporalWarning } from '../components';
import { Link, sourcePath } from '../router';
import { Time } from '../time';

export function OverviewPage() {
  const { data, error } = usePoll<OverviewResponse>('/api/overview');
  return (
    <section>
      <h1>Overview</h1>
      <ErrorBox error={error} />
      <TemporalWarning message={data?.temporalError} />
      {!data && !error && <p className="muted">loading…</p>}
      <div className="cards">
        {data?.cards.map((card) => (
          <SourceCard key={card.source} card={card} />
        ))}
      </div>
    </section>
  );
}

function SourceCard({ card }: { card: OverviewCard }) {
  return (
    <article className="card" data-testid={`card-${card.source}`}>
      <header className="card-head">
        <h2>
          <Link to={sourcePath(card.source)}>{card.source}</Link>
        </h2>
        <span className="muted">{card.platform}</span>
        <MatchMark counts={card.counts} />
      </header>
      <table className="processes">
        <tbody>
          {card.processes.map((p) => (
            <ProcessRow key={p.process} p={p} />
          ))}
        </tbody>
      </table>
      {card.running.filter((w) => w.workflowType !== 'runSource').length > 0 && (
        <div className="card-running">
          {card.running
            .filter((w) => w.workflowType !== 'runSource')
            .map((w) => (
              <RunningItem key={w.workflowId} w={w} showSource={false} />
            ))}
        </div>
      )}
      <CountsTable counts={card.counts} compact />
    </article>
  );
}

function ProcessRow({ p }: { p: ProcessStatus }) {
  return (
    <tr data-testid={`process-${p.process}`}>
      <th>{p.process}</th>
      <td>{p.last ? <OutcomeBadge outcome={p.last.outcome} /> : <span className="muted">never run</span>}</td>
      <td>{p.last && <Time iso={p.last.finishedAt ?? p.last.startedAt} />}</td>
      <td className="muted">
        {p.paused ? (
          <span className="warn">paused</span>
        ) : p.nextRun ? (
          <>
            next <Time iso={p.nextRun} />
          </>
        ) : (
          ''
        )}
      </td>
      <td>{p.last && <TemporalLink href={p.last.temporalUrl} />}</td>
    </tr>
  );
}
