import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { DomainError, ErrorResponse } from '@flywheel/contract';
import { accessOf, type AnonymousMode, type TeamLink } from '../org/access.js';
import { CATALOG_KINDS, type CatalogKind, type CatalogService } from './catalog.service.js';

const Item = Type.Object({
  kind: Type.String(),
  name: Type.String(),
  description: Type.String(),
  team: Type.Union([Type.String(), Type.Null()]),
  visibility: Type.Union([Type.String(), Type.Null()]),
  path: Type.String(),
  updatedAt: Type.Union([Type.Number(), Type.Null()]),
  matched: Type.Array(Type.String()),
});

/** `GET /api/v1/catalog/search?q=&kind=&maxResults=`: only what the caller may read. */
export async function catalogRoutes(app: FastifyInstance, deps: { catalog: CatalogService; anonymous: AnonymousMode; teamTree: () => Promise<TeamLink[]> }): Promise<void> {
  app.get('/api/v1/catalog/search', {
    schema: {
      tags: ['catalog'],
      summary: 'Search projects, models, datasets, deployments, pipelines and experiments by name, description, owner team and tags',
      querystring: Type.Object(
        {
          q: Type.String({ minLength: 1, maxLength: 200 }),
          kind: Type.Optional(Type.String({ maxLength: 200, description: `comma-separated: ${CATALOG_KINDS.join(', ')}` })),
          maxResults: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
        },
        { additionalProperties: false },
      ),
      response: { 200: Type.Object({ items: Type.Array(Item), total: Type.Integer() }), 400: ErrorResponse, 401: ErrorResponse },
    },
  }, async (req) => {
    const q = req.query as { q: string; kind?: string; maxResults?: number };
    let kinds: CatalogKind[] | undefined;
    if (q.kind !== undefined) {
      kinds = q.kind.split(',').map((k) => k.trim()).filter(Boolean) as CatalogKind[];
      const bad = kinds.find((k) => !CATALOG_KINDS.includes(k));
      if (bad !== undefined) throw new DomainError('INVALID_INPUT', `kind '${bad}' is not one of ${CATALOG_KINDS.join(', ')}`);
    }
    return deps.catalog.search(accessOf(req, deps.anonymous, deps.teamTree), { q: q.q, kinds, maxResults: q.maxResults });
  });
}
