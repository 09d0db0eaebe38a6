import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { ErrorResponse, Experiment, ViewType, type Metric, type Run } from '@flywheel/contract';
import type { TrackingService } from './tracking.service.js';
import { jsonDouble } from '../../lib/json-double.js';
import { accessOf, type AnonymousMode } from '../org/access.js';

const metricJson = (m: Metric) => ({ ...m, value: jsonDouble(m.value) });
const runJson = (r: Run) => ({ ...r, data: { ...r.data, metrics: r.data.metrics.map(metricJson) } });

const errors = { 400: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };
const tags = ['tracking'];

/** The native tracking API under /api/v1 (the MLflow API is the other adapter over the same service). */
export async function trackingRoutes(app: FastifyInstance, deps: { tracking: TrackingService; anonymous?: AnonymousMode }): Promise<void> {
  const { tracking } = deps;
  // What anonymous callers may read: 'full' (the loopback default) everything, as before ownership.
  const anonymous = deps.anonymous ?? 'full';
  const access = (req: FastifyRequest) => accessOf(req, anonymous, () => tracking.teamTree());

  app.get('/api/v1/experiments', {
    schema: {
      tags,
      summary: 'Search experiments',
      querystring: Type.Object({
        filter: Type.Optional(Type.String({ maxLength: 4096, description: "MLflow filter, e.g. name LIKE 'churn%'" })),
        orderBy: Type.Optional(Type.Array(Type.String(), { maxItems: 10 })),
        view: Type.Optional(ViewType),
        maxResults: Type.Optional(Type.Integer({ minimum: 1, maximum: 50000 })),
        pageToken: Type.Optional(Type.String({ maxLength: 1024 })),
      }),
      response: { 200: Type.Object({ experiments: Type.Array(Experiment), nextPageToken: Type.Optional(Type.String()) }), ...errors },
    },
  }, async (req) => {
    const q = req.query as { filter?: string; orderBy?: string[]; view?: 'ACTIVE_ONLY'; maxResults?: number; pageToken?: string };
    const page = await tracking.searchExperiments({ filter: q.filter, orderBy: q.orderBy, viewType: q.view, maxResults: q.maxResults ?? 100, pageToken: q.pageToken, access: access(req) });
    return { experiments: page.items, ...(page.nextPageToken ? { nextPageToken: page.nextPageToken } : {}) };
  });

  app.post('/api/v1/experiments', {
    schema: {
      tags,
      summary: 'Create an experiment',
      body: Type.Object({
        name: Type.String({ minLength: 1, maxLength: 500 }),
        tags: Type.Optional(Type.Array(Type.Object({ key: Type.String(), value: Type.String() }), { maxItems: 100 })),
        ownerTeam: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: "The owning team's name or id (default: the creator's only team)" })),
        visibility: Type.Optional(Type.Union([Type.Literal('private'), Type.Literal('internal')], { description: 'private (default with an owner team): the team and teams above it; internal: everyone logged in' })),
      }, { additionalProperties: false }),
      response: { 201: Experiment, ...errors },
    },
  }, async (req, reply) => {
    const body = req.body as { name: string; tags?: { key: string; value: string }[]; ownerTeam?: string; visibility?: string };
    const id = await tracking.createExperiment({ name: body.name, tags: body.tags, ownerTeam: body.ownerTeam, visibility: body.visibility, access: access(req) });
    return reply.status(201).send(await tracking.getExperiment(id));
  });

  app.get('/api/v1/experiments/:experimentId', {
    schema: { tags, summary: 'Get an experiment', params: Type.Object({ experimentId: Type.String() }), response: { 200: Experiment, ...errors } },
  }, async (req) => tracking.getExperiment((req.params as { experimentId: string }).experimentId, access(req)));

  app.post('/api/v1/runs/search', {
    schema: {
      tags,
      summary: 'Search runs with the MLflow filter grammar',
      body: Type.Object({
        experimentIds: Type.Array(Type.String(), { minItems: 1, maxItems: 100 }),
        filter: Type.Optional(Type.String({ maxLength: 8192 })),
        orderBy: Type.Optional(Type.Array(Type.String(), { maxItems: 10 })),
        view: Type.Optional(ViewType),
        maxResults: Type.Optional(Type.Integer({ minimum: 1, maximum: 50000 })),
        pageToken: Type.Optional(Type.String({ maxLength: 1024 })),
      }, { additionalProperties: false }),
    },
  }, async (req) => {
    const b = req.body as { experimentIds: string[]; filter?: string; orderBy?: string[]; view?: 'ALL'; maxResults?: number; pageToken?: string };
    const page = await tracking.searchRuns({ experimentIds: b.experimentIds, filter: b.filter, orderBy: b.orderBy, runViewType: b.view, maxResults: b.maxResults ?? 100, pageToken: b.pageToken, access: access(req) });
    return { runs: page.items.map(runJson), ...(page.nextPageToken ? { nextPageToken: page.nextPageToken } : {}) };
  });

  app.get('/api/v1/runs/:runId', {
    schema: { tags, summary: 'Get a run with its params, tags, latest metrics and inputs', params: Type.Object({ runId: Type.String() }) },
  }, async (req) => {
    const { runId } = req.params as { runId: string };
    await tracking.guardRun(access(req), runId, 'read');
    return runJson(await tracking.getRun(runId));
  });

  app.get('/api/v1/runs/:runId/metrics/:key/history', {
    schema: {
      tags,
      summary: "A metric's full history (paged)",
      params: Type.Object({ runId: Type.String(), key: Type.String() }),
      querystring: Type.Object({
        maxResults: Type.Optional(Type.Integer({ minimum: 1, maximum: 25000 })),
        pageToken: Type.Optional(Type.String({ maxLength: 1024 })),
      }),
    },
  }, async (req) => {
    const p = req.params as { runId: string; key: string };
    const q = req.query as { maxResults?: number; pageToken?: string };
    await tracking.guardRun(access(req), p.runId, 'read');
    const page = await tracking.getMetricHistory({ runId: p.runId, key: p.key, maxResults: q.maxResults, pageToken: q.pageToken });
    return { metrics: page.items.map(metricJson), ...(page.nextPageToken ? { nextPageToken: page.nextPageToken } : {}) };
  });
}
