import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import type { FrontDoor } from '../../http/app.js';
import { authGateOf, type AuthGate } from '../../http/auth.js';
import { checkStructure } from '../../http/json-body.js';
import { INFERENCE_ID_HEADER, VARIANT_HEADER, type DeploymentsService, type LiveVariant } from './deployments.service.js';
import { inferenceIdFor, type InferenceCore, mlflowErrorBody, oipErrorBody, pickVariant, statusOf, tensorsFor } from './inference.js';
import { decodeInvocations, encodeMlflowPredictions } from './mlflow-invocations-codec.js';
import { decodeOipRequest, encodeOipResponseText } from './oip-codec.js';
import type { ShadowMirror } from './shadow.js';

export interface FastPathDeps {
  deployments: DeploymentsService;
  core: InferenceCore;
  shadows: ShadowMirror;
  logger: FastifyBaseLogger;
}

const OIP_PREFIX = '/v2/models/';
const OIP_SUFFIX = '/infer';
const MLFLOW_PREFIX = '/deployments/';
const MLFLOW_SUFFIX = '/invocations';
const JSON_TYPE = 'application/json; charset=utf-8';
/** Names as the routes' params schema takes them (1–128 characters); anything Fastify would decode or refuse is left to it. */
const MAX_NAME = 128;

type Kind = 'oip' | 'mlflow';

/** Requests the fast path took (answered itself, or replayed through Fastify), since start. */
export interface FastPathStats {
  taken: number;
  replayed: number;
}
const statsOf = new WeakMap<object, FastPathStats>();

/** The counts of the fast path on `app`'s server, if it has one (tests, diagnostics). */
export function fastPathStats(app: FastifyInstance): FastPathStats | undefined {
  return statsOf.get(app.server);
}

/** `{kind, name}` for `POST /v2/models/:name/infer` and `POST /deployments/:name/invocations` with a plain name, else undefined. */
function match(url: string): { kind: Kind; name: string } | undefined {
  let kind: Kind;
  let name: string;
  if (url.startsWith(OIP_PREFIX) && url.endsWith(OIP_SUFFIX)) {
    kind = 'oip';
    name = url.slice(OIP_PREFIX.length, url.length - OIP_SUFFIX.length);
  } else if (url.startsWith(MLFLOW_PREFIX) && url.endsWith(MLFLOW_SUFFIX)) {
    kind = 'mlflow';
    name = url.slice(MLFLOW_PREFIX.length, url.length - MLFLOW_SUFFIX.length);
  } else return undefined;
  // Percent-escapes, query strings and extra segments take Fastify's router (it decodes and matches them).
  if (name.length === 0 || name.length > MAX_NAME || /[/%?#]/.test(name)) return undefined;
  return { kind, name };
}

/** A JSON body of a declared length within the limit: anything else (CSV, chunked, too large) is Fastify's. */
function plainJsonBody(req: IncomingMessage, limit: number): boolean {
  const h = req.headers;
  const type = h['content-type'];
  if (type === undefined) return false;
  const t = type.toLowerCase();
  if (t !== 'application/json' && t !== 'application/json; charset=utf-8') return false;
  if (h['transfer-encoding'] !== undefined) return false;
  const len = h['content-length'];
  if (len === undefined || !/^\d{1,10}$/.test(len)) return false;
  return Number(len) <= limit;
}

/**
 * The inference requests' path around Fastify: `POST /v2/models/:name/infer` and `POST
 * /deployments/:name/invocations` with a JSON body, for a deployment this process serves, run on
 * the raw node:http request. Fastify's per-request work (routing, request/reply objects, hook
 * chains, content-type parsing, reply serialization) cost more CPU than the model and the log
 * together on a small model; this path does only what the routes do, through the same calls
 * (`InferenceCore`, the codecs, `pickVariant`, the shadow mirror) and the same auth gate.
 *
 * Everything else goes to Fastify untouched (body unread): another method, path or content type,
 * a percent-encoded name, a chunked or too large body, a deployment not loaded here (Fastify loads
 * it or answers 404/503), Basic credentials (their failed-attempt count must run once), and a
 * refused caller (Fastify refuses it with the same gate). A body that is not plain JSON (malformed,
 * NaN tokens, forbidden keys) is replayed through Fastify (`app.inject`), which answers it exactly
 * as the routes do.
 */
export function inferenceFastPath(app: FastifyInstance, deps: FastPathDeps): FrontDoor & { drain(): Promise<void> } {
  const { deployments, core, shadows, logger } = deps;
  const limit = app.initialConfig.bodyLimit ?? 1024 * 1024;
  // Requests taken and not yet answered. Closing waits for them: the server stops waiting once their
  // callers hang up, and what they log must reach the log before it closes.
  let inFlight = 0;
  const stats: FastPathStats = { taken: 0, replayed: 0 };
  statsOf.set(app.server, stats);
  let drained: (() => void)[] = [];
  const done = (): void => {
    if (--inFlight === 0 && drained.length) {
      for (const d of drained) d();
      drained = [];
    }
  };

  /** Reads the body, then serves the request (after admission). */
  const serve = (req: IncomingMessage, res: ServerResponse, kind: Kind, name: string, started: number): void => {
    const chunks: Buffer[] = [];
    inFlight++;
    stats.taken++;
    let ended = false;
    req.on('data', (c: Buffer) => chunks.push(c));
    // A caller gone before its body arrived: nothing to answer.
    req.on('close', () => {
      if (!ended) done();
    });
    req.on('end', () => {
      ended = true;
      const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      const text = body.toString('utf8');
      let parsed: unknown;
      if (text.trim() === '') parsed = {}; // as the app's JSON parser reads an empty body
      else {
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = undefined;
        }
        if (parsed === undefined || checkStructure(parsed) !== null) {
          stats.replayed++;
          replay(req, res, body).finally(done);
          return;
        }
      }
      (kind === 'oip' ? oip(req, res, name, parsed, started) : mlflow(req, res, name, parsed, started))
        .catch((err: unknown) => {
          // Never an unhandled rejection on the hot path: the connection is closed rather than the process.
          logger.error({ err }, 'inference fast path failed');
          res.destroy();
        })
        .finally(done);
    });
  };

  /** Fastify answers a body this path does not parse: its JSON parser's lenient and error paths stay the only ones. */
  const replay = (req: IncomingMessage, res: ServerResponse, body: Buffer): Promise<void> =>
    app
      .inject({ method: 'POST', url: req.url!, headers: req.headers, payload: body, remoteAddress: req.socket.remoteAddress ?? '127.0.0.1' })
      .then(
        (r) => {
          const headers: OutgoingHttpHeaders = {};
          for (const [k, v] of Object.entries(r.headers)) if (k !== 'connection' && k !== 'keep-alive' && k !== 'date' && k !== 'transfer-encoding' && v !== undefined) headers[k] = v;
          res.writeHead(r.statusCode, headers).end(r.rawPayload);
        },
        (err: unknown) => {
          logger.error({ err }, 'inference request replay failed');
          res.destroy();
        },
      );

  const reply = (res: ServerResponse, status: number, body: string, variant: string | undefined, id: string | undefined): void => {
    const headers: string[] = ['content-type', JSON_TYPE, 'content-length', String(Buffer.byteLength(body))];
    if (variant !== undefined) headers.push(VARIANT_HEADER, variant);
    if (id !== undefined) headers.push(INFERENCE_ID_HEADER, id);
    res.writeHead(status, headers);
    res.end(body);
  };

  const fail = (req: IncomingMessage, res: ServerResponse, kind: Kind, name: string, variant: LiveVariant | undefined, e: unknown, started: number): void => {
    // Something threw after the answer went out (a shadow copy): log it; a second answer cannot be written.
    if (res.headersSent) {
      logger.error({ err: e, reqId: req.headers['x-request-id'] }, 'error after the inference answer was sent');
      return;
    }
    core.observeFailure(name, variant, e, (performance.now() - started) / 1000);
    const status = statusOf(e);
    const err = e as Error;
    if (status >= 500) logger.error({ err, reqId: req.headers['x-request-id'] }, kind === 'oip' ? 'inference failed' : 'invocation failed');
    reply(res, status, JSON.stringify(kind === 'oip' ? oipErrorBody(err, status) : mlflowErrorBody(err, status)), variant?.name, undefined);
  };

  const oip = async (req: IncomingMessage, res: ServerResponse, name: string, body: unknown, started: number): Promise<void> => {
    let variant: LiveVariant | undefined;
    try {
      const decoded = decodeOipRequest(body);
      const ts = Date.now();
      const id = inferenceIdFor(req.headers, decoded.id, ts);
      // Pick and call without an await in between: a swap cannot unload the picked model first.
      const picked = pickVariant(deployments, req.headers, name);
      variant = picked.variant;
      const outputs = await core.runLogged(name, id, ts, variant, decoded.inputs, decoded.outputs ? { outputs: decoded.outputs } : undefined);
      const text = encodeOipResponseText({ modelName: name, modelVersion: variant.model.version, id, outputs, parameters: { variant: variant.name } });
      core.observe(name, variant.name, 200, (performance.now() - started) / 1000);
      reply(res, 200, text, variant.name, id);
      if (picked.table.shadows.length > 0) shadows.mirror(picked.table, id, ts, () => decoded.inputs, variant.name);
    } catch (e) {
      fail(req, res, 'oip', name, variant, e, started);
    }
  };

  const mlflow = async (req: IncomingMessage, res: ServerResponse, name: string, body: unknown, started: number): Promise<void> => {
    let variant: LiveVariant | undefined;
    try {
      // 404 (or 503) before reading the body's format, as the route does.
      deployments.table(name);
      const table = decodeInvocations(body, req.headers['content-type'] ?? 'application/json');
      const ts = Date.now();
      const id = inferenceIdFor(req.headers, undefined, ts);
      const picked = pickVariant(deployments, req.headers, name);
      variant = picked.variant;
      const inputs = tensorsFor(table, variant);
      const outputs = await core.runLogged(name, id, ts, variant, inputs);
      const text = JSON.stringify(encodeMlflowPredictions(outputs));
      core.observe(name, variant.name, 200, (performance.now() - started) / 1000);
      reply(res, 200, text, variant.name, id);
      if (picked.table.shadows.length > 0) {
        const answered = variant;
        shadows.mirror(picked.table, id, ts, (v) => (v.loaded.signature === answered.loaded.signature ? inputs : tensorsFor(table, v)), answered.name);
      }
    } catch (e) {
      fail(req, res, 'mlflow', name, variant, e, started);
    }
  };

  /** Admission through the app's auth gate, as its onRequest hook decides: a promise while credentials resolve, 'fastify' to leave the request to Fastify. */
  const admit = (gate: AuthGate | undefined, req: IncomingMessage): boolean | Promise<boolean> | 'fastify' => {
    if (gate === undefined) return true; // no auth registered on this app: Fastify's routes run no check either
    const h = req.headers;
    const auth = h.authorization;
    if ((auth === undefined || auth === '') && h.cookie === undefined) return gate.admitAnonymous(req).ok || 'fastify';
    if (auth !== undefined && /^basic(\s|$)/i.test(auth)) return 'fastify';
    return gate.admit({ method: req.method, url: req.url, headers: h, ip: req.socket.remoteAddress ?? '' }).then((a) => a.ok);
  };

  const door: FrontDoor = (req, res, fastify) => {
    const started = performance.now();
    const m = req.method === 'POST' ? match(req.url!) : undefined;
    if (m === undefined || !plainJsonBody(req, limit) || deployments.isReady(m.name) !== true) return fastify(req, res);
    const admitted = admit(authGateOf(app), req);
    if (admitted === true) return serve(req, res, m.kind, m.name, started);
    if (admitted === 'fastify' || admitted === false) return fastify(req, res);
    // Credentials to resolve (a token, a session): the body waits in the socket meanwhile.
    admitted.then(
      (ok) => (ok ? serve(req, res, m.kind, m.name, started) : fastify(req, res)),
      () => fastify(req, res),
    );
  };
  return Object.assign(door, {
    /** Resolves once every request this path took is answered (or its caller gone). */
    drain: (): Promise<void> => (inFlight === 0 ? Promise.resolve() : new Promise<void>((r) => drained.push(r))),
  });
}
