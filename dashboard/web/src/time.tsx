// Times as "3 min ago" or as a local date and time, switched for the whole app from the header
// and remembered in this browser. The other form is always in the tooltip.
import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';

export type TimeMode = 'relative' | 'absolute';
const KEY = 'resync.timeMode';

interface TimeState {
  mode: TimeMode;
  setMode(mode: TimeMode): void;
  now: number;
}

const TimeContext = createContext<TimeState>({ mode: 'relative', setMode: () => undefined, now: Date.now() });

export function TimeProvider({ children }: { children: ReactNode }) {
  const [mode, setModeState] = useState<TimeMode>(() => (localStorage.getItem(KEY) === 'absolute' ? 'absolute' : 'relative'));
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    // One clock for every relative time on the page, rather than a timer per cell.
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  const setMode = (m: TimeMode) => {
    localStorage.setItem(KEY, m);
    setModeState(m);
  };
  return <TimeContext.Provider value={{ mode, setMode, now }}>{children}</TimeContext.Provider>;
}

export const useTime = () => useContext(TimeContext);

export function absolute(iso: string): string {
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export function relative(iso: string, now: number): string {
  const ms = Date.parse(iso) - now;
  const future = ms > 0;
  const s = Math.abs(ms) / 1000;
  let text: string;
  if (s < 5) return 'just now';
  if (s < 60) text = `${Math.round(s)} s`;
  else if (s < 3600) text = `${Math.round(s / 60)} min`;
  else if (s < 86_400 * 2) text = `${Math.round(s / 360) / 10} h`;
  else text = `${Math.round(s / 86_400)} days`;
  return future ? `in ${text}` : `${text} ago`;
}

export function Time({ iso, testId }: { iso: string | null | undefined; testId?: string }) {
  const { mode, now } = useTime();
  if (!iso) return <span className="muted">—</span>;
  const shown = mode === 'relative' ? relative(iso, now) : absolute(iso);
  const other = mode === 'relative' ? absolute(iso) : relative(iso, now);
  return (
    <time dateTime={iso} title={`${other} (${iso})`} data-testid={testId}>
      {shown}
    </time>
  );
}

export function TimeModeToggle() {
  const { mode, setMode } = useTime();
  return (
    <button type="button" className="toggle" data-testid="time-mode" onClick={() => setMode(mode === 'relative' ? 'absolute' : 'relative')}>
      times: {mode === 'relative' ? 'relative' : 'absolute'}
    </button>
  );
}

export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return '—';
  if (ms < 1000) return `${ms} ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return s % 60 ? `${m} min ${s % 60} s` : `${m} min`;
  return m % 60 ? `${Math.floor(m / 60)} h ${m % 60} min` : `${Math.floor(m / 60)} h`;
}
