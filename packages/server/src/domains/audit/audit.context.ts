import type { FastifyRequest } from 'fastify';
import type { Principal } from '../org/index.js';

/** Who and where a change came from, as the audit log records it. */
export interface ChangeContext {
  actor: string;
  source: string | null;
  principal: Principal | null;
}

/** The caller of `req` (username, or 'anonymous' when no credentials were sent) and its address. */
export function changeContext(req: FastifyRequest): ChangeContext {
  const principal = req.principal ?? null;
  return { actor: principal?.username ?? 'anonymous', source: req.ip ?? null, principal };
}

/** For changes the platform makes on its own (timers, migrations). */
export const SYSTEM_CONTEXT: ChangeContext = { actor: 'system', source: null, principal: null };
