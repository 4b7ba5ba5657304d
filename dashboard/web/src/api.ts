// Talking to the dashboard's API: typed GETs, polling that pauses while the tab is hidden, and
// POSTs that carry the bearer token when the server asks for one.
import { useCallback, useEffect, useRef, useState } from 'react';
import type { ErrorResponse } from '../../server/api-types';

export const POLL_MS = 2000;
const TOKEN_KEY = 'resync.dashboardToken';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function readError(res: Response): Promise<ApiError> {
  const body = (await res.json().catch(() => undefined)) as ErrorResponse | undefined;
  return new ApiError(res.status, body?.error ?? `${res.status} ${res.statusText}`);
}

export async function getJson<T>(url: string, signal?: AbortSignal): Promise<T> {
  const res = await fetch(url, { headers: { accept: 'application/json' }, ...(signal ? { signal } : {}) });
  if (!res.ok) throw await readError(res);
  return (await res.json()) as T;
}

/**
 * A mutating call. The token lives in this tab's session storage only: asked for once, when the
 * server answers 401, and forgotten when the tab closes.
 */
export async function postJson<T>(url: string, body: unknown): Promise<T> {
  const send = (token: string | null) =>
    fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify(body ?? {}),
    });
  let res = await send(sessionStorage.getItem(TOKEN_KEY));
  if (res.status === 401) {
    const token = window.prompt('This dashboard needs its token (RESYNC_DASHBOARD_TOKEN) for changes:');
    if (token) {
      sessionStorage.setItem(TOKEN_KEY, token);
      res = await send(token);
    }
  }
  if (!res.ok) throw await readError(res);
  return (await res.json()) as T;
}

export interface Polled<T> {
  data: T | undefined;
  error: string | undefined;
  loading: boolean;
  reload: () => void;
}

/** GETs `url` now and every `intervalMs` (null: once); keeps the last good value through errors. */
export function usePoll<T>(url: string | null, intervalMs: number | null = POLL_MS): Polled<T> {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<string>();
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const current = useRef(url);
  current.current = url;

  useEffect(() => {
    // A new URL (another page of history, another source) must not show the old one's data.
    setData(undefined);
    setError(undefined);
    setLoading(true);
  }, [url]);

  useEffect(() => {
    if (!url) return;
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const load = async () => {
      if (document.hidden && intervalMs !== null) {
        timer = setTimeout(load, intervalMs);
        return;
      }
      try {
        const value = await getJson<T>(url, controller.signal);
        if (current.current !== url) return;
        setData(value);
        setError(undefined);
      } catch (err) {
        if (controller.signal.aborted) return;
        setError((err as Error).message);
      } finally {
        if (!controller.signal.aborted) setLoading(false);
      }
      if (intervalMs !== null && !controller.signal.aborted) timer = setTimeout(load, intervalMs);
    };
    void load();
    return () => {
      controller.abort();
      if (timer) clearTimeout(timer);
    };
  }, [url, intervalMs, tick]);

  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data, error, loading, reload };
}
