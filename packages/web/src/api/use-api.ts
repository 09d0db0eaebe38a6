import { useCallback, useEffect, useRef, useState } from 'react';

export interface ApiState<T> {
  data: T | undefined;
  error: Error | null;
  loading: boolean;
  /** Fetches again (after a change), keeping the current data on screen meanwhile. */
  reload(): void;
}

/**
 * Loads data for a page: `useApi((signal) => api.get('/api/v1/x', {}, signal), [deps])`. A change of
 * deps cancels the call in flight, so a fast typist never sees an older answer overwrite a newer one.
 * `null` as the loader means "nothing to load yet".
 */
export function useApi<T>(loader: ((signal: AbortSignal) => Promise<T>) | null, deps: unknown[]): ApiState<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<Error | null>(null);
  const [loading, setLoading] = useState(loader !== null);
  const [tick, setTick] = useState(0);
  const loaderRef = useRef(loader);
  loaderRef.current = loader;
  useEffect(() => {
    const load = loaderRef.current;
    if (!load) {
      setLoading(false);
      return;
    }
    const ctl = new AbortController();
    setLoading(true);
    load(ctl.signal).then(
      (d) => {
        if (ctl.signal.aborted) return;
        setData(d);
        setError(null);
        setLoading(false);
      },
      (e: unknown) => {
        if (ctl.signal.aborted) return;
        setError(e instanceof Error ? e : new Error(String(e)));
        setLoading(false);
      },
    );
    return () => ctl.abort();
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data, error, loading, reload };
}
