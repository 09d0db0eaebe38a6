import { DomainError } from '@flywheel/contract';
import type { Clock } from '../../lib/clock.js';
import type { Access } from '../org/access.js';
import { parseCron } from './cron.js';
import type { RunCause } from './pipeline.model.js';
import { resolveParams } from './pipeline.validation.js';
import type { PipelinesRepository } from './pipelines.repository.js';
import type { PipelinesService } from './pipelines.service.js';
import type { TriggerFiringRow, TriggerRow } from './pipelines.tables.js';

export const TRIGGER_KINDS = ['schedule', 'dataset_version', 'alert', 'model_version'] as const;
export type TriggerKind = (typeof TRIGGER_KINDS)[number];

/** What triggers watch in other domains (wired in main.ts): the latest dataset and model versions. */
export interface TriggerSources {
  /** The latest version of a dataset, or null when it has none (or does not exist yet). */
  latestDatasetVersion(name: string): Promise<number | null>;
  /** The latest version of a registered model, or null. */
  latestModelVersion(name: string): Promise<number | null>;
  /** Throws NOT_FOUND when the caller may not read the dataset or model (another team's private work stays unseen). */
  guardRead?(access: Access, kind: 'dataset' | 'model', name: string): Promise<void>;
}

export interface TriggerView {
  pipeline: string;
  name: string;
  kind: TriggerKind;
  /** schedule: {cron}; dataset_version: {dataset, after}; model_version: {model, after}; alert: {rule} */
  spec: Record<string, unknown>;
  params: Record<string, unknown>;
  enabled: boolean;
  createdAt: number;
  nextAt: number | null;
}
export interface FiringView {
  trigger: string;
  eventKey: string;
  firedAt: number;
  runId: string | null;
  outcome: string;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;
const toView = (t: TriggerRow): TriggerView => ({ pipeline: t.pipeline, name: t.name, kind: t.kind as TriggerKind, spec: JSON.parse(t.spec) as Record<string, unknown>, params: JSON.parse(t.params) as Record<string, unknown>, enabled: t.enabled === 1, createdAt: Number(t.created_at), nextAt: t.next_at === null ? null : Number(t.next_at) });

export interface TriggersDeps {
  repo: PipelinesRepository;
  pipelines: PipelinesService;
  clock: Clock;
  sources?: TriggerSources;
  logger?: { warn(obj: object, msg: string): void };
}

/**
 * Triggers close the loop: a schedule (cron, UTC), a new version of a dataset, a new version of a
 * registered model, or a monitoring alert starts a run, whose cause says which. Every firing is
 * recorded once per (trigger, event) — a unique key — so servers polling side by side, or an
 * alert delivered twice, start one run.
 */
export class TriggersService {
  private timer: NodeJS.Timeout | undefined;
  private ticking = false;

  constructor(private readonly d: TriggersDeps) {}

  /** Creates a trigger; a `dataset_version`/`model_version` trigger fires for versions after the latest one now. */
  async create(pipeline: string, input: { name: string; kind: string; spec?: Record<string, unknown>; params?: Record<string, unknown>; enabled?: boolean }, access?: Access): Promise<TriggerView> {
    await this.d.pipelines.guard(access, pipeline, 'write');
    const p = await this.d.pipelines.get(pipeline);
    const problems: string[] = [];
    if (!NAME.test(input.name)) problems.push(`name: expected 1-100 letters, digits, '_', '.', '-', got '${input.name}'`);
    if (!(TRIGGER_KINDS as readonly string[]).includes(input.kind)) problems.push(`kind: expected one of ${TRIGGER_KINDS.join(', ')}, got '${input.kind}'`);
    const spec = { ...(input.spec ?? {}) };
    let nextAt: number | null = null;
    const now = this.d.clock.now();
    const str = (k: string) => (typeof spec[k] === 'string' && spec[k] !== '' ? (spec[k] as string) : (problems.push(`spec.${k}: required (a string) for a ${input.kind} trigger`), ''));
    if (input.kind === 'schedule') {
      const cron = str('cron');
      if (cron) {
        try {
          nextAt = parseCron(cron).next(now);
        } catch (e) {
          problems.push(`spec.cron: ${(e as Error).message}`);
        }
      }
    } else if (input.kind === 'dataset_version') {
      const name = str('dataset');
      if (name && access) await this.d.sources?.guardRead?.(access, 'dataset', name);
      if (name) spec.after = (await this.d.sources?.latestDatasetVersion(name)) ?? 0;
    } else if (input.kind === 'model_version') {
      const name = str('model');
      if (name && access) await this.d.sources?.guardRead?.(access, 'model', name);
      if (name) spec.after = (await this.d.sources?.latestModelVersion(name)) ?? 0;
    } else if (input.kind === 'alert') str('rule');
    if (problems.length) throw new DomainError('INVALID_INPUT', `Invalid trigger: ${problems.join('; ')}`, { problems });
    // The parameters a firing passes must be valid for the pipeline now (checked again when it fires).
    resolveParams(p.definition, input.params ?? {});
    if (await this.d.repo.getTrigger(pipeline, input.name)) throw new DomainError('ALREADY_EXISTS', `Pipeline '${pipeline}' already has a trigger '${input.name}'.`);
    const row = await this.d.repo.insertTrigger({ pipeline, name: input.name, kind: input.kind, spec: JSON.stringify(spec), params: JSON.stringify(input.params ?? {}), enabled: input.enabled === false ? 0 : 1, created_at: now, next_at: nextAt });
    return toView(row);
  }

  async list(pipeline: string, access?: Access): Promise<TriggerView[]> {
    await this.d.pipelines.guard(access, pipeline, 'read');
    return (await this.d.repo.triggers(pipeline)).map(toView);
  }

  private async row(pipeline: string, name: string): Promise<TriggerRow> {
    const t = await this.d.repo.getTrigger(pipeline, name);
    if (!t) throw new DomainError('NOT_FOUND', `Pipeline '${pipeline}' has no trigger '${name}'.`);
    return t;
  }

  async delete(pipeline: string, name: string, access?: Access): Promise<void> {
    await this.d.pipelines.guard(access, pipeline, 'write');
    await this.d.repo.deleteTrigger((await this.row(pipeline, name)).id);
  }

  /** A trigger's firings, newest first. */
  async firings(pipeline: string, name: string, access?: Access, limit = 100): Promise<FiringView[]> {
    await this.d.pipelines.guard(access, pipeline, 'read');
    const t = await this.row(pipeline, name);
    return (await this.d.repo.firings(t.id, limit)).map((f: TriggerFiringRow) => ({ trigger: t.name, eventKey: f.event_key, firedAt: Number(f.fired_at), runId: f.run_id, outcome: f.outcome }));
  }

  /** Fires `t` for `eventKey` unless that event fired it already; the run id, or undefined when it had. */
  private async fire(t: TriggerRow, eventKey: string, cause: RunCause): Promise<string | undefined> {
    const now = this.d.clock.now();
    const firing = await this.d.repo.insertFiring({ trigger_id: t.id, event_key: eventKey, fired_at: now, run_id: null, outcome: 'starting' });
    if (firing === undefined) return undefined;
    try {
      const run = await this.d.pipelines.startRun(t.pipeline, { params: JSON.parse(t.params) as Record<string, unknown>, cause });
      await this.d.repo.setFiringOutcome(firing, run.id, 'started');
      return run.id;
    } catch (e) {
      await this.d.repo.setFiringOutcome(firing, null, `failed: ${(e as Error).message}`);
      throw e;
    }
  }

  /** One pass: due schedules, and dataset and model versions newer than each trigger's last. */
  async tick(): Promise<void> {
    const now = this.d.clock.now();
    for (const t of await this.d.repo.dueSchedules(now)) {
      const due = Number(t.next_at);
      const spec = JSON.parse(t.spec) as { cron: string };
      // A server down for a while fires once for what it missed, not once per missed slot.
      if (!(await this.d.repo.advanceSchedule(t.id, due, parseCron(spec.cron).next(now)))) continue;
      await this.fire(t, `schedule:${due}`, { kind: 'schedule', trigger: t.name, due }).catch((err: unknown) => this.d.logger?.warn({ err, trigger: t.name }, 'scheduled pipeline run failed to start'));
    }
    const sources = this.d.sources;
    if (!sources) return;
    for (const t of [...(await this.d.repo.triggers(undefined, 'dataset_version')), ...(await this.d.repo.triggers(undefined, 'model_version'))]) {
      if (t.enabled !== 1) continue;
      const spec = JSON.parse(t.spec) as { dataset?: string; model?: string; after: number };
      const latest = t.kind === 'dataset_version' ? await sources.latestDatasetVersion(spec.dataset!).catch(() => null) : await sources.latestModelVersion(spec.model!).catch(() => null);
      if (latest === null || latest <= spec.after) continue;
      const cause: RunCause = t.kind === 'dataset_version' ? { kind: 'dataset_version', trigger: t.name, dataset: spec.dataset!, version: latest } : { kind: 'model_version', trigger: t.name, model: spec.model!, version: latest };
      const key = t.kind === 'dataset_version' ? `dataset:${spec.dataset}@${latest}` : `model:${spec.model}@${latest}`;
      await this.fire(t, key, cause).catch((err: unknown) => this.d.logger?.warn({ err, trigger: t.name }, 'triggered pipeline run failed to start'));
    }
  }

  /**
   * An alert fired (the `run_pipeline` alert action): fires the pipeline's alert triggers for that
   * rule — creating one named `alert-<rule>` the first time — once per alert event.
   */
  async onAlert(pipeline: string, rule: string, eventId: number, params?: Record<string, unknown>): Promise<string[]> {
    const forRule = async () => (await this.d.repo.triggers(pipeline, 'alert')).filter((t) => t.enabled === 1 && ['*', rule].includes((JSON.parse(t.spec) as { rule: string }).rule));
    let ts = await forRule();
    if (!ts.length) {
      await this.create(pipeline, { name: `alert-${rule}`.slice(0, 100).replace(/[^A-Za-z0-9_.-]/g, '-'), kind: 'alert', spec: { rule }, ...(params ? { params } : {}) }).catch((e: unknown) => {
        if (!(e instanceof DomainError && e.code === 'ALREADY_EXISTS')) throw e;
      });
      // Re-read with the same filter: a disabled alert-<rule> trigger (the create above found it) stays quiet.
      ts = await forRule();
    }
    const runs: string[] = [];
    for (const t of ts) {
      const id = await this.fire(t, `alert:${eventId}`, { kind: 'alert', trigger: t.name, rule, firingId: eventId });
      if (id) runs.push(id);
    }
    return runs;
  }

  /** Polls every `intervalMs` (servers that own the store; several may: firings are unique). */
  start(intervalMs: number): void {
    this.timer = setInterval(() => {
      if (this.ticking) return;
      this.ticking = true;
      this.tick()
        .catch((err: unknown) => this.d.logger?.warn({ err }, 'pipeline trigger pass failed'))
        .finally(() => (this.ticking = false));
    }, intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    while (this.ticking) await new Promise((r) => setTimeout(r, 20));
  }
}
