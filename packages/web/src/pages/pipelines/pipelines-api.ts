import { api } from '../../api/client';

/** A step of a definition as registered (see the server's pipelines README). */
export interface StepDef {
  name: string;
  command: string[];
  dependsOn?: string[];
  inputs?: ({ from: string } | { dataset: string; version: number | 'latest' } | { artifact: string })[];
  outputs?: { name: string; kind: string }[];
  params?: Record<string, { type: string; default?: unknown }>;
  retries?: { max: number; backoffMs?: number };
  timeoutSeconds?: number;
}

export interface Pipeline {
  name: string;
  version: number;
  description: string;
  definition: { name: string; description?: string; steps: StepDef[] };
  createdAt: number;
}

export interface StepRun {
  name: string;
  state: string;
  attempt: number;
  maxAttempts: number;
  exitCode: number | null;
  startedAt: number | null;
  finishedAt: number | null;
  computeSeconds: number;
  mlflowRunId: string | null;
  error: string | null;
}

export interface PipelineRun {
  id: string;
  pipeline: string;
  version: number;
  state: string;
  params: Record<string, Record<string, string | number | boolean>>;
  createdAt: number;
  startedAt: number | null;
  finishedAt: number | null;
  error: string | null;
  steps: StepRun[];
}

const p = (name: string) => `/api/v1/pipelines/${encodeURIComponent(name)}`;
export const getPipeline = (name: string, signal?: AbortSignal) => api.get<Pipeline>(p(name), undefined, signal);
export const getPipelineRun = (name: string, id: string, signal?: AbortSignal) => api.get<PipelineRun>(`${p(name)}/runs/${encodeURIComponent(id)}`, undefined, signal);
export const startRun = (name: string) => api.post<PipelineRun>(`${p(name)}/runs`, {});
export const cancelRun = (name: string, id: string) => api.post<PipelineRun>(`${p(name)}/runs/${encodeURIComponent(id)}/cancel`, {});
export const stepLog = (name: string, id: string, step: string, signal?: AbortSignal) =>
  api.get<{ runId: string; step: string; log: string }>(`${p(name)}/runs/${encodeURIComponent(id)}/steps/${encodeURIComponent(step)}/logs`, { format: 'json' }, signal);

export async function listPipelines(signal: AbortSignal): Promise<Pipeline[]> {
  const out: Pipeline[] = [];
  let pageToken: string | undefined;
  do {
    const page = await api.get<{ pipelines: Pipeline[]; nextPageToken?: string }>('/api/v1/pipelines', { maxResults: 1000, pageToken }, signal);
    out.push(...page.pipelines);
    pageToken = page.nextPageToken;
  } while (pageToken && !signal.aborted);
  return out;
}

/** A pipeline's runs, newest first (the first 1,000: older ones are history). */
export async function listRuns(name: string, signal: AbortSignal): Promise<PipelineRun[]> {
  return (await api.get<{ runs: PipelineRun[] }>(`${p(name)}/runs`, { maxResults: 1000 }, signal)).runs;
}

export const STATE_TONE: Record<string, 'good' | 'bad' | 'info' | 'warn' | 'neutral'> = {
  succeeded: 'good',
  failed: 'bad',
  running: 'info',
  queued: 'neutral',
  pending: 'neutral',
  skipped: 'warn',
  cancelled: 'warn',
};
export const isActive = (state: string) => state === 'queued' || state === 'running' || state === 'pending';
