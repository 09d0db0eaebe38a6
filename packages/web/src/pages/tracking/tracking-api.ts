import type { Experiment, Run } from '@flywheel/contract';
import { api, request } from '../../api/client';

/** A run as the API sends it: a metric value may be "NaN"/"Infinity" (JSON has no such numbers). */
export type WireRun = Omit<Run, 'data'> & { data: Omit<Run['data'], 'metrics'> & { metrics: { key: string; value: number | string; timestamp: number; step: number }[] } };

/** JSON's stand-ins for NaN and ±Infinity read back as numbers. */
export const num = (v: number | string): number => (typeof v === 'number' ? v : Number(v));

/** One row of the run table: what the columns read, flattened once so 10,000 rows sort fast. */
export interface RunRow {
  id: string;
  name: string;
  status: string;
  user: string;
  start: number;
  end: number | null;
  metrics: Record<string, number>;
  /** The step of each metric's latest value: how long its curve is. */
  steps: Record<string, number>;
  params: Record<string, string>;
  tags: Record<string, string>;
}

export function toRow(r: WireRun): RunRow {
  const metrics: Record<string, number> = {};
  const steps: Record<string, number> = {};
  for (const m of r.data.metrics) {
    metrics[m.key] = num(m.value);
    steps[m.key] = m.step;
  }
  const params: Record<string, string> = {};
  for (const p of r.data.params) params[p.key] = p.value;
  const tags: Record<string, string> = {};
  for (const t of r.data.tags) tags[t.key] = t.value;
  return { id: r.info.runId, name: r.info.runName, status: r.info.status, user: r.info.userId, start: r.info.startTime, end: r.info.endTime, metrics, steps, params, tags };
}

export const getExperiment = (id: string, signal?: AbortSignal) => api.get<Experiment>(`/api/v1/experiments/${encodeURIComponent(id)}`, undefined, signal);
export const getRun = (id: string, signal?: AbortSignal) => api.get<WireRun>(`/api/v1/runs/${encodeURIComponent(id)}`, undefined, signal);

/** Runs per page when loading a whole experiment: big enough for few round trips, small enough to show the first rows fast. */
const RUN_PAGE = 5000;
/** Runs loaded at most into the table; the filter narrows a bigger experiment. */
export const MAX_TABLE_RUNS = 50_000;

/**
 * Every run of an experiment matching `filter` (MLflow's syntax, searched by the server), page by
 * page; `onPage` sees the rows so far, so the first thousands show while the rest loads.
 */
export async function searchAllRuns(experimentId: string, filter: string, signal: AbortSignal, onPage: (rows: RunRow[], done: boolean) => void): Promise<RunRow[]> {
  const rows: RunRow[] = [];
  let pageToken: string | undefined;
  do {
    const page = await request<{ runs: WireRun[]; nextPageToken?: string }>('POST', '/api/v1/runs/search', {
      body: { experimentIds: [experimentId], ...(filter.trim() ? { filter: filter.trim() } : {}), maxResults: RUN_PAGE, ...(pageToken ? { pageToken } : {}) },
      signal,
    });
    for (const r of page.runs) rows.push(toRow(r));
    pageToken = page.nextPageToken;
    if (rows.length >= MAX_TABLE_RUNS) pageToken = undefined;
    onPage(rows.slice(), !pageToken);
  } while (pageToken && !signal.aborted);
  return rows;
}

export interface Point {
  step: number;
  value: number;
  timestamp: number;
}

/** A metric's whole history (paged by the server at 25,000 points); the chart downsamples what it draws. */
export async function metricHistory(runId: string, key: string, signal: AbortSignal): Promise<Point[]> {
  const out: Point[] = [];
  let pageToken: string | undefined;
  do {
    const page = await api.get<{ metrics: { value: number | string; step: number; timestamp: number }[]; nextPageToken?: string }>(
      `/api/v1/runs/${encodeURIComponent(runId)}/metrics/${encodeURIComponent(key)}/history`,
      { maxResults: 25000, pageToken },
      signal,
    );
    for (const m of page.metrics) out.push({ step: m.step, value: num(m.value), timestamp: m.timestamp });
    pageToken = page.nextPageToken;
  } while (pageToken && !signal.aborted);
  out.sort((a, b) => a.step - b.step || a.timestamp - b.timestamp);
  return out;
}

/**
 * Several runs' histories of one metric, sampled by the server to at most 2,500 steps per run
 * (MLflow's get-history-bulk-interval): what overlaying many runs needs, at a fixed cost.
 */
export async function bulkHistory(runIds: string[], key: string, signal: AbortSignal): Promise<Map<string, Point[]>> {
  const res = await api.get<{ metrics?: { run_id: string; value: number | string; step: number; timestamp: number }[] }>(
    '/api/2.0/mlflow/metrics/get-history-bulk-interval',
    { run_ids: runIds, metric_key: key, max_results: 2500 },
    signal,
  );
  const by = new Map<string, Point[]>(runIds.map((id) => [id, []]));
  for (const m of res.metrics ?? []) by.get(m.run_id)?.push({ step: m.step, value: num(m.value), timestamp: m.timestamp });
  for (const pts of by.values()) pts.sort((a, b) => a.step - b.step);
  return by;
}

/** Duration between two epoch-ms instants, as people read it. */
export function duration(start: number | null | undefined, end: number | null | undefined): string {
  if (!start || !end || end < start) return '—';
  const s = (end - start) / 1000;
  if (s < 60) return `${s.toFixed(s < 10 ? 1 : 0)} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
  return `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
}

/** A metric value for a table cell: 4 significant digits, NaN and infinities spelled out. */
export function fmt(v: number | undefined): string {
  if (v === undefined) return '';
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '−∞';
  if (Number.isInteger(v) && Math.abs(v) < 1e9) return String(v);
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e6) ? v.toExponential(3) : String(Number(v.toPrecision(4)));
}

export const STATUS_TONE: Record<string, 'good' | 'bad' | 'info' | 'warn' | 'neutral'> = {
  FINISHED: 'good',
  FAILED: 'bad',
  RUNNING: 'info',
  SCHEDULED: 'neutral',
  KILLED: 'warn',
};
