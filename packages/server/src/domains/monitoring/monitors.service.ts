import { randomUUID } from 'node:crypto';
import { DomainError } from '@flywheel/contract';
import type { Clock } from '../../lib/clock.js';
import type { ActualsService } from './actuals.service.js';
import type { MetricPoint, MetricQuery } from './metric-points.js';
import { ColumnBuilder, ROLE_COLUMNS } from './monitor-columns.js';
import type { MonitorsRepository } from './monitors.repository.js';
import type { MonitorRow } from './monitors.tables.js';
import { parseRange, validateMonitorConfig, type MonitorConfig } from './monitors.validation.js';
import { countCategories, sortedSample, type Category, type ColumnValues } from './stats/index.js';
import { numericView } from './report/table.js';
import { buildReport, buildReportParallel, type DriftPool, tableFromCsv, tableFromObjects, type MonitorReport, type ReportOptions, type ReportTable } from './report/index.js';

/** The datasets domain, as far as monitors need it: a version's stored file. */
export interface DatasetFiles {
  openVersionFile(name: string, version: number | string): Promise<{ stream: NodeJS.ReadableStream; format: string }>;
}

/** The deployments domain, as far as monitors need it: does it exist. */
export interface DeploymentLookup {
  get(name: string): Promise<unknown>;
}

export interface MonitorsDeps {
  repo: MonitorsRepository;
  actuals: ActualsService;
  datasets?: DatasetFiles | undefined;
  deployments?: DeploymentLookup | undefined;
  clock: Clock;
  /** Worker threads for the numerical columns' drift; without it reports are built on the calling thread. */
  driftPool?: DriftPool | undefined;
}

export interface Monitor extends MonitorConfig {
  id: string;
  createdBy: string | null;
  createdAt: number;
  updatedAt: number;
  revision: number;
}

/** A window's evaluation: the report over all traffic and per variant. */
export interface MonitorEvaluation {
  monitorId: string;
  deployment: string;
  since: number;
  until: number;
  /** null when the window had no logged rows. */
  overall: MonitorReport | null;
  variants: Record<string, MonitorReport>;
  points: number;
}

/** Reference tables kept in memory per monitor revision (a dataset is read once, not per window). */
const REFERENCE_CACHE_MAX = 32;

const toMonitor = (r: MonitorRow): Monitor => ({ ...(JSON.parse(r.config) as MonitorConfig), id: r.id, createdBy: r.created_by, createdAt: r.created_at, updatedAt: r.updated_at, revision: r.revision });

/** Monitor definitions, their evaluation into reports and metric points. */
export class MonitorsService {
  private readonly references = new Map<string, Promise<{ table: ReportTable; prepared: Record<string, ColumnValues> }>>();

  constructor(private readonly deps: MonitorsDeps) {}

  async create(body: unknown, actor?: string): Promise<Monitor> {
    const config = validateMonitorConfig(body);
    await this.checkDeployment(config.deployment);
    const now = this.deps.clock.now();
    const row: MonitorRow = { id: randomUUID(), deployment: config.deployment, name: config.name, config: JSON.stringify(config), window_ms: config.windowMs, created_by: actor ?? null, created_at: now, updated_at: now, revision: 1 };
    await this.deps.repo.insert(row);
    return toMonitor(row);
  }

  async get(id: string): Promise<Monitor> {
    const r = await this.deps.repo.get(id);
    if (!r) throw new DomainError('NOT_FOUND', `Monitor '${id}' not found.`);
    return toMonitor(r);
  }

  async list(deployment?: string): Promise<Monitor[]> {
    return (await this.deps.repo.list(deployment)).map(toMonitor);
  }

  /** Replaces the definition (the whole document, as on create). Points already written stay. */
  async update(id: string, body: unknown): Promise<Monitor> {
    const current = await this.deps.repo.get(id);
    if (!current) throw new DomainError('NOT_FOUND', `Monitor '${id}' not found.`);
    const config = validateMonitorConfig(body);
    if (config.deployment !== current.deployment) throw new DomainError('INVALID_INPUT', `deployment cannot change (monitor '${id}' watches '${current.deployment}'); create another monitor.`, { field: 'deployment' });
    const row: MonitorRow = { ...current, name: config.name, config: JSON.stringify(config), window_ms: config.windowMs, updated_at: this.deps.clock.now(), revision: current.revision + 1 };
    if (!(await this.deps.repo.update(row, current.revision))) throw new DomainError('INVALID_STATE', `Monitor '${id}' changed meanwhile; read it again and retry.`);
    return toMonitor(row);
  }

  async delete(id: string): Promise<void> {
    if (!(await this.deps.repo.delete(id))) throw new DomainError('NOT_FOUND', `Monitor '${id}' not found.`);
  }

  async metrics(id: string, q: Omit<MetricQuery, 'monitorId'>): Promise<MetricPoint[]> {
    await this.get(id);
    return this.deps.repo.points({ ...q, monitorId: id });
  }

  /**
   * Evaluates [since, until): reads the window's predictions with their actuals, builds the report
   * over all traffic and per variant, and writes the points — replacing those of an earlier
   * evaluation of the same window, so re-running after late actuals is safe.
   */
  async evaluate(id: string, window: unknown): Promise<MonitorEvaluation> {
    const m = await this.get(id);
    const { since, until } = parseRange(window, 'window');
    const all = new ColumnBuilder(m);
    const byVariant = new Map<string, ColumnBuilder>();
    for await (const page of this.deps.actuals.joined(m.deployment, { since, until, includeUnlabeled: true, inputs: true })) {
      for (const row of page) {
        all.add(row);
        let b = byVariant.get(row.variant);
        if (!b) byVariant.set(row.variant, (b = new ColumnBuilder(m)));
        b.add(row);
      }
    }
    const base = { monitorId: m.id, deployment: m.deployment, windowStart: since, windowEnd: until };
    const points: MetricPoint[] = [{ ...base, metric: 'row_count', column: null, variant: null, group: null, value: all.rowCount, sampleSize: all.rowCount, estimated: false }];
    let overall: MonitorReport | null = null;
    const variants: Record<string, MonitorReport> = {};
    if (all.rowCount > 0) {
      // Only now: an empty window needs no reference (and a missing one is no reason to fail it).
      const reference = await this.reference(m);
      overall = await this.build(reference, all.table(), this.options(m, reference.table, all.table()));
      points.push(...reportPoints(overall, { ...base, variant: null }));
      for (const [variant, b] of [...byVariant].sort(([a], [c]) => (a < c ? -1 : 1))) {
        const t = b.table();
        points.push({ ...base, metric: 'row_count', column: null, variant, group: null, value: t.rowCount, sampleSize: t.rowCount, estimated: false });
        if (t.rowCount === 0) continue;
        variants[variant] = await this.build(reference, t, this.options(m, reference.table, t));
        points.push(...reportPoints(variants[variant], { ...base, variant }));
      }
    }
    await this.deps.repo.replacePoints(m.id, since, until, points);
    return { monitorId: m.id, deployment: m.deployment, since, until, overall, variants, points: points.length };
  }

  private build(reference: { table: ReportTable; prepared: Record<string, ColumnValues> }, current: ReportTable, options: ReportOptions): Promise<MonitorReport> | MonitorReport {
    const { table, prepared } = reference;
    return this.deps.driftPool ? buildReportParallel(this.deps.driftPool, table, current, options, prepared) : buildReport(table, current, options, prepared);
  }

  private options(m: Monitor, reference: ReportTable, current: ReportTable): ReportOptions {
    const roles = new Set<string>(Object.values(ROLE_COLUMNS));
    const features = m.features ?? Object.keys(current.columns).filter((c) => !roles.has(c) && c in reference.columns);
    const hasActual = ROLE_COLUMNS.actual in current.columns;
    if (m.sensitive && !(m.sensitive in current.columns)) throw new DomainError('INVALID_INPUT', `The sensitive column '${m.sensitive}' is not among the logged input columns (${Object.keys(current.columns).join(', ')}).`, { field: 'sensitive' });
    return {
      features,
      target: hasActual ? ROLE_COLUMNS.actual : undefined,
      prediction: ROLE_COLUMNS.prediction in current.columns ? ROLE_COLUMNS.prediction : undefined,
      score: ROLE_COLUMNS.score in current.columns ? ROLE_COLUMNS.score : undefined,
      sensitive: hasActual ? m.sensitive : undefined,
      drift: m.drift,
      driftShare: m.driftShare,
      positiveLabel: m.positiveLabel,
      task: m.task,
    };
  }

  private async checkDeployment(name: string): Promise<void> {
    if (!this.deps.deployments) return;
    try {
      await this.deps.deployments.get(name);
    } catch (e) {
      if (e instanceof DomainError && e.code === 'NOT_FOUND') throw new DomainError('INVALID_INPUT', `deployment '${name}' does not exist.`, { field: 'deployment' });
      throw e;
    }
  }

  /** The reference table: a dataset version's file, or a past window of the deployment's own traffic. */
  private reference(m: Monitor): Promise<{ table: ReportTable; prepared: Record<string, ColumnValues> }> {
    const key = `${m.id}@${m.revision}`;
    let p = this.references.get(key);
    if (!p) {
      p = this.loadReference(m).then((table) => ({ table, prepared: prepare(table) }));
      p.catch(() => this.references.delete(key));
      if (this.references.size >= REFERENCE_CACHE_MAX) this.references.delete(this.references.keys().next().value!);
      this.references.set(key, p);
    }
    return p;
  }

  private async loadReference(m: Monitor): Promise<ReportTable> {
    const ref = m.reference;
    if ('dataset' in ref) {
      if (!this.deps.datasets) throw new DomainError('UNAVAILABLE', 'This server has no datasets domain to read the reference from.');
      const file = await this.deps.datasets.openVersionFile(ref.dataset, ref.version);
      const chunks: Buffer[] = [];
      for await (const c of file.stream as AsyncIterable<Buffer | string>) chunks.push(typeof c === 'string' ? Buffer.from(c) : c);
      const bytes = Buffer.concat(chunks);
      if (file.format === 'parquet') {
        const { parquetReadObjects } = await import('hyparquet');
        const { compressors } = await import('hyparquet-compressors');
        const ab = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
        return tableFromObjects((await parquetReadObjects({ file: ab, compressors })) as Record<string, unknown>[]);
      }
      return tableFromCsv(bytes.toString('utf8'), `dataset '${ref.dataset}' version ${ref.version}`);
    }
    const b = new ColumnBuilder(m);
    for await (const page of this.deps.actuals.joined(m.deployment, { since: ref.since, until: ref.until, includeUnlabeled: true, inputs: true })) b.addTable(page);
    if (b.rowCount === 0) throw new DomainError('INVALID_STATE', `The reference window [${ref.since}, ${ref.until}) of deployment '${m.deployment}' has no logged predictions.`, { field: 'reference' });
    return b.table();
  }
}

/**
 * The reference's all-number columns sorted once and its text columns counted once, reused by every
 * window (the stats accept a SortedSample or CategoryCounts); the reference never changes within a
 * monitor revision.
 */
function prepare(table: ReportTable): Record<string, ColumnValues> {
  const out: Record<string, ColumnValues> = {};
  for (const [name, col] of Object.entries(table.columns)) {
    const { numbers, typeViolations } = numericView(col);
    if (typeViolations > 0) {
      try {
        out[name] = countCategories(`reference.${name}`, col as ArrayLike<Category | null>);
      } catch {
        // no value at all: the report warns about the column
      }
      continue;
    }
    try {
      out[name] = sortedSample(`reference.${name}`, numbers);
    } catch {
      // no value at all: the report warns about the column
    }
  }
  return out;
}

/** Flattens a report into metric points: every numeric (or boolean, as 0/1) figure per column, model, group. */
export function reportPoints(r: MonitorReport, base: Pick<MetricPoint, 'monitorId' | 'deployment' | 'windowStart' | 'windowEnd' | 'variant'>): MetricPoint[] {
  const out: MetricPoint[] = [];
  const push = (metric: string, v: unknown, column: string | null, group: string | null, sampleSize: number, estimated = false) => {
    const value = typeof v === 'boolean' ? (v ? 1 : 0) : v;
    if (typeof value === 'number' && Number.isFinite(value)) out.push({ ...base, metric, column, group, value, sampleSize, estimated });
  };
  const rows = r.current_rows;
  for (const [col, c] of [...Object.entries(r.columns), ...Object.entries(r.prediction_drift)]) {
    const n = typeof c.current_count === 'number' ? c.current_count : rows;
    for (const [k, v] of Object.entries(c)) push(k, v, col, null, n);
  }
  for (const [k, v] of Object.entries(r.dataset_drift)) push(k, v, null, null, rows);
  push('missing_share', r.data_quality.missing_share, null, null, rows);
  push('schema_violations', r.data_quality.schema_violations.length, null, null, rows);
  if (r.model_quality) {
    const { estimated } = r.model_quality;
    const n = typeof r.model_quality.count === 'number' ? r.model_quality.count : rows;
    for (const [k, v] of Object.entries(r.model_quality)) if (k !== 'estimated') push(k, v, null, null, n, estimated);
  }
  if (r.fairness) {
    for (const [k, v] of Object.entries(r.fairness)) if (k !== 'groups') push(k, v, null, null, rows);
    for (const [g, m] of Object.entries(r.fairness.groups)) {
      const n = typeof m.count === 'number' ? m.count : rows;
      for (const [k, v] of Object.entries(m)) push(k, v, null, g, n);
    }
  }
  return out;
}
