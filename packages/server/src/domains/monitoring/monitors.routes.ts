import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { DomainError, ErrorResponse } from '@flywheel/contract';
import type { MonitorsService } from './monitors.service.js';
import { parseTime } from './monitors.validation.js';

const errors = { 400: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };
const tags = ['monitoring'];
const Id = Type.Object({ id: Type.String({ minLength: 1, maxLength: 100 }) });
const Body = Type.Unknown({ description: 'A monitor definition (see the monitoring README): {deployment, reference, window?, inputs?, features?, prediction?, score?, positiveLabel?, task?, sensitive?, drift?, driftShare?, name?}' });
const DEFAULT_RANGE_MS = 7 * 86_400_000;

const actorOf = (req: FastifyRequest): string | undefined => (req as { principal?: { username?: string } | null }).principal?.username;

/** Monitors: definitions, on-demand evaluation of a window, and their metric points. */
export async function monitorsRoutes(app: FastifyInstance, deps: { monitors: MonitorsService }): Promise<void> {
  const { monitors } = deps;

  app.post('/api/v1/monitors', { schema: { tags, summary: 'Create a monitor of a deployment', body: Body, response: { 201: Type.Unknown(), 400: ErrorResponse } } }, async (req, reply) =>
    reply.status(201).send(await monitors.create(req.body, actorOf(req))),
  );

  app.get('/api/v1/monitors', {
    schema: { tags, summary: 'List monitors', querystring: Type.Object({ deployment: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) }) },
  }, async (req) => ({ monitors: await monitors.list((req.query as { deployment?: string }).deployment) }));

  app.get('/api/v1/monitors/:id', { schema: { tags, summary: 'One monitor', params: Id, response: errors } }, async (req) => monitors.get((req.params as { id: string }).id));

  app.put('/api/v1/monitors/:id', { schema: { tags, summary: 'Replace a monitor definition (the deployment cannot change)', params: Id, body: Body, response: errors } }, async (req) =>
    monitors.update((req.params as { id: string }).id, req.body),
  );

  app.delete('/api/v1/monitors/:id', { schema: { tags, summary: 'Delete a monitor and its metric points', params: Id, response: { 204: Type.Null(), ...errors } } }, async (req, reply) => {
    await monitors.delete((req.params as { id: string }).id);
    return reply.status(204).send();
  });

  app.post('/api/v1/monitors/:id/evaluate', {
    schema: { tags, summary: 'Evaluate a window now: the report (overall and per variant); its metric points replace earlier ones of the same window', params: Id, body: Type.Unknown({ description: '{since, until}: ms since epoch or ISO-8601' }), response: errors },
  }, async (req) => monitors.evaluate((req.params as { id: string }).id, req.body ?? {}));

  app.get('/api/v1/monitors/:id/metrics', {
    schema: {
      tags,
      summary: "A metric's points, oldest window first",
      description: 'column / variant / group: omitted = any; the literal `null` = only points without one. since/until (window end, ms or ISO-8601): default the last 7 days.',
      params: Id,
      querystring: Type.Object({
        metric: Type.String({ minLength: 1, maxLength: 200 }),
        column: Type.Optional(Type.String({ maxLength: 500 })),
        variant: Type.Optional(Type.String({ maxLength: 200 })),
        group: Type.Optional(Type.String({ maxLength: 500 })),
        since: Type.Optional(Type.String()),
        until: Type.Optional(Type.String()),
      }),
      response: errors,
    },
  }, async (req) => {
    const q = req.query as Record<string, string | undefined>;
    const until = q.until === undefined ? Date.now() + 1 : parseTime(q.until, 'until');
    const since = q.since === undefined ? until - DEFAULT_RANGE_MS : parseTime(q.since, 'since');
    if (!(until > since)) throw new DomainError('INVALID_INPUT', 'until must be after since', { field: 'until' });
    const nullable = (v: string | undefined) => (v === 'null' ? null : v);
    const points = await monitors.metrics((req.params as { id: string }).id, { metric: q.metric!, column: nullable(q.column), variant: nullable(q.variant), group: nullable(q.group), since, until });
    return { points };
  });
}
