import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { DomainError, ErrorResponse } from '@flywheel/contract';
import { exportChunks } from './audit.export.js';
import type { AuditService } from './audit.service.js';
import type { AuditQuery } from './audit.types.js';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse };
const tags = ['audit'];

const Filters = {
  actor: Type.Optional(Type.String({ maxLength: 500 })),
  action: Type.Optional(Type.String({ maxLength: 500, description: "exact, or a prefix ending in '*' (project.*)" })),
  resource: Type.Optional(Type.String({ maxLength: 1000, description: 'type or type:id (project:churn)' })),
  team: Type.Optional(Type.String({ maxLength: 500 })),
  since: Type.Optional(Type.String({ maxLength: 40, description: 'ms since epoch or ISO date, inclusive' })),
  until: Type.Optional(Type.String({ maxLength: 40, description: 'ms since epoch or ISO date, exclusive' })),
};

export const AuditEntrySchema = Type.Object({
  seq: Type.Number(),
  ts: Type.Number(),
  actor: Type.String(),
  action: Type.String(),
  resourceType: Type.String(),
  resourceId: Type.String(),
  team: Type.Union([Type.String(), Type.Null()]),
  source: Type.Union([Type.String(), Type.Null()]),
  before: Type.Unknown(),
  after: Type.Unknown(),
  prevHash: Type.String(),
  hash: Type.String(),
});

/** The log shows every team's changes: a logged-in caller must be a platform admin (anonymous callers as the auth plugin allows). */
function requireAuditReader(req: FastifyRequest): void {
  if (req.principal && !req.principal.isAdmin) throw new DomainError('NOT_ALLOWED', 'Only platform admins may read the audit log.');
}

const filtersOf = (q: Record<string, string | undefined>): AuditQuery => ({ actor: q.actor, action: q.action, resource: q.resource, team: q.team, since: q.since, until: q.until });

/** The native audit API under /api/v1/audit: query, export, verify. */
export async function auditRoutes(app: FastifyInstance, deps: { audit: AuditService }): Promise<void> {
  const { audit } = deps;

  app.get('/api/v1/audit', {
    schema: {
      tags,
      summary: 'Audit entries, newest first',
      querystring: Type.Object({ ...Filters, maxResults: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })), pageToken: Type.Optional(Type.String({ maxLength: 200 })) }, { additionalProperties: false }),
      response: { 200: Type.Object({ entries: Type.Array(AuditEntrySchema), nextPageToken: Type.Optional(Type.String()) }), ...errors },
    },
  }, async (req) => {
    requireAuditReader(req);
    const q = req.query as Record<string, string | undefined> & { maxResults?: number };
    const page = await audit.list({ ...filtersOf(q), pageToken: q.pageToken, maxResults: q.maxResults });
    return { entries: page.items, ...(page.nextPageToken ? { nextPageToken: page.nextPageToken } : {}) };
  });

  app.get('/api/v1/audit/export', {
    schema: {
      tags,
      summary: 'Every matching entry, oldest first, as JSON lines or CSV',
      querystring: Type.Object({ ...Filters, format: Type.Optional(Type.Union([Type.Literal('jsonl'), Type.Literal('csv')])) }, { additionalProperties: false }),
    },
  }, async (req, reply) => {
    requireAuditReader(req);
    const q = req.query as Record<string, string | undefined>;
    const format = q.format === 'csv' ? 'csv' : 'jsonl';
    const filters = filtersOf(q);
    // Bad filters are refused before the first byte is sent (a stream cannot turn into a 400 later).
    await audit.list({ ...filters, maxResults: 1 });
    return reply
      .header('content-type', format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8')
      .header('content-disposition', `attachment; filename="audit.${format === 'csv' ? 'csv' : 'jsonl'}"`)
      .send(Readable.from(exportChunks(format, audit.entries(filters))));
  });

  app.get('/api/v1/audit/verify', {
    schema: {
      tags,
      summary: 'Recompute the hash chain; names the first broken entry',
      response: {
        200: Type.Object({
          ok: Type.Boolean(),
          checked: Type.Number(),
          lastSeq: Type.Number(),
          headHash: Type.String(),
          firstBrokenSeq: Type.Optional(Type.Number()),
          reason: Type.Optional(Type.String()),
        }),
        ...errors,
      },
    },
  }, async (req) => {
    requireAuditReader(req);
    return audit.verify();
  });
}
