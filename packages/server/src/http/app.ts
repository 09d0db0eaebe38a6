import type { IncomingMessage, ServerResponse } from 'node:http';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import swagger from '@fastify/swagger';
import { Ajv } from 'ajv';
import type { Logger } from 'pino';
import { ERROR_CATALOGUE, isDomainError, type ErrorCode } from '@flywheel/contract';
import { registerJsonBody } from './json-body.js';

/** Paths of the MLflow API (tracking and artifact proxy), which answers errors in MLflow's shape. */
const MLFLOW_PATH = /^\/(ajax-)?api\/2\.0\/mlflow/;

export interface AppOptions {
  logger: Logger;
  bodyLimitBytes: number;
  version: string;
  /** Readiness: every check must answer true for `/ready` to be 200. */
  readinessChecks: Record<string, () => Promise<boolean>>;
  /** True once shutdown has begun: responses then close their connection. */
  isClosing?: () => boolean;
  /** Trust X-Forwarded-* (behind a reverse proxy you run). */
  trustProxy?: boolean;
}

/** Fastify's own request handler, as a front door hands a request on to it. */
export type FastifyHandler = (req: IncomingMessage, res: ServerResponse) => void;

/**
 * A handler that sees every request before Fastify's routing and either answers it itself or hands
 * it on, untouched (body unread), to `fastify`. Fastify's hooks do not run for the requests it
 * answers: it must apply what they do for its paths itself (the auth gate: `authGateOf`). The app
 * skips it while closing (Fastify answers 503 / `connection: close`) and when debug logging is on
 * (the per-request log line is a hook).
 */
export type FrontDoor = (req: IncomingMessage, res: ServerResponse, fastify: FastifyHandler) => void;

const frontDoors = new WeakMap<object, (door: FrontDoor) => void>();

/**
 * Puts `door` in front of Fastify on the app's server, for hot paths whose per-request cost matters
 * more than Fastify's conveniences (inference). False when the app was not built by createApp (no
 * door then); one door per app: a second call throws.
 */
export function setFrontDoor(app: FastifyInstance, door: FrontDoor): boolean {
  const set = frontDoors.get(app.server);
  if (!set) return false;
  set(door);
  return true;
}

/** A native API error: `{"error": {"code": "NOT_FOUND", "message": "…"}}` with the catalogue's status. */
export function nativeErrorHandler(error: FastifyError | Error, req: FastifyRequest, reply: FastifyReply) {
  if (isDomainError(error)) {
    if (error.code === 'INTERNAL') req.log.error({ err: error }, 'internal error');
    return reply.status(error.status).send({ error: { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) } });
  }
  const fe = error as FastifyError;
  if (fe.validation) {
    const v = fe.validation[0];
    const field = v ? `${fe.validationContext ?? 'body'}${v.instancePath.replace(/\//g, '.')}` : fe.validationContext ?? 'request';
    const message = v?.keyword === 'required'
      ? `${field}.${String((v.params as { missingProperty?: string }).missingProperty)} is required`
      : v?.keyword === 'additionalProperties'
        ? `${field}.${String((v.params as { additionalProperty?: string }).additionalProperty)} is not a known field`
        : `${field} ${v?.message ?? 'is invalid'}`;
    return reply.status(400).send({ error: { code: 'INVALID_INPUT', message } });
  }
  if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
    const code: ErrorCode = fe.statusCode === 413 ? 'PAYLOAD_TOO_LARGE' : fe.statusCode === 404 ? 'NOT_FOUND' : 'INVALID_INPUT';
    return reply.status(fe.statusCode).send({ error: { code, message: fe.message } });
  }
  req.log.error({ err: error }, 'unhandled error');
  return reply.status(500).send({ error: { code: 'INTERNAL', message: ERROR_CATALOGUE.INTERNAL.summary } });
}

/**
 * The Fastify application shell: logging, JSON bodies, errors, health, readiness and the OpenAPI
 * document. Domains add their routes to it in main.ts.
 */
export async function createApp(opts: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: opts.logger as unknown as FastifyBaseLogger,
    bodyLimit: opts.bodyLimitBytes,
    trustProxy: opts.trustProxy ?? false,
    // Keep-alive sockets are closed as soon as they are idle during shutdown, in-flight ones finish.
    forceCloseConnections: 'idle',
    return503OnClosing: true,
    requestIdHeader: 'x-request-id',
    // Per-request lines are at debug level (hook below): at info they would dominate metric ingest.
    logController: new LogController({ disableRequestLogging: true }),
    // A path the router cannot decode (`%zz`, `%c0%ae`) is refused before any route runs; answer
    // it in the error shape of the API it was meant for, not Fastify's own.
    frameworkErrors: (error, req, res) => {
      const reply = res as FastifyReply;
      const path = req.url.split('?')[0] ?? '';
      const why = (error as FastifyError).code === 'FST_ERR_BAD_URL' ? 'it is not valid percent-encoded UTF-8.' : error.message;
      const message = `Invalid request path '${path}': ${why}`;
      if (MLFLOW_PATH.test(path)) return reply.status(400).send({ error_code: 'INVALID_PARAMETER_VALUE', message });
      return reply.status(400).send({ error: { code: 'INVALID_INPUT', message } });
    },
  });
  // The server calls Fastify's handler through a front door when one is set (see FrontDoor).
  let door: FrontDoor | undefined;
  const bypassDoor = opts.logger.isLevelEnabled('debug') ? () => true : () => opts.isClosing?.() === true;
  const server = app.server;
  const fastifyHandler = server.listeners('request')[0] as FastifyHandler | undefined;
  if (fastifyHandler) {
    server.removeListener('request', fastifyHandler);
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      if (door === undefined || bypassDoor()) fastifyHandler(req, res);
      else door(req, res, fastifyHandler);
    });
    frontDoors.set(server, (d) => {
      if (door) throw new Error('setFrontDoor: this app has a front door already.');
      door = d;
    });
  }
  // Query strings and path parameters arrive as text and are coerced to their schema's types;
  // JSON bodies are typed already, so a number where a string belongs is an error, not a guess.
  const coercing = new Ajv({ coerceTypes: 'array', useDefaults: true, removeAdditional: false, allErrors: false, strict: false });
  const strict = new Ajv({ coerceTypes: false, useDefaults: true, removeAdditional: false, allErrors: false, strict: false });
  app.setValidatorCompiler(({ schema, httpPart }) => (httpPart === 'body' ? strict : coercing).compile(schema));
  // Only at debug level: a hook runs on every request (the gateway's hot path) even when it logs nothing.
  if (opts.logger.isLevelEnabled('debug')) {
    app.addHook('onResponse', (req, reply, done) => {
      req.log.debug({ method: req.method, url: req.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 }, 'request');
      done();
    });
  }
  // During shutdown, a keep-alive connection is closed after the response it is finishing, so
  // closing waits for in-flight requests only, not for idle keep-alive timeouts.
  const isClosing = opts.isClosing;
  if (isClosing) {
    // Callback style: no promise per request.
    app.addHook('onSend', (_req, reply, payload, done) => {
      if (isClosing()) reply.header('connection', 'close');
      done(null, payload);
    });
  }
  registerJsonBody(app);
  app.setErrorHandler(nativeErrorHandler);
  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0] ?? '';
    if (MLFLOW_PATH.test(path)) {
      return reply.status(404).send({ error_code: 'ENDPOINT_NOT_FOUND', message: `No MLflow endpoint ${req.method} ${path}` });
    }
    return reply.status(404).send({ error: { code: 'NOT_FOUND', message: `No route ${req.method} ${path}` } });
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Flywheel API', version: opts.version, description: 'The native REST API of Flywheel. The MLflow-compatible API lives under /api/2.0/mlflow.' },
    },
    hideUntagged: true,
  });
  app.get('/api/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  // Liveness: the process answers. MLflow clients and load balancers probe /health.
  app.get('/health', { schema: { hide: true } }, async (_req, reply) => reply.type('text/plain').send('OK'));
  app.get('/version', { schema: { hide: true } }, async (_req, reply) => reply.type('text/plain').send(opts.version));
  // Readiness: the store and the artifact folder both work; 503 while either does not.
  app.get('/ready', { schema: { hide: true } }, async (_req, reply) => {
    const results: Record<string, boolean> = {};
    await Promise.all(Object.entries(opts.readinessChecks).map(async ([name, check]) => {
      results[name] = await check().catch(() => false);
    }));
    const ready = Object.values(results).every(Boolean);
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks: results });
  });
  return app;
}
