import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { ErrorResponse } from '@flywheel/contract';
import type { LabelingService } from './labeling.service.js';

const errors = { 400: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };
const tags = ['labeling'];
const Dep = Type.Object({ deployment: Type.String({ minLength: 1, maxLength: 300 }) });
const Item = Type.Object({ id: Type.Integer({ minimum: 1 }) });

/** The labeling queue: policy, sampling, claiming, labeling (→ actuals), skipping, stats. */
export async function labelingRoutes(app: FastifyInstance, deps: { labeling: LabelingService }): Promise<void> {
  const { labeling } = deps;
  app.put('/api/v1/labeling/:deployment/policy', {
    schema: { tags, summary: "Set a deployment's sampling policy", description: '{strategy: random | least_confident, share: (0, 1], stratifyByVariant?: true, scoreOutput?, maxItemsPerRun?: 1000, leaseSeconds?: 600}', params: Dep, body: Type.Unknown(), response: errors },
  }, async (req) => labeling.putPolicy((req.params as { deployment: string }).deployment, req.body));
  app.get('/api/v1/labeling/:deployment/policy', { schema: { tags, summary: "A deployment's sampling policy", params: Dep, response: errors } }, async (req) => labeling.policy((req.params as { deployment: string }).deployment));
  app.post('/api/v1/labeling/:deployment/sample', {
    schema: {
      tags, summary: 'Sample logged predictions of [since, until) into the queue (default: since the last run, until now)', params: Dep,
      body: Type.Optional(Type.Object({ since: Type.Optional(Type.Integer({ minimum: 0 })), until: Type.Optional(Type.Integer({ minimum: 0 })) }, { additionalProperties: false })), response: errors,
    },
  }, async (req) => labeling.sample((req.params as { deployment: string }).deployment, (req.body ?? {}) as { since?: number; until?: number }));
  app.get('/api/v1/labeling/:deployment/next', {
    schema: {
      tags, summary: 'Claim the next items to review (least confident / first drawn first), each reserved for the reviewer for the lease', params: Dep,
      querystring: Type.Object({ reviewer: Type.String({ minLength: 1, maxLength: 200 }), count: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 1 })), leaseSeconds: Type.Optional(Type.Integer({ minimum: 10, maximum: 7 * 24 * 3600 })) }),
      response: errors,
    },
  }, async (req) => {
    const q = req.query as { reviewer: string; count?: number; leaseSeconds?: number };
    return { items: await labeling.next((req.params as { deployment: string }).deployment, { count: q.count ?? 1, reviewer: q.reviewer, leaseSeconds: q.leaseSeconds }) };
  });
  app.get('/api/v1/labeling/:deployment/stats', { schema: { tags, summary: 'Queue counts (pending, claimed, labeled, skipped) overall, per variant and per reviewer', params: Dep, response: errors } }, async (req) => labeling.stats((req.params as { deployment: string }).deployment));
  app.get('/api/v1/labeling/items/:id', { schema: { tags, summary: 'One queue item with its prediction', params: Item, response: errors } }, async (req) => labeling.get((req.params as { id: number }).id));
  app.post('/api/v1/labeling/items/:id/label', {
    schema: { tags, summary: 'Label an item: the label becomes the actual of its inference id', params: Item, body: Type.Object({ label: Type.Unknown({ description: 'a label string, number, boolean or an array of those' }), reviewer: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false }), response: errors },
  }, async (req) => labeling.label((req.params as { id: number }).id, req.body as { label: unknown; reviewer: string }));
  app.post('/api/v1/labeling/items/:id/skip', {
    schema: { tags, summary: 'Skip an item (it leaves the queue without an actual)', params: Item, body: Type.Object({ reviewer: Type.String({ minLength: 1, maxLength: 200 }), reason: Type.Optional(Type.String({ maxLength: 1000 })) }, { additionalProperties: false }), response: errors },
  }, async (req) => labeling.skip((req.params as { id: number }).id, req.body as { reviewer: string; reason?: string }));
}
