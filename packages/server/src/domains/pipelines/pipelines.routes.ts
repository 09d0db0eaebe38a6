import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { DomainError, ErrorResponse } from '@flywheel/contract';
import { parsePipelineYaml } from './pipeline.yaml.js';
import type { PipelinesService } from './pipelines.service.js';
import type { TriggersService } from './triggers.service.js';
import { accessOf, type AnonymousMode } from '../org/access.js';

const errors = { 400: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };
const tags = ['pipelines'];

const Pipeline = Type.Object({
  name: Type.String(),
  version: Type.Integer(),
  description: Type.String(),
  definition: Type.Unknown({ description: 'The pipeline definition as registered (see domains/pipelines/README.md)' }),
  createdAt: Type.Number(),
  ownerTeam: Type.Union([Type.Integer(), Type.Null()], { description: "the owning team's id (null: unowned)" }),
  visibility: Type.String({ description: 'private or internal' }),
  project: Type.Union([Type.String(), Type.Null()], { description: "the project the pipeline's compute is attributed to" }),
});
const Cost = Type.Object({
  pipeline: Type.String(),
  project: Type.Union([Type.String(), Type.Null()]),
  ownerTeam: Type.Union([Type.Integer(), Type.Null()]),
  computeSeconds: Type.Number({ description: 'wall-clock seconds of step processes, summed over attempts' }),
  stepsRun: Type.Integer(),
  stepsCached: Type.Integer(),
});
const Period = Type.Object({
  from: Type.Optional(Type.Integer({ minimum: 0, description: 'runs created at or after (ms since epoch)' })),
  to: Type.Optional(Type.Integer({ minimum: 0, description: 'runs created before (ms since epoch)' })),
});
const StepRun = Type.Object({
  name: Type.String(),
  state: Type.String({ description: 'pending, running, succeeded, failed, skipped or cancelled' }),
  attempt: Type.Integer(),
  maxAttempts: Type.Integer(),
  exitCode: Type.Union([Type.Integer(), Type.Null()]),
  startedAt: Type.Union([Type.Number(), Type.Null()]),
  finishedAt: Type.Union([Type.Number(), Type.Null()]),
  computeSeconds: Type.Number(),
  mlflowRunId: Type.Union([Type.String(), Type.Null()]),
  error: Type.Union([Type.String(), Type.Null()]),
  cached: Type.Boolean({ description: 'true: not run; a succeeded step with the same definition, parameters and inputs was reused (cache hit or resume)' }),
  cachedFrom: Type.Union([Type.String(), Type.Null()], { description: 'the run whose step was reused' }),
  inputs: Type.Union([Type.Array(Type.Unknown()), Type.Null()], { description: 'lineage in: {from, output} | {dataset, version, contentHash} | {artifact}' }),
  outputs: Type.Union([Type.Record(Type.String(), Type.Unknown()), Type.Null()], { description: 'lineage out, by output name: {kind: artifact, path, files, bytes, digest} | {kind: metric, value} | {kind: model, versions}' }),
});
const PipelineRun = Type.Object({
  id: Type.String(),
  pipeline: Type.String(),
  version: Type.Integer(),
  state: Type.String({ description: 'queued, running, succeeded, failed or cancelled' }),
  params: Type.Record(Type.String(), Type.Record(Type.String(), Type.Union([Type.String(), Type.Number(), Type.Boolean()])), { description: 'The resolved parameter values, per step' }),
  createdAt: Type.Number(),
  startedAt: Type.Union([Type.Number(), Type.Null()]),
  finishedAt: Type.Union([Type.Number(), Type.Null()]),
  error: Type.Union([Type.String(), Type.Null()]),
  cause: Type.Record(Type.String(), Type.Unknown(), { description: "what started the run: {kind: 'manual' | 'resume' | 'schedule' | 'dataset_version' | 'alert' | 'model_version', …}" }),
  resumedFrom: Type.Union([Type.String(), Type.Null()]),
  ownerTeam: Type.Union([Type.Integer(), Type.Null()]),
  project: Type.Union([Type.String(), Type.Null()]),
  steps: Type.Array(StepRun),
});
const NameParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }) });
const RunParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }), id: Type.String({ minLength: 1, maxLength: 64 }) });
const StepParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }), id: Type.String({ minLength: 1, maxLength: 64 }), step: Type.String({ minLength: 1, maxLength: 64 }) });
const Paging = Type.Object({
  maxResults: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  pageToken: Type.Optional(Type.String({ maxLength: 20 })),
});

/** The pipelines API under /api/v1/pipelines. */
export async function pipelinesRoutes(app: FastifyInstance, deps: { pipelines: PipelinesService; triggers?: TriggersService; anonymous?: AnonymousMode }): Promise<void> {
  const { pipelines } = deps;
  const access = (req: object) => accessOf(req, deps.anonymous ?? 'full', () => pipelines.teamTree());
  // Definitions may be posted as YAML (the same model); this scope only.
  app.addContentTypeParser(['application/yaml', 'application/x-yaml', 'text/yaml'], { parseAs: 'string', bodyLimit: 4 * 1024 * 1024 }, (_req, body, done) => done(null, body)); // 4 MiB
  // A run is addressed under its pipeline's name; one under another name does not exist there.
  const runOf = async (req: object, name: string, id: string, need: 'read' | 'write' = 'read') => {
    await pipelines.guard(access(req), name, need);
    const run = await pipelines.getRun(id);
    if (run.pipeline !== name) throw new DomainError('NOT_FOUND', `Pipeline run '${id}' does not exist.`);
    return run;
  };

  app.post('/api/v1/pipelines', {
    schema: {
      tags,
      summary: 'Register a pipeline definition (validated); a changed definition becomes a new version',
      description: 'Body: {name, description?, steps: [{name, command: [argv…], env?, params?, inputs?, outputs?, dependsOn?, retries?, timeoutSeconds?}]} as JSON, or the same model as YAML (content-type application/yaml). Every problem is named by step and field (and line, for YAML).',
      body: Type.Unknown(),
      querystring: Type.Object({
        ownerTeam: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: "The owning team's name or id, on first registration (default: the caller's only team)" })),
        visibility: Type.Optional(Type.Union([Type.Literal('private'), Type.Literal('internal')])),
        project: Type.Optional(Type.String({ minLength: 1, maxLength: 100, description: "The project the pipeline's compute is attributed to, on first registration" })),
      }),
      response: { 200: Type.Object({ pipeline: Pipeline, created: Type.Boolean() }), 201: Type.Object({ pipeline: Pipeline, created: Type.Boolean() }), ...errors },
    },
  }, async (req, reply) => {
    const q = req.query as { ownerTeam?: string; visibility?: string; project?: string };
    const r = await pipelines.register(typeof req.body === 'string' ? parsePipelineYaml(req.body) : req.body, { access: access(req), ...q });
    return reply.status(r.created ? 201 : 200).send(r);
  });

  app.get('/api/v1/pipelines', {
    schema: { tags, summary: 'List pipelines (their latest versions) by name', querystring: Paging, response: { 200: Type.Object({ pipelines: Type.Array(Pipeline), nextPageToken: Type.Optional(Type.String()) }), ...errors } },
  }, async (req) => {
    const page = await pipelines.list({ ...(req.query as { maxResults?: number; pageToken?: string }), access: access(req) });
    return { pipelines: page.items, ...(page.nextPageToken ? { nextPageToken: page.nextPageToken } : {}) };
  });

  app.get('/api/v1/pipelines/:name', {
    schema: { tags, summary: 'Get the latest (or ?version=) definition of a pipeline', params: NameParams, querystring: Type.Object({ version: Type.Optional(Type.Integer({ minimum: 1 })) }), response: { 200: Pipeline, ...errors } },
  }, async (req) => {
    const { name } = req.params as { name: string };
    await pipelines.guard(access(req), name, 'read');
    return pipelines.get(name, (req.query as { version?: number }).version);
  });

  app.post('/api/v1/pipelines/:name/runs', {
    schema: {
      tags,
      summary: 'Start a run: {params?: {name or step.name: value}, version?}',
      params: NameParams,
      body: Type.Union([
        Type.Object({
          params: Type.Optional(Type.Record(Type.String({ maxLength: 200 }), Type.Union([Type.String({ maxLength: 10_000 }), Type.Number(), Type.Boolean()]))),
          version: Type.Optional(Type.Integer({ minimum: 1 })),
        }, { additionalProperties: false }),
        Type.Null(),
      ]),
      response: { 201: PipelineRun, ...errors },
    },
  }, async (req, reply) => {
    const b = (req.body ?? {}) as { params?: Record<string, unknown>; version?: number };
    const { name } = req.params as { name: string };
    await pipelines.guard(access(req), name, 'write');
    return reply.status(201).send(await pipelines.startRun(name, { ...b, cause: { kind: 'manual', ...((req as { principal?: { username: string } | null }).principal ? { by: (req as { principal?: { username: string } | null }).principal!.username } : {}) } }));
  });

  app.get('/api/v1/pipelines/:name/runs', {
    schema: { tags, summary: "List a pipeline's runs, newest first", params: NameParams, querystring: Paging, response: { 200: Type.Object({ runs: Type.Array(PipelineRun), nextPageToken: Type.Optional(Type.String()) }), ...errors } },
  }, async (req) => {
    const { name } = req.params as { name: string };
    await pipelines.guard(access(req), name, 'read');
    const page = await pipelines.listRuns(name, req.query as { maxResults?: number; pageToken?: string });
    return { runs: page.items, ...(page.nextPageToken ? { nextPageToken: page.nextPageToken } : {}) };
  });

  app.get('/api/v1/pipelines/:name/runs/:id', {
    schema: { tags, summary: 'Get a run with the state of each step', params: RunParams, response: { 200: PipelineRun, ...errors } },
  }, async (req) => {
    const p = req.params as { name: string; id: string };
    return runOf(req, p.name, p.id);
  });

  app.post('/api/v1/pipelines/:name/runs/:id/cancel', {
    schema: { tags, summary: 'Cancel a queued or running run: running steps are killed, the rest cancelled', params: RunParams, response: { 200: PipelineRun, ...errors } },
  }, async (req) => {
    const p = req.params as { name: string; id: string };
    await runOf(req, p.name, p.id, 'write');
    return pipelines.cancelRun(p.id);
  });

  app.post('/api/v1/pipelines/:name/runs/:id/resume', {
    schema: {
      tags,
      summary: 'Resume a failed or cancelled run: a new run of the same version and parameters; steps that succeeded are carried over (cached), the rest run',
      params: RunParams,
      response: { 201: PipelineRun, ...errors },
    },
  }, async (req, reply) => {
    const p = req.params as { name: string; id: string };
    await runOf(req, p.name, p.id, 'write');
    return reply.status(201).send(await pipelines.resumeRun(p.id));
  });

  app.get('/api/v1/pipelines/:name/runs/:id/steps/:step/logs', {
    schema: {
      tags,
      summary: "A step's stored output (stdout and stderr, every attempt): text, or JSON {runId, step, log} with ?format=json",
      params: StepParams,
      querystring: Type.Object({ format: Type.Optional(Type.Union([Type.Literal('text'), Type.Literal('json')])) }),
      response: { 200: Type.Union([Type.String(), Type.Object({ runId: Type.String(), step: Type.String(), log: Type.String() })]), ...errors },
    },
  }, async (req, reply) => {
    const p = req.params as { name: string; id: string; step: string };
    await runOf(req, p.name, p.id);
    const log = await pipelines.stepLog(p.id, p.step);
    if ((req.query as { format?: string }).format === 'json') return { runId: p.id, step: p.step, log };
    return reply.type('text/plain; charset=utf-8').send(log);
  });

  // Run ids are unique across pipelines: a run can be looked up from its id alone (`flywheel pipeline status <id>`).
  app.get('/api/v1/pipeline-runs/:id', {
    schema: { tags, summary: 'Get a run by its id alone', params: Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) }), response: { 200: PipelineRun, ...errors } },
  }, async (req) => {
    const run = await pipelines.getRun((req.params as { id: string }).id);
    await pipelines.guard(access(req), run.pipeline, 'read');
    return run;
  });

  app.get('/api/v1/pipelines/:name/cost', {
    schema: { tags, summary: "A pipeline's compute-seconds (steps of runs created in [from, to)), per project and owner team", params: NameParams, querystring: Period, response: { 200: Type.Object({ costs: Type.Array(Cost) }), ...errors } },
  }, async (req) => {
    const { name } = req.params as { name: string };
    await pipelines.guard(access(req), name, 'read');
    await pipelines.get(name);
    return { costs: await pipelines.cost({ pipeline: name, ...(req.query as { from?: number; to?: number }) }) };
  });

  app.get('/api/v1/pipeline-costs', {
    schema: {
      tags,
      summary: "Compute-seconds of pipeline steps per pipeline and project, for one owner team (?team=name or id) or, for platform admins, all",
      querystring: Type.Object({ team: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })), ...Period.properties }),
      response: { 200: Type.Object({ costs: Type.Array(Cost) }), ...errors },
    },
  }, async (req) => {
    const q = req.query as { team?: string; from?: number; to?: number };
    const a = access(req);
    let team: number | undefined;
    if (q.team !== undefined) {
      const t = (await pipelines.teamTree()).find((x) => x.name === q.team || String(x.id) === q.team);
      if (!t) throw new DomainError('INVALID_INPUT', `Invalid value for team: no team '${q.team}'.`);
      team = t.id;
      if (!a.unrestricted && (await a.decide({ ownerTeam: t.id, visibility: 'private' }, 'read')) === 'hide') throw new DomainError('NOT_ALLOWED', `Only members of team '${t.name}' (or a team above it) and platform admins see its pipeline costs.`);
    } else if (!a.unrestricted) throw new DomainError('INVALID_INPUT', 'Missing team: name the team whose pipeline costs to show (all teams are for platform admins).');
    return { costs: await pipelines.cost({ ...(team !== undefined ? { team } : {}), ...(q.from !== undefined ? { from: q.from } : {}), ...(q.to !== undefined ? { to: q.to } : {}) }) };
  });

  const triggers = deps.triggers;
  if (!triggers) return;
  const Trigger = Type.Object({
    pipeline: Type.String(),
    name: Type.String(),
    kind: Type.String({ description: 'schedule, dataset_version, model_version or alert' }),
    spec: Type.Record(Type.String(), Type.Unknown()),
    params: Type.Record(Type.String(), Type.Unknown()),
    enabled: Type.Boolean(),
    createdAt: Type.Number(),
    nextAt: Type.Union([Type.Number(), Type.Null()]),
  });
  const TriggerParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }), trigger: Type.String({ minLength: 1, maxLength: 100 }) });

  app.post('/api/v1/pipelines/:name/triggers', {
    schema: {
      tags,
      summary: 'Create a trigger: schedule {cron} (UTC), dataset_version {dataset}, model_version {model} or alert {rule}; each firing starts a run with these params',
      params: NameParams,
      body: Type.Object({
        name: Type.String({ minLength: 1, maxLength: 100 }),
        kind: Type.Union([Type.Literal('schedule'), Type.Literal('dataset_version'), Type.Literal('model_version'), Type.Literal('alert')]),
        spec: Type.Optional(Type.Object({
          cron: Type.Optional(Type.String({ maxLength: 200 })),
          dataset: Type.Optional(Type.String({ maxLength: 200 })),
          model: Type.Optional(Type.String({ maxLength: 200 })),
          rule: Type.Optional(Type.String({ maxLength: 200 })),
        }, { additionalProperties: false })),
        params: Type.Optional(Type.Record(Type.String({ maxLength: 200 }), Type.Union([Type.String({ maxLength: 10_000 }), Type.Number(), Type.Boolean()]))),
        enabled: Type.Optional(Type.Boolean()),
      }, { additionalProperties: false }),
      response: { 201: Trigger, ...errors },
    },
  }, async (req, reply) => {
    const b = req.body as { name: string; kind: string; spec?: Record<string, unknown>; params?: Record<string, unknown>; enabled?: boolean };
    return reply.status(201).send(await triggers.create((req.params as { name: string }).name, b, access(req)));
  });

  app.get('/api/v1/pipelines/:name/triggers', {
    schema: { tags, summary: "A pipeline's triggers", params: NameParams, response: { 200: Type.Object({ triggers: Type.Array(Trigger) }), ...errors } },
  }, async (req) => ({ triggers: await triggers.list((req.params as { name: string }).name, access(req)) }));

  app.delete('/api/v1/pipelines/:name/triggers/:trigger', {
    schema: { tags, summary: 'Delete a trigger (and its firing record)', params: TriggerParams, response: { 204: Type.Null(), ...errors } },
  }, async (req, reply) => {
    const p = req.params as { name: string; trigger: string };
    await triggers.delete(p.name, p.trigger, access(req));
    return reply.status(204).send();
  });

  app.get('/api/v1/pipelines/:name/triggers/:trigger/firings', {
    schema: {
      tags,
      summary: "A trigger's firings, newest first: what fired it (eventKey), when, and the run it started",
      params: TriggerParams,
      response: { 200: Type.Object({ firings: Type.Array(Type.Object({ trigger: Type.String(), eventKey: Type.String(), firedAt: Type.Number(), runId: Type.Union([Type.String(), Type.Null()]), outcome: Type.String() })) }), ...errors },
    },
  }, async (req) => {
    const p = req.params as { name: string; trigger: string };
    return { firings: await triggers.firings(p.name, p.trigger, access(req)) };
  });
}
