import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { ErrorResponse } from '@flywheel/contract';
import { changeContext } from '../audit/index.js';
import type { ProjectsService } from './projects.service.js';
import {
  ChecklistSchema,
  CreateProjectBody,
  OutcomeBody,
  OutcomePointSchema,
  ProjectSchema,
  SeriesSchema,
  StageBody,
  StageChangeSchema,
  StageSchema,
  UpdateProjectBody,
} from './projects.schemas.js';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };
const tags = ['projects'];
const NameParams = Type.Object({ name: Type.String({ maxLength: 200 }) });

/** The native projects API under /api/v1/projects. */
export async function projectsRoutes(app: FastifyInstance, deps: { projects: ProjectsService }): Promise<void> {
  const { projects } = deps;
  const nameOf = (req: { params: unknown }) => (req.params as { name: string }).name;

  app.get('/api/v1/projects', {
    schema: {
      tags,
      summary: 'List projects by name; overdue=true lists POCs past their end date',
      querystring: Type.Object({
        stage: Type.Optional(StageSchema),
        team: Type.Optional(Type.String({ maxLength: 200 })),
        overdue: Type.Optional(Type.Boolean()),
        maxResults: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
        pageToken: Type.Optional(Type.String({ maxLength: 1024 })),
      }, { additionalProperties: false }),
      response: { 200: Type.Object({ projects: Type.Array(ProjectSchema), nextPageToken: Type.Optional(Type.String()) }), ...errors },
    },
  }, async (req) => {
    const page = await projects.list(req.query as Parameters<ProjectsService['list']>[0]);
    return { projects: page.items, ...(page.nextPageToken ? { nextPageToken: page.nextPageToken } : {}) };
  });

  app.post('/api/v1/projects', {
    schema: { tags, summary: 'Create a project (stage idea) with its business case', body: CreateProjectBody, response: { 201: ProjectSchema, ...errors } },
  }, async (req, reply) => reply.status(201).send(await projects.create(changeContext(req), req.body)));

  app.get('/api/v1/projects/:name', {
    schema: { tags, summary: 'Get a project', params: NameParams, response: { 200: ProjectSchema, ...errors } },
  }, async (req) => projects.get(nameOf(req)));

  app.patch('/api/v1/projects/:name', {
    schema: { tags, summary: 'Change a project; businessCase is merged field by field', params: NameParams, body: UpdateProjectBody, response: { 200: ProjectSchema, ...errors } },
  }, async (req) => projects.update(changeContext(req), nameOf(req), req.body));

  app.delete('/api/v1/projects/:name', {
    schema: { tags, summary: 'Delete a project (its stage history and outcomes go with it; the audit log keeps them)', params: NameParams, response: { 204: Type.Null(), ...errors } },
  }, async (req, reply) => {
    await projects.delete(changeContext(req), nameOf(req));
    return reply.status(204).send();
  });

  app.get('/api/v1/projects/:name/gate', {
    schema: {
      tags,
      summary: 'The gate checklist of moving to a stage, without moving',
      params: NameParams,
      querystring: Type.Object({ to: StageSchema }, { additionalProperties: false }),
      response: { 200: ChecklistSchema, ...errors },
    },
  }, async (req) => projects.gate(nameOf(req), (req.query as { to: string }).to));

  app.post('/api/v1/projects/:name/stage', {
    schema: {
      tags,
      summary: 'Move to a stage; 409 with the checklist (details.checklist) when a gate condition is unmet',
      params: NameParams,
      body: StageBody,
      response: { 200: Type.Object({ project: ProjectSchema, checklist: ChecklistSchema }), ...errors },
    },
  }, async (req) => projects.changeStage(changeContext(req), nameOf(req), req.body));

  app.get('/api/v1/projects/:name/history', {
    schema: { tags, summary: 'Stage changes, oldest first, each with the checklist it passed', params: NameParams, response: { 200: Type.Object({ changes: Type.Array(StageChangeSchema) }), ...errors } },
  }, async (req) => ({ changes: await projects.history(nameOf(req)) }));

  app.post('/api/v1/projects/:name/outcomes', {
    schema: { tags, summary: 'Record a measurement of a business outcome (default: the success metric)', params: NameParams, body: OutcomeBody, response: { 201: OutcomePointSchema, ...errors } },
  }, async (req, reply) => reply.status(201).send(await projects.recordOutcome(changeContext(req), nameOf(req), req.body)));

  app.get('/api/v1/projects/:name/outcomes', {
    schema: {
      tags,
      summary: 'A metric over time against the target (default: the success metric)',
      params: NameParams,
      querystring: Type.Object({
        metric: Type.Optional(Type.String({ maxLength: 250 })),
        since: Type.Optional(Type.String({ maxLength: 40 })),
        until: Type.Optional(Type.String({ maxLength: 40 })),
      }, { additionalProperties: false }),
      response: { 200: SeriesSchema, ...errors },
    },
  }, async (req) => projects.series(nameOf(req), req.query as { metric?: string; since?: string; until?: string }));
}
