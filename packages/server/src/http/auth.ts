import { createHmac, randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, isDomainError } from '@flywheel/contract';
import { readCookie, SESSION_COOKIE, type OrgService, type Principal } from '../domains/org/index.js';
import { systemClock, type Clock } from '../lib/clock.js';

/**
 * What a request without credentials may do: `off` nothing but the public paths, `read` GETs and
 * the read-only searches, `full` everything a logged-in admin could (single-user local use).
 */
export type AnonymousAccess = 'off' | 'read' | 'full';

/**
 * Secure by default: a server that listens on loopback only serves the one person at the machine,
 * so anonymous access is full (two commands to a working local setup); any other address —
 * including 0.0.0.0 and :: — reaches the network, so anonymous access is off unless configured.
 *
 * @example
 *   anonymousDefault('127.0.0.1') // 'full'
 *   anonymousDefault('0.0.0.0')   // 'off'
 */
export function anonymousDefault(host: string): AnonymousAccess {
  const h = host.trim().toLowerCase().replace(/^\[(.*)\]$/, '$1');
  const loopback = h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h) || /^::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
  return loopback ? 'full' : 'off';
}

/** Paths that answer without credentials in every mode (probes, metrics scrapes, logging in and out). */
export const PUBLIC_PATHS: ReadonlySet<string> = new Set(['/health', '/ready', '/version', '/metrics', '/api/v1/auth/login', '/api/v1/auth/logout']);

/** Where the web UI asks who the caller is; it answers anonymous callers too. */
const SESSION_PATH = '/api/v1/auth/session';

/** The web UI's page and assets hold no data: the login page must load for anyone. Its API calls are checked as usual. */
const isWebUiPath = (path: string): boolean => path === '/' || path === '/ui' || path.startsWith('/ui/');

/** POSTs that only read (MLflow and native searches): allowed with `anonymous: 'read'`. */
const READ_ONLY_POST = /^(?:\/(?:ajax-)?api\/2\.0\/mlflow\/(?:runs|experiments|registered-models|model-versions|logged-models)\/search|\/api\/v1\/runs\/search)$/;
const MLFLOW_PATH = /^\/(ajax-)?api\/2\.0\/mlflow/;

export interface AuthOptions {
  org: OrgService;
  anonymous: AnonymousAccess;
  /**
   * How long verified basic credentials are remembered, in ms (default 60 s). MLflow clients send
   * username:password on every call; without the cache each call would pay scrypt (~100 ms).
   */
  basicCacheTtlMs?: number;
  /** Most remembered basic credentials (default 1000; the oldest is dropped first). */
  basicCacheSize?: number;
  clock?: Clock;
}

/** The outcome of reading a request's credentials. */
export type Resolution =
  | { kind: 'user'; principal: Principal; via: 'bearer' | 'basic' | 'session' }
  | { kind: 'anonymous'; staleSession: boolean }
  | { kind: 'refused'; message: string; status?: 401 | 429 };

interface CachedBasic {
  userId: number;
  passwordHash: string | undefined;
  expiresAt: number;
}

/**
 * Resolves the caller of a request from `Authorization: Bearer <fw_ token>` (MLFLOW_TRACKING_TOKEN),
 * `Authorization: Basic` (MLFLOW_TRACKING_USERNAME/PASSWORD; the password may also be an API
 * token) or the session cookie, in that order. Credentials that are present but wrong are
 * refused, never downgraded to anonymous; a stale session cookie is ignored.
 */
export class CallerResolver {
  private readonly basic = new Map<string, CachedBasic>();
  // The cache is keyed by an HMAC under a per-process key, so a dump of it is useless offline.
  private readonly cacheKey = randomBytes(32);
  private readonly ttl: number;
  private readonly size: number;
  private readonly clock: Clock;

  constructor(private readonly org: OrgService, opts: { basicCacheTtlMs?: number | undefined; basicCacheSize?: number | undefined; clock?: Clock | undefined } = {}) {
    this.ttl = opts.basicCacheTtlMs ?? 60_000;
    this.size = opts.basicCacheSize ?? 1000;
    this.clock = opts.clock ?? systemClock;
  }

  async resolve(req: CallerRequest): Promise<Resolution> {
    const header = req.headers.authorization;
    if (header !== undefined && header !== '') {
      const sp = header.indexOf(' ');
      const scheme = (sp < 0 ? header : header.slice(0, sp)).toLowerCase();
      const value = sp < 0 ? '' : header.slice(sp + 1).trim();
      if (scheme === 'bearer') return this.bearer(value);
      if (scheme === 'basic') return this.basicAuth(value, req.ip);
      return { kind: 'refused', message: `Unsupported Authorization scheme '${scheme.slice(0, 20)}': use Bearer <API token> or Basic.` };
    }
    // readCookie reads only the headers, which a raw request has too.
    const cookie = readCookie(req as FastifyRequest, SESSION_COOKIE);
    if (cookie) {
      const userId = await this.org.resolveSession(cookie);
      const principal = userId === undefined ? undefined : await this.org.principal(userId);
      if (principal) return { kind: 'user', principal, via: 'session' };
      return { kind: 'anonymous', staleSession: true };
    }
    return { kind: 'anonymous', staleSession: false };
  }

  /** Forgets every remembered basic credential (tests; after a bulk change of users). */
  clearCache(): void {
    this.basic.clear();
  }

  private async bearer(token: string): Promise<Resolution> {
    if (!token) return { kind: 'refused', message: 'Empty bearer token.' };
    const r = await this.org.resolveToken(token);
    if ('refused' in r) return { kind: 'refused', message: r.refused };
    const principal = await this.org.principal(r.userId);
    if (!principal) return { kind: 'refused', message: 'The API token belongs to a disabled or removed account.' };
    return { kind: 'user', principal, via: 'bearer' };
  }

  private async basicAuth(value: string, source: string): Promise<Resolution> {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon < 1) return { kind: 'refused', message: 'Malformed basic credentials: expected base64 of username:password.' };
    const username = decoded.slice(0, colon);
    const password = decoded.slice(colon + 1);
    const key = createHmac('sha256', this.cacheKey).update(username).update('\0').update(password).digest('hex');
    const now = this.clock.now();
    const hit = this.basic.get(key);
    if (hit && hit.expiresAt > now) {
      // Re-read the user each time: disabling an account or changing its password takes effect at once.
      const principal = await this.org.principal(hit.userId, hit.passwordHash === undefined ? {} : { passwordHash: hit.passwordHash });
      if (principal) return { kind: 'user', principal, via: 'basic' };
    }
    this.basic.delete(key);
    let userId: number;
    let passwordHash: string | undefined;
    if (password.startsWith('fw_')) {
      // MLFLOW_TRACKING_PASSWORD may hold an API token; it must belong to the named user.
      const r = await this.org.resolveToken(password);
      if ('refused' in r) return { kind: 'refused', message: r.refused };
      userId = r.userId;
    } else {
      try {
        const row = await this.org.checkPassword(username, password, source);
        userId = row.id;
        passwordHash = row.password_hash;
      } catch (e) {
        if (isDomainError(e)) return { kind: 'refused', message: e.message, ...(e.code === 'TOO_MANY_REQUESTS' ? { status: 429 as const } : {}) };
        throw e;
      }
    }
    const principal = await this.org.principal(userId, passwordHash === undefined ? {} : { passwordHash });
    if (!principal || principal.username !== username) return { kind: 'refused', message: 'Wrong username or password.' };
    if (this.basic.size >= this.size) this.basic.delete(this.basic.keys().next().value!);
    this.basic.set(key, { userId, passwordHash, expiresAt: now + this.ttl });
    return { kind: 'user', principal, via: 'basic' };
  }
}

/** What the auth gate reads of a request: a FastifyRequest, or a raw node:http request (inference fast path). */
export interface CallerRequest {
  method?: string | undefined;
  url?: string | undefined;
  headers: IncomingHttpHeaders;
  ip: string;
}

/** True when `req` only reads: GET/HEAD/OPTIONS, or one of the search POSTs. */
export function isReadRequest(req: Pick<CallerRequest, 'method' | 'url'>): boolean {
  if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS') return true;
  return req.method === 'POST' && READ_ONLY_POST.test((req.url ?? '').split('?')[0] ?? '');
}

function unauthenticated(req: FastifyRequest, reply: FastifyReply, message: string, status: 401 | 429 = 401) {
  const path = req.url.split('?')[0] ?? '';
  const code = status === 429 ? 'TOO_MANY_REQUESTS' : 'UNAUTHENTICATED';
  // No Basic challenge: a browser would pop up its own login dialog over the web UI.
  if (status === 401) reply.header('www-authenticate', 'Bearer realm="flywheel"');
  reply.status(status);
  if (MLFLOW_PATH.test(path)) return reply.send({ error_code: status === 429 ? 'REQUEST_LIMIT_EXCEEDED' : 'UNAUTHENTICATED', message });
  return reply.send({ error: { code, message } });
}

/**
 * Resolves the caller of every request into `req.principal` (null when anonymous) and refuses
 * what anonymous callers may not do under `anonymous`. Call it on the root app (not inside a
 * plugin scope) before `app.ready()`: a root onRequest hook covers every route, including the
 * ones registered earlier. Routes decide what a logged-in caller may do; this plugin only
 * decides who is calling.
 *
 * @example
 *   const app = await createApp(opts);
 *   const resolver = registerAuth(app, { org, anonymous: config.auth?.anonymous ?? anonymousDefault(config.server.host) });
 */
export function registerAuth(app: FastifyInstance, opts: AuthOptions): CallerResolver {
  const resolver = new CallerResolver(opts.org, { basicCacheTtlMs: opts.basicCacheTtlMs, basicCacheSize: opts.basicCacheSize, clock: opts.clock });
  const gate = new AuthGate(resolver, opts.anonymous);
  gates.set(app.server, gate);
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (req, reply) => {
    const path = req.url.split('?')[0] ?? '';
    if (PUBLIC_PATHS.has(path) || isWebUiPath(path)) return;
    const a = await gate.admit(req);
    if (a.ok) {
      if (a.principal) req.principal = a.principal;
      return;
    }
    // The UI's first question (who am I?) is answered to anyone: anonymous is an answer, not an error.
    if (path === SESSION_PATH) return;
    return unauthenticated(req, reply, a.message, a.status);
  });
  return resolver;
}

/** The gate's decision for one request: admitted (with the caller, null when anonymous) or refused. */
export type Admission = { ok: true; principal: Principal | null } | { ok: false; message: string; status: 401 | 429 };

const ANONYMOUS: Admission = { ok: true, principal: null };

/**
 * Who may call, decided once for the Fastify hook and for request paths that run before Fastify's
 * routing (the inference fast path): both call `admit`, so a caller is checked the same way on either.
 */
export class AuthGate {
  constructor(
    readonly resolver: CallerResolver,
    readonly anonymous: AnonymousAccess,
  ) {}

  /** A request without credentials (no Authorization, no cookie): decided without a promise. */
  admitAnonymous(req: Pick<CallerRequest, 'method' | 'url'>, staleSession = false): Admission {
    if (this.anonymous === 'full' || (this.anonymous === 'read' && isReadRequest(req))) return ANONYMOUS;
    const how = 'send an API token (Authorization: Bearer fw_…, or MLFLOW_TRACKING_TOKEN), basic credentials (MLFLOW_TRACKING_USERNAME/PASSWORD), or log in at POST /api/v1/auth/login';
    const message = staleSession
      ? 'Your session has expired; log in again.'
      : this.anonymous === 'read'
        ? `Authentication required to change anything on this server: ${how}.`
        : `Authentication required: ${how}.`;
    return { ok: false, message, status: 401 };
  }

  /** Resolves the caller's credentials, then applies the anonymous policy to a caller without any. */
  async admit(req: CallerRequest): Promise<Admission> {
    const h = req.headers;
    if ((h.authorization === undefined || h.authorization === '') && h.cookie === undefined) return this.admitAnonymous(req);
    const r = await this.resolver.resolve(req);
    if (r.kind === 'refused') return { ok: false, message: r.message, status: r.status ?? 401 };
    if (r.kind === 'user') return { ok: true, principal: r.principal };
    return this.admitAnonymous(req, r.staleSession);
  }
}

/** The gate registered on each server (keyed by the node:http server every scope of an app shares). */
const gates = new WeakMap<object, AuthGate>();

/** The auth gate `registerAuth` put on `app`'s server, if any: paths outside Fastify's hooks must apply it. */
export function authGateOf(app: FastifyInstance): AuthGate | undefined {
  return gates.get(app.server);
}

/** For routes: the caller, or UNAUTHENTICATED. */
export function requirePrincipal(req: FastifyRequest): Principal {
  if (!req.principal) throw new DomainError('UNAUTHENTICATED', 'Authentication required.');
  return req.principal;
}
