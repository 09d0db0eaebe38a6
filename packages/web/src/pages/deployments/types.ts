// Shapes of the serving API as the pages read them (the contract has no serving schemas yet:
// these mirror packages/server/src/domains/serving/serving.routes.ts and rollout.routes.ts).

export type VariantRole = 'primary' | 'canary' | 'shadow';

export interface VariantConfig {
  name: string;
  runtime?: 'onnx' | 'http';
  model?: { name: string; version: string | number };
  endpoint?: { url: string; protocol: 'oip' | 'mlflow'; model?: string; timeoutMs?: number };
  role: VariantRole;
  weight: number;
  sample?: number;
}

export interface DeploymentConfig {
  variants: VariantConfig[];
  routingKey?: { header?: string };
}

export interface Deployment {
  name: string;
  revision: number;
  config: DeploymentConfig;
  createdAt: number;
  updatedAt: number;
  createdBy: string | null;
}

export interface Revision {
  revision: number;
  config: DeploymentConfig;
  createdAt: number;
  createdBy: string | null;
}

export interface RolloutEvent {
  seq: number;
  at: number;
  type: string;
  actor: string | null;
  step: number | null;
  detail: unknown;
}

export interface Rollout {
  id: string;
  deployment: string;
  canary: string;
  state: string;
  steps: { weight: number; hold: { seconds?: number; requests?: number } }[];
  guardrails: { maxErrorRate?: number; maxP99LatencyMs?: number; minRequests?: number };
  currentStep: number;
  currentWeight: number;
  stepStartedAt: number | null;
  requestsInStep: number;
  baseWeights: Record<string, number>;
  revision: number | null;
  lastEvaluation: unknown;
  reason: string | null;
  createdAt: number;
  updatedAt: number;
  createdBy: string | null;
  events: RolloutEvent[];
}

export interface ShadowReport {
  deployment: string;
  since: number;
  until: number;
  queue: { queued: number; running: number; concurrency: number; maxQueue: number };
  shadows: {
    variant: string;
    configured: boolean;
    loaded: boolean;
    sample: number;
    counts: { mirrored: number; completed: number; failed: number; shed: number };
    agreement?: {
      compared: number;
      agreed: number;
      rate: number | null;
      kind: string | null;
      meanAbsDiff: number | null;
      incomparable: number;
      tolerance: number;
      truncated: boolean;
    };
  }[];
}

export interface LoggedTensor {
  type: string;
  shape: number[];
  data: unknown[];
}

export interface Prediction {
  inferenceId: string;
  deployment: string;
  variant: string;
  model: { name: string; version: string };
  timestamp: number;
  latencyUs: number;
  status: number;
  inputs: Record<string, LoggedTensor> | null;
  outputs: Record<string, LoggedTensor> | null;
  truncated: boolean;
}

/** A variant's model in words: `churn v3`, or the endpoint of an HTTP variant. */
export const modelOf = (v: VariantConfig): string =>
  v.runtime === 'http' ? `${v.endpoint?.url ?? '?'} (${v.endpoint?.protocol ?? '?'})` : v.model ? `${v.model.name} v${v.model.version}` : '—';

/** A short text of a logged tensor map: `p=[0.73]`. */
export function tensorsText(t: Record<string, LoggedTensor> | null | undefined, max = 80): string {
  if (!t) return '—';
  const s = Object.entries(t)
    .map(([k, v]) => {
      const data = Array.isArray(v?.data) ? v.data.flat(3) : [];
      const shown = data.slice(0, 6).map((x) => (typeof x === 'number' ? Number(x.toPrecision(4)) : x));
      return `${k}=[${shown.join(', ')}${data.length > 6 ? ', …' : ''}]`;
    })
    .join(' ');
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}
