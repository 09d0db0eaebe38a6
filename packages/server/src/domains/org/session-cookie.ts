import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Principal } from './org.types.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The caller, set by http/auth.ts; null when anonymous (or when no auth plugin is registered). */
    principal: Principal | null;
  }
}

/** The caller of a request: null when anonymous. */
export const callerOf = (req: FastifyRequest): Principal | null => req.principal ?? null;

/** Name of the web session cookie. */
export const SESSION_COOKIE = 'fw_session';

/** The value of one cookie of the request, or undefined. */
export function readCookie(req: FastifyRequest, name: string): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      const v = part.slice(eq + 1).trim();
      try {
        return decodeURIComponent(v);
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/**
 * Sets the session cookie. HttpOnly: page scripts cannot read it. SameSite=Lax: other sites cannot
 * send it with their forms or scripts' POSTs (CSRF), yet links into the UI keep the user logged in.
 * Secure when the request came over https — directly, or through a proxy that sets
 * X-Forwarded-Proto when Fastify's trustProxy is on; over plain http a Secure cookie would never
 * be sent back, so local use keeps working.
 */
export function setSessionCookie(req: FastifyRequest, reply: FastifyReply, token: string, maxAgeMs: number): void {
  const parts = [`${SESSION_COOKIE}=${encodeURIComponent(token)}`, 'Path=/', 'HttpOnly', 'SameSite=Lax', `Max-Age=${Math.max(0, Math.floor(maxAgeMs / 1000))}`];
  if (req.protocol === 'https') parts.push('Secure');
  reply.header('set-cookie', parts.join('; '));
}

export function clearSessionCookie(req: FastifyRequest, reply: FastifyReply): void {
  setSessionCookie(req, reply, '', 0);
}
