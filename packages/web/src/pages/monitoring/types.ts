// Shapes of the monitoring API as the pages read them (mirroring packages/server/src/domains/monitoring:
// monitors.validation.ts, metric-points.ts, alert-rules.ts, alerts.service.ts, labeling.service.ts).
import { api } from '../../api/client';

export type MonitorReference = { dataset: string; version: number } | { since: number; until: number };

export interface Monitor {
  id: string;
  name: string;
  deployment: string;
  reference: MonitorReference;
  windowMs: number;
  inputs: Record<string, string[]>;
  features?: string[];
  prediction?: { output: string; index?: number };
  score?: { output: string; index?: number };
  positiveLabel: string | number | boolean;
  task?: 'classification' | 'regression';
  sensitive?: string;
  drift: Record<string, { method?: string; threshold?: number; kind?: string }>;
  driftShare?: number;
  createdBy: string | null;
  createdAt: number;
  updatedAt: number;
  revision: number;
}

export interface MetricPoint {
  monitorId: string;
  deployment: string;
  metric: string;
  column: string | null;
  variant: string | null;
  group: string | null;
  windowStart: number;
  windowEnd: number;
  value: number;
  sampleSize: number;
  estimated: boolean;
}

/** Filters of GET /monitors/:id/metrics: omitted = any, null = only points without one. */
export interface PointFilter {
  column?: string | null;
  variant?: string | null;
  group?: string | null;
  since?: number;
  until?: number;
}

const asQuery = (v: string | null | undefined) => (v === null ? 'null' : v);

/** One metric's points of a monitor, oldest window first. */
export async function metricPoints(id: string, metric: string, f: PointFilter, signal?: AbortSignal): Promise<MetricPoint[]> {
  const r = await api.get<{ points: MetricPoint[] }>(
    `/api/v1/monitors/${encodeURIComponent(id)}/metrics`,
    { metric, column: asQuery(f.column), variant: asQuery(f.variant), group: asQuery(f.group), since: f.since, until: f.until },
    signal,
  );
  return r.points;
}

/** The latest point per key (column, group, …) among `points`. */
export function latestBy(points: MetricPoint[], key: (p: MetricPoint) => string): Map<string, MetricPoint> {
  const out = new Map<string, MetricPoint>();
  for (const p of points) {
    const k = key(p);
    const cur = out.get(k);
    if (!cur || p.windowEnd >= cur.windowEnd) out.set(k, p);
  }
  return out;
}

export interface AlertRule {
  id: string;
  name: string;
  deployment?: string;
  monitorId?: string;
  metric: string;
  column?: string | null;
  variant?: string | null;
  group?: string | null;
  condition: { op: string; threshold: number };
  window: { points: number } | { seconds: number };
  aggregation: string;
  severity: string;
  enabled: boolean;
  state: 'ok' | 'firing' | 'resolved' | string;
  lastEvaluatedAt: number | null;
  lastFiredAt: number | null;
  lastValue: number | null;
  lastOutcome: string | null;
}

export interface AlertEvent {
  id: number;
  ruleId: string;
  ts: number;
  type: string;
  value: number | null;
  message: string;
  details: Record<string, unknown> | null;
}

export interface LabelingItem {
  id: number;
  deployment: string;
  inferenceId: string;
  variant: string;
  predictionTs: number;
  priority: number;
  state: 'pending' | 'claimed' | 'labeled' | 'skipped';
  claimedBy: string | null;
  leaseUntil: number | null;
  inputs: Record<string, { type: string; shape: number[]; data: unknown[] }> | null;
  outputs: Record<string, { type: string; shape: number[]; data: unknown[] }> | null;
  label: unknown;
  reviewer: string | null;
  createdAt: number;
  doneAt: number | null;
}

export interface QueueStats {
  deployment: string;
  pending: number;
  claimed: number;
  labeled: number;
  skipped: number;
  variants: { variant: string; pending: number; claimed: number; labeled: number; skipped: number }[];
  reviewers: { reviewer: string; labeled: number }[];
}
