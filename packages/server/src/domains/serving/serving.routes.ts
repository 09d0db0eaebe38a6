import type { FastifyBaseLogger, FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { DomainError, ErrorResponse, type TensorSpec } from '@flywheel/contract';
import {
  HTTP_PROTOCOLS,
  INFERENCE_ID_HEADER,
  VARIANT_HEADER,
  VARIANT_ROLES,
  VARIANT_RUNTIMES,
  type Deployment,
  type DeploymentsService,
  type LiveVariant,
} from './deployments.service.js';
import { decodeOipRequest, encodeOipResponseText } from './oip-codec.js';
import { decodeInvocations, encodeMlflowPredictions } from './mlflow-invocations-codec.js';
import { inferenceIdFor, InferenceCore, mlflowErrorBody, oipErrorBody, pickVariant, statusOf, tensorsFor } from './inference.js';
import { inferenceFastPath } from './inference-fast-path.js';
import { setFrontDoor } from '../../http/app.js';
import type { ServingObserver } from './observer.js';
import { TRUNCATED_KEY, type PredictionLog } from './prediction-log.js';
import type { PredictionRow, PredictionsRepository } from './predictions.repository.js';
import { ShadowMirror } from './shadow.js';
import { AgreementCounter, DEFAULT_AGREEMENT_TOLERANCE } from './shadow-agreement.js';
import type { ShadowRepository } from './shadow.repository.js';

const tags = ['serving'];
const errors = { 400: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };

// One object shape for both runtimes (the service checks which fields go together, naming them):
// a schema union would answer a mistake with "must match a schema in anyOf".
const Variant = Type.Object({
  name: Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$' }),
  runtime: Type.Optional(Type.Union(VARIANT_RUNTIMES.map((r) => Type.Literal(r)), { description: "'onnx' (default): a registry model version in-process; 'http': a proxy to `endpoint`" })),
  model: Type.Optional(Type.Object({
    name: Type.String({ minLength: 1, maxLength: 256 }),
    version: Type.Union([Type.String({ pattern: '^[1-9][0-9]{0,9}$' }), Type.Integer({ minimum: 1 })]),
  }, { additionalProperties: false, description: "The registry model version (runtime 'onnx')" })),
  endpoint: Type.Optional(Type.Object({
    url: Type.String({ minLength: 1, maxLength: 2048, description: 'The model server base URL' }),
    protocol: Type.Union(HTTP_PROTOCOLS.map((p) => Type.Literal(p)), { description: "'oip': POST {url}/v2/models/{model}/infer; 'mlflow': POST {url}/invocations" }),
    model: Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: "The model's name on the server (required for 'oip')" })),
    timeoutMs: Type.Optional(Type.Integer({ minimum: 1, maximum: 600_000, description: 'Per request (default 10000); a slower answer is a 504' })),
  }, { additionalProperties: false, description: "The model server (runtime 'http')" })),
  role: Type.Union(VARIANT_ROLES.map((r) => Type.Literal(r)), { description: "'shadow' variants get mirrored copies of requests, never answer them" }),
  weight: Type.Number({ minimum: 0, maximum: 100, description: 'Share of traffic; non-shadow weights sum to 100' }),
  sample: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'Shadow only: the share of requests mirrored to it (default 1)' })),
}, { additionalProperties: false });
const Config = Type.Object({
  variants: Type.Array(Variant, { minItems: 1, maxItems: 16 }),
  routingKey: Type.Optional(Type.Object({ header: Type.Optional(Type.String({ minLength: 1, maxLength: 128 })) }, { additionalProperties: false })),
}, { additionalProperties: false });
const DeploymentSchema = Type.Object({
  name: Type.String(),
  revision: Type.Integer(),
  config: Config,
  createdAt: Type.Number({ description: 'ms since epoch' }),
  updatedAt: Type.Number({ description: 'ms since epoch (the current revision)' }),
  createdBy: Type.Union([Type.String(), Type.Null()], { description: 'Who wrote the current revision' }),
});
const NameParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 128 }) });

const ShadowReport = Type.Object({
  deployment: Type.String(),
  since: Type.Number({ description: 'The agreement window, ms since epoch (inclusive)' }),
  until: Type.Number({ description: 'ms since epoch (exclusive)' }),
  queue: Type.Object({
    queued: Type.Integer({ description: 'Mirrored runs waiting now' }),
    running: Type.Integer(),
    concurrency: Type.Integer({ description: 'Shadow runs in flight at most, per deployment' }),
    maxQueue: Type.Integer({ description: 'Waiting runs at most, per deployment; beyond, copies are shed' }),
  }),
  shadows: Type.Array(Type.Object({
    variant: Type.String(),
    configured: Type.Boolean({ description: 'Still a shadow of the current revision' }),
    loaded: Type.Boolean({ description: 'Receiving copies now (false: not configured, or its model could not be loaded at start/refresh)' }),
    sample: Type.Number(),
    counts: Type.Object({
      mirrored: Type.Integer({ description: 'Copies sampled for this shadow since the process started' }),
      completed: Type.Integer(),
      failed: Type.Integer(),
      shed: Type.Integer({ description: 'Not run: queue full, variant gone by its turn, or shutting down' }),
    }),
    agreement: Type.Optional(Type.Object({
      compared: Type.Integer({ description: 'Rows compared (batch rows of requests both answered and shadowed in the window)' }),
      agreed: Type.Integer(),
      rate: Type.Union([Type.Number(), Type.Null()]),
      kind: Type.Union([Type.Literal('label'), Type.Literal('argmax'), Type.Literal('numeric'), Type.Literal('mixed'), Type.Null()]),
      meanAbsDiff: Type.Union([Type.Number(), Type.Null()], { description: 'Mean |shadow − answered| over float values' }),
      incomparable: Type.Integer({ description: 'Pairs whose outputs could not be compared (different names/shapes, truncated)' }),
      tolerance: Type.Number(),
      truncated: Type.Boolean({ description: `True when the window held more than 100000 pairs: only the oldest were compared` }),
    })),
  })),
});

const PredictionSchema = Type.Object({
  inferenceId: Type.String(),
  deployment: Type.String(),
  variant: Type.String(),
  model: Type.Object({ name: Type.String(), version: Type.String() }),
  timestamp: Type.Number({ description: 'ms since epoch (request received)' }),
  latencyUs: Type.Number({ description: 'Model call time, µs' }),
  status: Type.Integer({ description: '0 = answered, else the HTTP status the caller got' }),
  inputs: Type.Unknown({ description: '{name: {type, shape, data}}; when truncated {"$truncated": …, shapes}' }),
  outputs: Type.Unknown(),
  truncated: Type.Boolean({ description: 'Payload above 1 MB: only shapes were kept' }),
});
const toPrediction = (r: PredictionRow) => {
  const inputs = JSON.parse(r.inputs) as unknown;
  return {
    inferenceId: r.inference_id,
    deployment: r.deployment,
    variant: r.variant,
    model: { name: r.model_name, version: r.model_version },
    timestamp: Number(r.ts),
    latencyUs: Number(r.latency_us),
    status: Number(r.status),
    inputs,
    outputs: JSON.parse(r.outputs) as unknown,
    truncated: typeof inputs === 'object' && inputs !== null && TRUNCATED_KEY in inputs,
  };
};
const encodeCursor = (r: PredictionRow) => Buffer.from(`${Number(r.ts)}:${Number(r.id)}`).toString('base64url');
function decodeCursor(token: string | undefined): { ts: number; id: number } | undefined {
  if (!token) return undefined;
  const m = /^(\d{1,16}):(\d{1,19})$/.exec(Buffer.from(token, 'base64url').toString());
  if (!m) throw new DomainError('INVALID_INPUT', 'pageToken: not a token this server issued.');
  return { ts: Number(m[1]), id: Number(m[2]) };
}

/** The prediction log as the routes use it: `log` to append, `repo` to read, `shadow` to pair shadow rows with answered ones. */
export interface PredictionsDeps {
  log: PredictionLog;
  repo: PredictionsRepository;
  shadow?: ShadowRepository | undefined;
}

export interface ServingRoutesDeps {
  deployments: DeploymentsService;
  predictions?: PredictionsDeps | undefined;
  /** Told about every inference request on an existing deployment, and every shadow run. */
  metrics?: ServingObserver | undefined;
  /** The shadow mirror (default: one with the default bounds, logging to `predictions.log`). Closed with the app. */
  shadows?: ShadowMirror | undefined;
  /**
   * Serve plain JSON inference requests on the raw node:http request ahead of Fastify's routing
   * (`inference-fast-path.ts`; default true; only on apps built by createApp, only over a socket —
   * `app.inject` always takes the routes).
   */
  fastPath?: boolean | undefined;
}

/** Pairs read per query when computing agreement, and at most per shadow per call. */
const AGREEMENT_PAGE = 2000;
const AGREEMENT_MAX_PAIRS = 100_000;

/** Values for the protocol's datatype names. */
const OIP_TYPE: Record<string, string> = { float32: 'FP32', float64: 'FP64', int32: 'INT32', int64: 'INT64', bool: 'BOOL', string: 'BYTES' };
const oipTensorMeta = (s: TensorSpec) => ({
  name: s.name,
  datatype: OIP_TYPE[s.elemType] ?? s.elemType.toUpperCase(),
  shape: (s.shape ?? [-1]).map((d) => (typeof d === 'number' ? d : -1)),
});

/** Who made a change: the authenticated user, else 'anonymous' (recorded with the revision and in the audit log). */
const actorOf = (req: FastifyRequest): string => req.principal?.username ?? 'anonymous';

/** What Fastify sends for an object: the infer route sends its JSON as text. */
const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * The inference routes log only failures: a pino child logger per request (2–3 % of the gateway's
 * CPU) buys nothing there, so they log through the server's logger and name the request id.
 */
const parentLogger = (logger: FastifyBaseLogger): FastifyBaseLogger => logger;

/** Open Inference Protocol errors: `{"error": "…"}` with the status. */
function oipErrorHandler(error: FastifyError | Error, req: FastifyRequest, reply: FastifyReply) {
  const status = statusOf(error);
  if (status >= 500) req.log.error({ err: error, reqId: req.id }, 'inference failed');
  return reply.status(status).send(oipErrorBody(error, status));
}

/** MLflow scoring-server errors: `{"error_code": "BAD_REQUEST", "message": "…"}`. */
function mlflowErrorHandler(error: FastifyError | Error, req: FastifyRequest, reply: FastifyReply) {
  const status = statusOf(error);
  if (status >= 500) req.log.error({ err: error, reqId: req.id }, 'invocation failed');
  return reply.status(status).send(mlflowErrorBody(error, status));
}

/**
 * Serving over HTTP: the native deployments API under /api/v1/deployments, the Open Inference
 * Protocol v2 gateway under /v2, and MLflow scoring under /deployments/:name. Register in its own
 * scope (it adds a text/csv body parser and its own error shapes).
 */
export async function servingRoutes(app: FastifyInstance, deps: ServingRoutesDeps): Promise<void> {
  const { deployments, predictions, metrics } = deps;
  const shadows = deps.shadows ?? new ShadowMirror({ deployments, log: predictions?.log, observer: metrics, logger: app.log });

  const core = new InferenceCore(deployments, predictions?.log, metrics);
  const door = deps.fastPath === false ? undefined : inferenceFastPath(app, { deployments, core, shadows, logger: app.log });
  const fast = door !== undefined && setFrontDoor(app, door);
  // Before the prediction log closes (main closes the app first): requests the fast path still
  // holds are answered and logged (and mirrored), then queued shadow rows get written.
  app.addHook('onClose', async () => {
    if (fast && door) await door.drain();
    await shadows.close();
  });
  /** A failed answer names its variant too: the caller (and a canary's operator) sees who failed. */
  const observeFailure = (name: string, variant: LiveVariant | undefined, e: unknown, reply: FastifyReply): void => {
    if (variant) reply.header(VARIANT_HEADER, variant.name);
    core.observeFailure(name, variant, e, reply.elapsedTime / 1000);
  };

  /**
   * A deployment this process does not serve yet may have been created by another one (cluster
   * workers, gateway replicas): it is loaded on its first request. Served names cost a Map lookup.
   */
  const ensureLoaded = (name: string): Promise<unknown> | undefined => (deployments.isReady(name) === undefined ? deployments.tableOrLoad(name) : undefined);

  // ---- native API ------------------------------------------------------------------------------
  await app.register(async (api) => {
    api.post('/api/v1/deployments', {
      schema: {
        tags,
        summary: 'Create a deployment (revision 1); its models are loaded before it answers',
        body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 128, pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]*$' }), config: Config }, { additionalProperties: false }),
        response: { 201: DeploymentSchema, ...errors },
      },
    }, async (req, reply) => {
      const b = req.body as { name: string; config: unknown };
      return reply.status(201).send(await deployments.create({ name: b.name, config: b.config, createdBy: actorOf(req), source: req.ip }));
    });

    api.get('/api/v1/deployments', {
      schema: { tags, summary: 'List deployments with their current configs', response: { 200: Type.Object({ deployments: Type.Array(DeploymentSchema) }) } },
    }, async () => ({ deployments: await deployments.list() }));

    api.get('/api/v1/deployments/:name', {
      schema: { tags, summary: 'Get a deployment', params: NameParams, response: { 200: DeploymentSchema, ...errors } },
    }, async (req) => deployments.get((req.params as { name: string }).name));

    api.get('/api/v1/deployments/:name/revisions', {
      schema: {
        tags,
        summary: "A deployment's revisions, newest first",
        params: NameParams,
        response: { 200: Type.Object({ revisions: Type.Array(Type.Object({ revision: Type.Integer(), config: Config, createdAt: Type.Number(), createdBy: Type.Union([Type.String(), Type.Null()]) })) }), ...errors },
      },
    }, async (req) => ({ revisions: await deployments.revisions((req.params as { name: string }).name) }));

    api.put('/api/v1/deployments/:name', {
      schema: {
        tags,
        summary: 'Update a deployment: writes a new revision and switches traffic once its models are warm',
        params: NameParams,
        body: Type.Object({ config: Config }, { additionalProperties: false }),
        response: { 200: DeploymentSchema, ...errors },
      },
    }, async (req) => deployments.update((req.params as { name: string }).name, (req.body as { config: unknown }).config, actorOf(req), req.ip));

    api.post('/api/v1/deployments/:name/rollback', {
      schema: { tags, summary: 'Re-activate the previous revision (as a new revision)', params: NameParams, response: { 200: DeploymentSchema, ...errors } },
    }, async (req) => deployments.rollback((req.params as { name: string }).name, actorOf(req), req.ip));

    api.delete('/api/v1/deployments/:name', {
      schema: { tags, summary: 'Delete a deployment and unload its models', params: NameParams, response: { 204: Type.Null(), ...errors } },
    }, async (req, reply) => {
      await deployments.delete((req.params as { name: string }).name, actorOf(req), req.ip);
      return reply.status(204).send();
    });

    api.get('/api/v1/deployments/:name/shadow', {
      schema: {
        tags,
        summary: "A deployment's shadow variants: mirrored/completed/failed/shed since start, and agreement with the answered outputs over a window of the log",
        params: NameParams,
        querystring: Type.Object({
          since: Type.Optional(Type.Integer({ minimum: 0, description: 'ms since epoch, inclusive (default: the last 24 hours)' })),
          until: Type.Optional(Type.Integer({ minimum: 0, description: 'ms since epoch, exclusive (default: now)' })),
          tolerance: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: `Relative tolerance for numeric outputs (default ${DEFAULT_AGREEMENT_TOLERANCE})` })),
        }, { additionalProperties: false }),
        response: { 200: ShadowReport, ...errors },
      },
    }, async (req) => {
      const name = (req.params as { name: string }).name;
      const q = req.query as { since?: number; until?: number; tolerance?: number };
      const until = q.until ?? Date.now();
      const since = q.since ?? until - 24 * 3600_000;
      if (since > until) throw new DomainError('INVALID_INPUT', `since (${since}) is after until (${until}).`);
      const current = (await deployments.get(name)).config.variants.filter((v) => v.role === 'shadow');
      const counts = shadows.countsFor(name);
      const live = new Set(deployments.isReady(name) ? deployments.table(name).shadows.map((v) => v.name) : []);
      const names = [...new Set([...current.map((v) => v.name), ...counts.keys()])];
      const report = [];
      for (const variant of names) {
        const conf = current.find((v) => v.name === variant);
        let agreement: ReturnType<AgreementCounter['result']> & { truncated: boolean } | undefined;
        if (predictions?.shadow) {
          const counter = new AgreementCounter(q.tolerance ?? DEFAULT_AGREEMENT_TOLERANCE);
          let after: { ts: number; id: number } | undefined;
          let seen = 0;
          let truncated = false;
          for (;;) {
            const page = await predictions.shadow.pairs(name, variant, { shadows: names, since, until, after, limit: AGREEMENT_PAGE });
            for (const pair of page) counter.add(pair.answered_outputs, pair.shadow_outputs);
            seen += page.length;
            if (page.length < AGREEMENT_PAGE) break;
            if (seen >= AGREEMENT_MAX_PAIRS) {
              truncated = true;
              break;
            }
            after = { ts: page[page.length - 1]!.ts, id: page[page.length - 1]!.id };
          }
          agreement = { ...counter.result(), truncated };
        }
        report.push({
          variant,
          configured: conf !== undefined,
          loaded: live.has(variant),
          sample: conf?.sample ?? 1,
          counts: counts.get(variant) ?? { mirrored: 0, completed: 0, failed: 0, shed: 0 },
          ...(agreement ? { agreement } : {}),
        });
      }
      return { deployment: name, since, until, queue: shadows.queueStats(name), shadows: report };
    });

    if (predictions) {
      api.get('/api/v1/deployments/:name/predictions', {
        schema: {
          tags,
          summary: "A deployment's logged predictions, newest first, paged",
          params: NameParams,
          querystring: Type.Object({
            since: Type.Optional(Type.Integer({ minimum: 0, description: 'ms since epoch, inclusive' })),
            until: Type.Optional(Type.Integer({ minimum: 0, description: 'ms since epoch, exclusive' })),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
            pageToken: Type.Optional(Type.String({ maxLength: 256 })),
          }, { additionalProperties: false }),
          response: { 200: Type.Object({ predictions: Type.Array(PredictionSchema), nextPageToken: Type.Optional(Type.String()) }), ...errors },
        },
      }, async (req) => {
        const q = req.query as { since?: number; until?: number; limit?: number; pageToken?: string };
        const limit = q.limit ?? 100;
        const rows = await predictions.repo.list((req.params as { name: string }).name, { since: q.since, until: q.until, before: decodeCursor(q.pageToken), limit: limit + 1 });
        const page = rows.slice(0, limit);
        return { predictions: page.map(toPrediction), ...(rows.length > limit ? { nextPageToken: encodeCursor(page[page.length - 1]!) } : {}) };
      });

      api.get('/api/v1/predictions/:inferenceId', {
        schema: {
          tags,
          summary: 'A logged prediction by inference id',
          params: Type.Object({ inferenceId: Type.String({ minLength: 1, maxLength: 256 }) }),
          response: { 200: PredictionSchema, ...errors },
        },
      }, async (req) => {
        const id = (req.params as { inferenceId: string }).inferenceId;
        const rows = await predictions.repo.getByInferenceId(id);
        if (rows.length === 0) throw new DomainError('NOT_FOUND', `No prediction with inference id '${id}'.`);
        return toPrediction(rows[rows.length - 1]!);
      });
    }
  });

  // ---- Open Inference Protocol v2 -----------------------------------------------------------------
  await app.register(async (oip) => {
    oip.setErrorHandler(oipErrorHandler);
    oip.get('/v2/health/live', async () => ({ live: true }));
    oip.get('/v2/health/ready', async (_req, reply) => reply.status(deployments.ready ? 200 : 503).send({ ready: deployments.ready }));
    oip.get('/v2/models/:name', { schema: { params: NameParams } }, async (req) => {
      const table = await deployments.tableOrLoad((req.params as { name: string }).name);
      const sig = table.primary.loaded.signature;
      return {
        name: table.name,
        versions: [...new Set(table.variants.map((v) => v.model.version))],
        platform: table.primary.runtime === 'onnx' ? 'onnxruntime' : 'http',
        inputs: sig.inputs.map(oipTensorMeta),
        outputs: (sig.outputs ?? []).map(oipTensorMeta),
      };
    });
    oip.get('/v2/models/:name/ready', { schema: { params: NameParams } }, async (req, reply) => {
      const name = (req.params as { name: string }).name;
      await ensureLoaded(name)?.catch(() => undefined);
      const ready = deployments.isReady(name);
      if (ready === undefined) return reply.status(404).send({ error: `Deployment '${name}' does not exist.` });
      return reply.status(ready ? 200 : 503).send({ name, ready });
    });
    oip.post('/v2/models/:name/infer', { schema: { params: NameParams }, childLoggerFactory: parentLogger }, async (req, reply) => {
      const name = (req.params as { name: string }).name;
      let variant: LiveVariant | undefined;
      try {
        // On the hot path a served deployment costs a Map lookup and no await.
        const loading = ensureLoaded(name);
        if (loading) await loading;
        const decoded = decodeOipRequest(req.body);
        const ts = Date.now();
        const id = inferenceIdFor(req.headers, decoded.id, ts);
        // Pick and call without an await in between: a swap cannot unload the picked model first.
        const picked = pickVariant(deployments, req.headers, name);
        variant = picked.variant;
        const outputs = await core.runLogged(name, id, ts, variant, decoded.inputs, decoded.outputs ? { outputs: decoded.outputs } : undefined);
        const res = encodeOipResponseText({ modelName: name, modelVersion: variant.model.version, id, outputs, parameters: { variant: variant.name } });
        core.observe(name, variant.name, 200, reply.elapsedTime / 1000);
        reply.header(VARIANT_HEADER, variant.name).header(INFERENCE_ID_HEADER, id).type(JSON_TYPE).send(res);
        if (picked.table.shadows.length > 0) shadows.mirror(picked.table, id, ts, () => decoded.inputs, variant.name);
        return reply;
      } catch (e) {
        observeFailure(name, variant, e, reply);
        throw e;
      }
    });
  });

  // ---- MLflow scoring ------------------------------------------------------------------------------
  await app.register(async (mlflow) => {
    mlflow.setErrorHandler(mlflowErrorHandler);
    mlflow.addContentTypeParser('text/csv', { parseAs: 'string' }, (_req, body, done) => done(null, body));
    mlflow.get('/deployments/:name/ping', { schema: { params: NameParams } }, async (req, reply) => {
      await deployments.tableOrLoad((req.params as { name: string }).name);
      return reply.type('text/plain').send('\n');
    });
    mlflow.get('/deployments/:name/version', { schema: { params: NameParams } }, async (req) => {
      const table = await deployments.tableOrLoad((req.params as { name: string }).name);
      return {
        deployment: table.name,
        revision: table.revision,
        variants: table.variants.map((v) => ({ name: v.name, role: v.role, weight: v.weight, runtime: v.runtime, model: v.model })),
      };
    });
    mlflow.post('/deployments/:name/invocations', { schema: { params: NameParams }, childLoggerFactory: parentLogger }, async (req, reply) => {
      const name = (req.params as { name: string }).name;
      let variant: LiveVariant | undefined;
      try {
        // 404 (or 503 for a deployment that cannot load) before reading the body's format.
        const loading = ensureLoaded(name);
        if (loading) await loading;
        else deployments.table(name);
        const table = decodeInvocations(req.body, req.headers['content-type'] ?? 'application/json');
        const ts = Date.now();
        const id = inferenceIdFor(req.headers, undefined, ts);
        const picked = pickVariant(deployments, req.headers, name);
        variant = picked.variant;
        const inputs = tensorsFor(table, variant);
        const outputs = await core.runLogged(name, id, ts, variant, inputs);
        core.observe(name, variant.name, 200, reply.elapsedTime / 1000);
        reply.header(VARIANT_HEADER, variant.name).header(INFERENCE_ID_HEADER, id).send(encodeMlflowPredictions(outputs));
        if (picked.table.shadows.length > 0) {
          const answered = variant;
          // Each shadow gets the caller's table as its own signature reads it (built off the request path).
          shadows.mirror(picked.table, id, ts, (v) => (v.loaded.signature === answered.loaded.signature ? inputs : tensorsFor(table, v)), answered.name);
        }
        return reply;
      } catch (e) {
        observeFailure(name, variant, e, reply);
        throw e;
      }
    });
  });
}

export type { Deployment };
