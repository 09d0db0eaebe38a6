import { DomainError } from '@flywheel/contract';
import type { Principal } from './org.types.js';

/** The caller must be logged in; anonymous access (even 'full') never changes people or teams. */
export function requireUser(actor: Principal | null | undefined, action: string): Principal {
  if (!actor) throw new DomainError('UNAUTHENTICATED', `Log in to ${action}: send an API token (Authorization: Bearer fw_…), basic credentials, or log in at POST /api/v1/auth/login.`);
  return actor;
}

/** The caller must be a platform admin. */
export function requireAdmin(actor: Principal | null | undefined, action: string): Principal {
  const p = requireUser(actor, action);
  if (!p.isAdmin) throw new DomainError('NOT_ALLOWED', `Only a platform admin may ${action}; '${p.username}' is not one.`);
  return p;
}
