import type { DeploymentSpec, DeploymentView, VariantSpec } from './deploy-config.js';
import { table } from './table.js';

export const when = (ms: number) => new Date(ms).toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z');

const modelOf = (v: VariantSpec) =>
  v.model ? `${v.model.name} v${v.model.version}` : v.endpoint ? `${v.endpoint.protocol ?? 'http'} ${v.endpoint.url}${v.endpoint.model ? ` (${v.endpoint.model})` : ''}` : '';

/** `a=90 b=10 +shadow s` — a deployment's split on one line. */
export function splitSummary(config: DeploymentSpec): string {
  const routed = config.variants.filter((v) => v.role !== 'shadow').map((v) => `${v.name}=${v.weight ?? 0}`);
  const shadows = config.variants.filter((v) => v.role === 'shadow').map((v) => v.name);
  return [...routed, ...(shadows.length ? [`+shadow ${shadows.join(',')}`] : [])].join(' ');
}

export function renderVariants(config: DeploymentSpec): string {
  const rows = config.variants.map((v) => {
    const extra = [
      ...(v.runtime ? [`runtime ${v.runtime}`] : []),
      ...(v.role === 'shadow' && v.sample !== undefined ? [`sample ${v.sample}`] : []),
    ].join(', ');
    return [v.name, v.role ?? 'primary', v.role === 'shadow' ? '-' : `${v.weight ?? 0}%`, modelOf(v), extra];
  });
  return table(['variant', 'role', 'weight', 'model', 'notes'], rows);
}

export function renderDeployment(d: DeploymentView): string {
  const others = Object.entries(d.config).filter(([k]) => k !== 'variants' && k !== 'routingKey');
  return [
    `${d.name}  revision ${d.revision}  (updated ${when(d.updatedAt)}, created ${when(d.createdAt)}${d.createdBy ? ` by ${d.createdBy}` : ''})`,
    `routing key: ${d.config.routingKey?.header ? `header ${d.config.routingKey.header} or x-flywheel-routing-key` : 'x-flywheel-routing-key'} (without one: weighted random)`,
    ...others.map(([k, v]) => `${k}: ${JSON.stringify(v)}`),
    '',
    renderVariants(d.config),
  ].join('\n');
}

export function renderDeployments(list: DeploymentView[]): string {
  if (list.length === 0) return 'No deployments. Create one with: flywheel deploy create <name> --model <model>:<version>';
  return table(
    ['name', 'revision', 'split', 'models', 'updated'],
    list.map((d) => [d.name, String(d.revision), splitSummary(d.config), [...new Set(d.config.variants.map(modelOf))].join(', '), when(d.updatedAt)]),
  );
}

export interface RevisionView {
  revision: number;
  config: DeploymentSpec;
  createdAt: number;
  createdBy: string | null;
}

export function renderRevisions(revisions: RevisionView[], current?: number): string {
  return table(
    ['revision', 'created', 'split', 'models', ''],
    revisions.map((r) => [String(r.revision), when(r.createdAt), splitSummary(r.config), [...new Set(r.config.variants.map(modelOf))].join(', '), r.revision === current ? '← current' : '']),
  );
}

export interface PredictionView {
  inferenceId: string;
  deployment: string;
  variant: string;
  model: { name: string; version: string };
  timestamp: number;
  latencyUs: number;
  status: number;
  outputs: unknown;
  truncated: boolean;
}

/** The first values of each output tensor, short enough for one table cell. */
export function outputSummary(outputs: unknown, max = 48): string {
  if (!outputs || typeof outputs !== 'object') return '';
  const parts = Object.entries(outputs as Record<string, { data?: unknown; shape?: unknown }>).map(([name, t]) => {
    const data = Array.isArray(t?.data) ? t.data : [];
    const shown = data.slice(0, 4).map((x) => (typeof x === 'number' && !Number.isInteger(x) ? x.toPrecision(4) : String(x)));
    return `${name}=[${shown.join(',')}${data.length > 4 ? ',…' : ''}]`;
  });
  const s = parts.join(' ');
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

export function renderPredictions(list: PredictionView[]): string {
  if (list.length === 0) return 'No predictions logged in that window.';
  return table(
    ['time', 'inference id', 'variant', 'model', 'latency', 'status', 'outputs'],
    list.map((p) => [
      new Date(p.timestamp).toISOString(),
      p.inferenceId,
      p.variant,
      `${p.model.name} v${p.model.version}`,
      `${(p.latencyUs / 1000).toFixed(2)} ms`,
      p.status === 0 ? 'ok' : String(p.status),
      p.truncated ? '(truncated)' : outputSummary(p.outputs),
    ]),
  );
}
