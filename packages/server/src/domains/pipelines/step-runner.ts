import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ArtifactStore } from '../../artifacts/index.js';
import { DomainError } from '@flywheel/contract';
import type { Clock } from '../../lib/clock.js';
import type { TrackingService } from '../tracking/index.js';
import { Access } from '../org/access.js';
import type { StepJob } from './job-queue.js';
import type { PipelineDefinition, ProducedOutput, ResolvedInput, StepDefinition } from './pipeline.model.js';
import { ioEnvName, paramEnvName } from './pipeline.model.js';
import type { PipelinesRepository } from './pipelines.repository.js';
import type { PipelineRunRow, StepRunRow } from './pipelines.tables.js';
import { cacheKey, prepareIo, resolveInputs, uploadTree, type DatasetResolver, type ModelVersionsOfRun } from './step-io.js';

export interface StepRunnerOptions {
  repo: PipelinesRepository;
  tracking: TrackingService;
  clock: Clock;
  /** Names this runner in the store (`worker_id`); default `local-<random>`. */
  workerId?: string;
  /** Given to steps as MLFLOW_TRACKING_TOKEN when set (a placeholder until per-run tokens exist). */
  trackingToken?: string;
  /** Replaces the job's tracking URI (a worker reaching the server by another address than the server's own view). */
  trackingUri?: string | (() => string);
  /** How often a running step's log is written, its heartbeat recorded and its run checked for a cancel (default 500 ms). */
  flushMs?: number;
  /** Between SIGTERM and SIGKILL of a step's process group (default 5 s). */
  killGraceMs?: number;
  /** Environment variables of this process passed on to steps (default: PATH, HOME, locale and Python/virtualenv basics; never its secrets). */
  inheritEnv?: readonly string[];
  cwd?: string;
  /** Caps the stored log of one attempt (default 8 MiB); the rest is dropped with a note. */
  maxLogBytesPerAttempt?: number;
  logger?: { warn(obj: object, msg: string): void };
  /** Where artifact outputs are stored and artifact inputs read from (the platform's artifact store). */
  artifacts?: ArtifactStore;
  /** Resolves dataset inputs (`latest` included) to versions and content hashes. */
  datasets?: DatasetResolver;
  /** Finds the model versions registered from a step's MLflow run (a `model` output). */
  models?: ModelVersionsOfRun;
  /** Local scratch space for steps' input and output folders (default <tmpdir>/flywheel-steps); each attempt's is removed after it. */
  workDir?: string;
}

export const DEFAULT_INHERIT_ENV = ['PATH', 'HOME', 'USER', 'LANG', 'LC_ALL', 'TZ', 'TMPDIR', 'TEMP', 'TMP', 'SYSTEMROOT', 'PYTHONPATH', 'VIRTUAL_ENV', 'CONDA_PREFIX'];
/** Attempts lost to a stopped or dead executor granted on top of the step's retries. */
export const MAX_INTERRUPTIONS = 3;

type OptionalKeys = 'trackingToken' | 'trackingUri' | 'logger' | 'cwd' | 'artifacts' | 'datasets' | 'models';

interface Active {
  child?: ChildProcess;
  reason?: 'timeout' | 'cancelled' | 'shutdown';
  done: Promise<void>;
}

const backoffMs = (step: StepDefinition, attempt: number) => (step.retries?.backoffMs ?? 0) * 2 ** Math.max(0, attempt - 1);

/** What an attempt lost to a stopped or dead executor becomes: pending again with one more attempt granted, or failed after too many. */
export function interrupted(row: StepRunRow, now: number, why: string) {
  return row.interruptions < MAX_INTERRUPTIONS
    ? { state: 'pending', not_before: now, max_attempts: row.max_attempts + 1, interruptions: row.interruptions + 1, error: `${why}; re-queued` }
    : { state: 'failed', finished_at: now, error: `${why}; interrupted ${row.interruptions + 1} times, giving up` };
}

/**
 * Runs step jobs as child processes: claims the step in the store (a stale or duplicate job is
 * dropped), spawns it with the environment it needs to report back, streams its output to the
 * store, heartbeats, and records how the attempt ended. Used by the local executor (in the
 * server) and by `flywheel worker` alike.
 */
export class StepRunner {
  readonly workerId: string;
  private readonly o: Required<Omit<StepRunnerOptions, OptionalKeys | 'workerId'>> & Pick<StepRunnerOptions, OptionalKeys>;
  private readonly active = new Map<string, Active>();
  private readonly definitions = new Map<string, PipelineDefinition>();
  private readonly experiments = new Map<string, string>();
  private stopping = false;
  /** Called after each attempt this runner ran has been recorded (the next steps may be ready). */
  onAttemptEnded: () => void = () => undefined;

  constructor(opts: StepRunnerOptions) {
    this.workerId = opts.workerId ?? `local-${randomUUID().slice(0, 8)}`;
    this.o = { flushMs: 500, killGraceMs: 5000, inheritEnv: DEFAULT_INHERIT_ENV, maxLogBytesPerAttempt: 8 * 1024 * 1024, workDir: join(tmpdir(), 'flywheel-steps'), ...opts };
  }

  /** Whether this runner is running that step now (a scheduling pass in the same process must not reclaim it). */
  holds(runId: string, step: string): boolean {
    return this.active.has(`${runId}/${step}`);
  }

  get running(): number {
    return this.active.size;
  }

  resume(): void {
    this.stopping = false;
  }

  /** Kills running steps (they go back to pending: an interruption, not a failure) and waits for their bookkeeping. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const a of this.active.values()) this.kill(a, 'shutdown');
    await Promise.all([...this.active.values()].map((a) => a.done));
  }

  async definition(name: string, version: number): Promise<PipelineDefinition> {
    const key = `${name}@${version}`;
    let def = this.definitions.get(key);
    if (!def) {
      const row = await this.o.repo.getVersion(name, version);
      if (!row) throw new Error(`pipeline ${key} is missing`);
      def = JSON.parse(row.definition) as PipelineDefinition;
      this.definitions.set(key, def); // versions are immutable
    }
    return def;
  }

  /** Runs one job to the end of its attempt; a job whose step moved on (or was taken) does nothing. */
  async run(job: StepJob): Promise<void> {
    if (this.stopping) return;
    const { repo, clock } = this.o;
    const run = await repo.getRun(job.runId);
    if (!run || (run.state !== 'queued' && run.state !== 'running')) return;
    const def = await this.definition(run.pipeline_name, run.pipeline_version);
    const step = def.steps.find((s) => s.name === job.step);
    if (!step) return;
    const claimed = await repo.claimStep(run.id, step.name, this.workerId, clock.now(), job.attempt - 1);
    if (!claimed) return; // another worker took it, it was cancelled, or this job is stale
    await repo.markRunRunning(run.id, claimed.started_at ?? clock.now());
    const a: Active = { done: Promise.resolve() };
    const key = `${run.id}/${step.name}`;
    this.active.set(key, a);
    a.done = this.runAttempt(run, def, step, claimed, job, a)
      .catch((err: unknown) => this.o.logger?.warn({ err, run: run.id, step: step.name }, 'pipeline step bookkeeping failed'))
      .finally(() => {
        this.active.delete(key);
        this.onAttemptEnded();
      });
    await a.done;
  }

  private async experimentFor(pipeline: string): Promise<string> {
    const cached = this.experiments.get(pipeline);
    if (cached) return cached;
    const { tracking, repo } = this.o;
    let id: string;
    try {
      id = (await tracking.getExperimentByName(pipeline)).experimentId;
    } catch (e) {
      if (!(e instanceof DomainError && e.code === 'NOT_FOUND')) throw e;
      // Owned by the pipeline's team: its steps' runs then count in the team's compute spend (budgets).
      const owner = await repo.owner(pipeline);
      const owned = owner?.owner_team !== null && owner?.owner_team !== undefined ? { access: new Access(null, 'full', () => tracking.teamTree()), ownerTeam: String(owner.owner_team), visibility: owner.visibility } : {};
      try {
        id = await tracking.createExperiment({ name: pipeline, tags: [{ key: 'flywheel.pipeline', value: pipeline }], ...owned });
      } catch (e2) {
        if (!(e2 instanceof DomainError && e2.code === 'ALREADY_EXISTS')) throw e2;
        id = (await tracking.getExperimentByName(pipeline)).experimentId; // created concurrently
      }
    }
    this.experiments.set(pipeline, id);
    return id;
  }

  private env(run: PipelineRunRow, step: StepDefinition, mlflowRunId: string, job: StepJob, inputs: readonly ResolvedInput[], io: Record<string, string>): Record<string, string> {
    const env: Record<string, string> = {};
    for (const k of this.o.inheritEnv) if (process.env[k] !== undefined) env[k] = process.env[k]!;
    Object.assign(env, step.env ?? {});
    const params = (JSON.parse(run.params) as Record<string, Record<string, unknown>>)[step.name] ?? {};
    for (const [k, v] of Object.entries(params)) env[paramEnvName(k)] = String(v);
    const uri = this.o.trackingUri;
    env.MLFLOW_TRACKING_URI = uri === undefined ? job.trackingUri : typeof uri === 'function' ? uri() : uri;
    env.MLFLOW_RUN_ID = mlflowRunId;
    if (this.o.trackingToken) env.MLFLOW_TRACKING_TOKEN = this.o.trackingToken;
    env.FLYWHEEL_PIPELINE = run.pipeline_name;
    env.FLYWHEEL_PIPELINE_RUN_ID = run.id;
    env.FLYWHEEL_STEP = step.name;
    env.FLYWHEEL_INPUTS = JSON.stringify(inputs);
    Object.assign(env, io);
    return env;
  }

  private kill(a: Active, reason: NonNullable<Active['reason']>): void {
    a.reason ??= reason;
    const pid = a.child?.pid;
    if (pid === undefined || a.child!.exitCode !== null || a.child!.signalCode !== null) return;
    const signal = (sig: NodeJS.Signals) => {
      try {
        process.kill(-pid, sig); // the whole process group: a step's own children die with it
      } catch {
        // already gone
      }
    };
    signal('SIGTERM');
    setTimeout(() => signal('SIGKILL'), this.o.killGraceMs).unref();
  }

  private async runAttempt(run: PipelineRunRow, def: PipelineDefinition, step: StepDefinition, claimed: StepRunRow, job: StepJob, a: Active): Promise<void> {
    const { repo, tracking, clock } = this.o;
    const attempt = claimed.attempt;
    const started = clock.now();
    let pendingLog: string[] = [];
    let logBytes = 0;
    let truncated = false;
    const log = (text: string) => {
      if (truncated) return;
      logBytes += Buffer.byteLength(text);
      if (logBytes > this.o.maxLogBytesPerAttempt) {
        truncated = true;
        pendingLog.push(`\n[flywheel] log truncated at ${this.o.maxLogBytesPerAttempt} bytes\n`);
        return;
      }
      pendingLog.push(text);
    };
    const flush = async () => {
      if (!pendingLog.length) return;
      const text = pendingLog.join('');
      pendingLog = [];
      await repo.appendLogs([{ run_id: run.id, step: step.name, attempt, created_at: clock.now(), text }]);
    };

    let mlflowRunId: string | undefined;
    let exitCode: number | null = null;
    let failure: string | undefined;
    const params = (JSON.parse(run.params) as Record<string, Record<string, unknown>>)[step.name] ?? {};
    let inputs: ResolvedInput[] = [];
    let key: string | null = null;
    try {
      inputs = await resolveInputs(step, new Map((await repo.stepRuns(run.id)).map((r) => [r.step, r])), this.o.datasets);
      key = cacheKey(def.name, step, params, inputs);
    } catch (e) {
      failure = (e as Error).message;
    }
    if (key && step.cache !== false && !failure) {
      const hit = await repo.findCached(key, run.id);
      if (hit) {
        const origin = hit.cached_from ?? hit.run_id;
        log(`[flywheel] cached: same definition, parameters and inputs as step '${hit.step}' of run ${origin}; its outputs are reused and no process was started\n`);
        await flush();
        await repo.endAttempt(run.id, step.name, attempt, this.workerId, {
          state: 'succeeded',
          exit_code: hit.exit_code,
          finished_at: clock.now(),
          compute_ms: claimed.compute_ms,
          error: null,
          cache_key: key,
          cached_from: origin,
          inputs: JSON.stringify(inputs),
          outputs: hit.outputs,
          mlflow_run_id: hit.mlflow_run_id,
        });
        return;
      }
    }
    if (!failure) try {
      const experimentId = await this.experimentFor(def.name);
      const mlrun = await tracking.createRun({
        experimentId,
        runName: `${step.name}${attempt > 1 ? `-attempt-${attempt}` : ''}`,
        tags: [
          { key: 'flywheel.pipeline', value: def.name },
          { key: 'flywheel.pipeline_run_id', value: run.id },
          { key: 'flywheel.step', value: step.name },
          { key: 'flywheel.attempt', value: String(attempt) },
        ],
      });
      mlflowRunId = mlrun.info.runId;
      await repo.setMlflowRunId(run.id, step.name, mlflowRunId);
      // Lineage: the dataset versions a step read are inputs of its run, as an MLflow client would log them.
      const datasets = inputs.flatMap((i) => ('dataset' in i ? [{ dataset: { name: i.dataset, digest: (i.contentHash ?? `${i.dataset}@${i.version}`).slice(0, 36), sourceType: 'flywheel', source: `flywheel-datasets:/${i.dataset}/${i.version}` }, tags: [{ key: 'mlflow.data.context', value: 'pipeline' }] }] : []));
      if (datasets.length) await tracking.logInputs(mlflowRunId, datasets);
    } catch (e) {
      failure = `could not create the step's MLflow run: ${(e as Error).message}`;
    }

    const work = join(this.o.workDir, run.id, step.name, String(attempt));
    let io: Record<string, string> | undefined;
    if (mlflowRunId && !this.stopping && !failure) {
      try {
        io = await prepareIo(work, step, inputs, this.o.artifacts);
      } catch (e) {
        failure = `could not prepare the step's inputs: ${(e as Error).message}`;
      }
    }

    if (mlflowRunId && io && !this.stopping) {
      const [program, ...args] = step.command;
      const child = spawn(program!, args, { env: this.env(run, step, mlflowRunId, job, inputs, io), cwd: this.o.cwd, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
      a.child = child;
      child.stdout!.setEncoding('utf8').on('data', log);
      child.stderr!.setEncoding('utf8').on('data', log);
      const timeout = step.timeoutSeconds ? setTimeout(() => this.kill(a, 'timeout'), step.timeoutSeconds * 1000) : undefined;
      let watching = false;
      const watch = setInterval(() => {
        if (watching) return;
        watching = true;
        void (async () => {
          await flush();
          await repo.heartbeat(run.id, step.name, this.workerId, clock.now());
          if ((await repo.getRun(run.id))?.state === 'cancelled') this.kill(a, 'cancelled');
        })()
          .catch((err: unknown) => this.o.logger?.warn({ err }, 'pipeline step log flush failed'))
          .finally(() => (watching = false));
      }, this.o.flushMs);
      const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
      exitCode = await new Promise<number | null>((resolve) => {
        child.once('error', (e) => {
          failure = `could not start '${program}': ${e.message}`;
          resolve(null);
        });
        child.once('exit', (code) => resolve(code));
      });
      // Output still buffered in the pipes is wanted; a grandchild holding them open is not waited for.
      await Promise.race([closed, new Promise((r) => setTimeout(r, 2000).unref())]);
      clearTimeout(timeout);
      clearInterval(watch);
      if (child.pid !== undefined) {
        try {
          process.kill(-child.pid, 'SIGKILL'); // leftovers of the step's process group
        } catch {
          // none
        }
      }
    } else if (this.stopping && !failure) {
      a.reason = 'shutdown';
    }

    let outputs: Record<string, ProducedOutput> | undefined;
    if (!failure && a.reason === undefined && exitCode === 0 && mlflowRunId && io) {
      try {
        outputs = await this.collectOutputs(run, step, attempt, mlflowRunId, io);
      } catch (e) {
        failure = `its declared outputs: ${(e as Error).message}`;
      }
    }
    await rm(work, { recursive: true, force: true }).catch(() => undefined);

    const now = clock.now();
    const computeMs = claimed.compute_ms + (now - started);
    let state: string;
    let error: string | null = null;
    const extra: { not_before?: number; max_attempts?: number; interruptions?: number } = {};
    if (a.reason === 'cancelled') {
      state = 'cancelled';
      error = 'the run was cancelled; the process group was killed';
    } else if (a.reason === 'shutdown') {
      const i = interrupted(claimed, now, `attempt ${attempt}: the executor stopped`);
      state = i.state;
      error = i.error;
      Object.assign(extra, i);
    } else if (!failure && a.reason === undefined && exitCode === 0) {
      state = 'succeeded';
    } else {
      const why = failure ?? (a.reason === 'timeout' ? `timed out after ${step.timeoutSeconds}s; the process group was killed` : `exited with code ${exitCode ?? 'none (killed by a signal)'}`);
      if (attempt < claimed.max_attempts) {
        const wait = backoffMs(step, attempt);
        state = 'pending';
        extra.not_before = now + wait;
        error = `attempt ${attempt} of ${claimed.max_attempts} ${why}; retrying in ${wait} ms`;
      } else {
        state = 'failed';
        error = claimed.max_attempts > 1 ? `attempt ${attempt} of ${claimed.max_attempts} ${why}` : why;
      }
    }
    log(`[flywheel] ${state === 'succeeded' ? 'succeeded' : error}\n`);
    await flush();
    const ended = await repo.endAttempt(run.id, step.name, attempt, this.workerId, {
      state,
      exit_code: exitCode,
      finished_at: state === 'pending' ? null : now,
      compute_ms: computeMs,
      error,
      inputs: JSON.stringify(inputs),
      ...(state === 'succeeded' ? { cache_key: key, outputs: JSON.stringify(outputs ?? {}) } : {}),
      ...extra,
    });
    if (!ended) this.o.logger?.warn({ run: run.id, step: step.name, attempt }, 'a step attempt ended after it was taken from this executor');
    if (mlflowRunId) {
      const status = state === 'succeeded' ? 'FINISHED' : state === 'cancelled' || a.reason === 'shutdown' ? 'KILLED' : 'FAILED';
      await tracking.updateRun({ runId: mlflowRunId, status, endTime: now }).catch(() => undefined); // the step may have ended or deleted it itself
    }
  }

  /** Stores artifact outputs, reads metric outputs from the step's MLflow run, finds model versions registered from it. */
  private async collectOutputs(run: PipelineRunRow, step: StepDefinition, attempt: number, mlflowRunId: string, io: Record<string, string>): Promise<Record<string, ProducedOutput>> {
    const out: Record<string, ProducedOutput> = {};
    for (const o of step.outputs ?? []) {
      if (o.kind === 'artifact') {
        if (!this.o.artifacts) throw new Error(`output '${o.name}': this executor has no artifact store`);
        const path = `pipelines/${run.id}/${step.name}/${attempt}/${o.name}`;
        out[o.name] = { kind: 'artifact', path, ...(await uploadTree(this.o.artifacts, io[ioEnvName('OUTPUT', o.name)]!, path)) };
      } else if (o.kind === 'metric') {
        const m = (await this.o.tracking.getRun(mlflowRunId)).data.metrics?.find((x) => x.key === o.name);
        if (!m) throw new Error(`metric '${o.name}' was not logged to the step's MLflow run ${mlflowRunId}`);
        out[o.name] = { kind: 'metric', value: m.value };
      } else {
        out[o.name] = { kind: 'model', versions: this.o.models ? await this.o.models.versionsOfRun(mlflowRunId) : [] };
      }
    }
    return out;
  }
}
