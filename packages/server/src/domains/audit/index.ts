/** Audit: the append-only, hash-chained log of every change, with query, export and verify. */
export { AuditService, parseInstant } from './audit.service.js';
export type { AuditDeps } from './audit.service.js';
export { AuditRepository } from './audit.repository.js';
export { auditMigrations, GENESIS_HASH } from './audit.migrations.js';
export { auditRoutes } from './audit.routes.js';
export { canonicalJson, entryHash } from './audit.chain.js';
export { changeContext, SYSTEM_CONTEXT } from './audit.context.js';
export type { ChangeContext } from './audit.context.js';
export type { AuditLog, AuditEntry, AuditEntryInput, AuditQuery, VerifyResult } from './audit.types.js';
