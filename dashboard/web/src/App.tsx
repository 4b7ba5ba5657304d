// The frame: navigation, the time switch, and which page the URL names.
import type { MetaResponse } from '../../server/api-types';
import { usePoll } from './api';
import { OverviewPage } from './pages/Overview';
import { RecordPage } from './pages/Record';
import { RunningPage } from './pages/Running';
import { SchedulesPage } from './pages/Schedules';
import { SourcePage } from './pages/Source';
import { Link, sourcePath, useLocation } from './router';
import { TimeModeToggle, TimeProvider } from './time';

export function App() {
  const { path } = useLocation();
  const meta = usePoll<MetaResponse>('/api/meta', 60_000);
  const sourceMatch = /^\/sources\/([^/]+)\/?$/.exec(path);
  let page;
  if (path === '/') page = <OverviewPage />;
  else if (sourceMatch) page = <SourcePage key={sourceMatch[1]} source={decodeURIComponent(sourceMatch[1]!)} meta={meta.data} />;
  else if (path === '/schedules') page = <SchedulesPage />;
  else if (path === '/running') page = <RunningPage />;
  else if (path === '/record') page = <RecordPage meta={meta.data} />;
  else page = <p>No page at {path}.</p>;
  const nav = (to: string, label: string) => (
    <Link to={to} className={path === to ? 'active' : ''}>
      {label}
    </Link>
  );
  return (
    <TimeProvider>
      <header className="top">
        <span className="brand">resync</span>
        <nav>
          {nav('/', 'Overview')}
          {nav('/schedules', 'Schedules')}
          {nav('/running', 'Running')}
          {nav('/record', 'Record lookup')}
        </nav>
        <nav className="sources" aria-label="sources">
          {meta.data?.sources.map((s) => (
            <Link key={s.name} to={sourcePath(s.name)} className={path === sourcePath(s.name) ? 'active' : ''}>
              {s.name}
            </Link>
          ))}
        </nav>
        <TimeModeToggle />
      </header>
      <main>{page}</main>
      <footer className="muted small">
        resync {meta.data?.version} · Temporal namespace {meta.data?.temporal.namespace}, task queue {meta.data?.temporal.taskQueue}
        {meta.data?.tokenRequired ? ' · changes need the dashboard token' : ''}
      </footer>
    </TimeProvider>
  );
}
