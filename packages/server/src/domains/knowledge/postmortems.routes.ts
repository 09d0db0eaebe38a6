import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { ErrorResponse } from '@flywheel/contract';
import { changeContext } from '../audit/index.js';
import type { PostmortemsService } from './postmortems.service.js';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse };
const tags = ['postmortems'];
const IdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });
const Postmortem = Type.Object({
  id: Type.Integer(),
  kind: Type.String(),
  title: Type.String(),
  status: Type.String(),
  team: Type.Union([Type.String(), Type.Null()]),
  occurredAt: Type.Union([Type.Number(), Type.Null()]),
  sections: Type.Record(Type.String(), Type.String()),
  actionItems: Type.Array(Type.Object({ text: Type.String(), owner: Type.Union([Type.String(), Type.Null()]), done: Type.Boolean() })),
  links: Type.Record(Type.String(), Type.Array(Type.String())),
  createdBy: Type.String(),
  createdAt: Type.Number(),
  updatedAt: Type.Number(),
});
// Sections, action items and links are validated by the service, which names the field.
const Body = Type.Object(
  {
    kind: Type.Optional(Type.Union([Type.Literal('incident'), Type.Literal('success')])),
    title: Type.Optional(Type.String({ maxLength: 300 })),
    status: Type.Optional(Type.Union([Type.Literal('draft'), Type.Literal('published')])),
    team: Type.Optional(Type.Union([Type.String({ maxLength: 200 }), Type.Null()])),
    occurredAt: Type.Optional(Type.Union([Type.Number(), Type.String({ maxLength: 40 }), Type.Null()])),
    summary: Type.Optional(Type.String()),
    impact: Type.Optional(Type.String()),
    timeline: Type.Optional(Type.String()),
    rootCause: Type.Optional(Type.String()),
    whatWentWell: Type.Optional(Type.String()),
    whatWentWrong: Type.Optional(Type.String()),
    lessons: Type.Optional(Type.String()),
    actionItems: Type.Optional(Type.Array(Type.Unknown())),
    links: Type.Optional(Type.Record(Type.String(), Type.Array(Type.Union([Type.String(), Type.Integer()])))),
  },
  { additionalProperties: false },
);

/** /api/v1/postmortems: write, change, read and list postmortems of incidents and successes. */
export async function postmortemsRoutes(app: FastifyInstance, deps: { postmortems: PostmortemsService }): Promise<void> {
  const { postmortems } = deps;
  const id = (req: { params: unknown }) => (req.params as { id: number }).id;
  app.post('/api/v1/postmortems', { schema: { tags, summary: 'Write a postmortem (kind incident or success) linked to projects, deployments, alerts, incidents', body: Body, response: { 201: Postmortem, ...errors } } }, async (req, reply) =>
    reply.status(201).send(await postmortems.create(changeContext(req), req.body)),
  );
  app.get('/api/v1/postmortems', {
    schema: {
      tags,
      summary: 'Postmortems, newest first',
      querystring: Type.Object(
        {
          kind: Type.Optional(Type.String({ maxLength: 20 })),
          team: Type.Optional(Type.String({ maxLength: 200 })),
          status: Type.Optional(Type.Union([Type.Literal('draft'), Type.Literal('published')])),
          project: Type.Optional(Type.String({ maxLength: 500 })),
          deployment: Type.Optional(Type.String({ maxLength: 500 })),
          alert: Type.Optional(Type.String({ maxLength: 500 })),
          incident: Type.Optional(Type.String({ maxLength: 500 })),
          maxResults: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
          pageToken: Type.Optional(Type.String({ maxLength: 200 })),
        },
        { additionalProperties: false },
      ),
      response: { 200: Type.Object({ postmortems: Type.Array(Postmortem), nextPageToken: Type.Optional(Type.String()) }), ...errors },
    },
  }, async (req) => {
    const page = await postmortems.list(req.query as Parameters<PostmortemsService['list']>[0]);
    return { postmortems: page.items, ...(page.nextPageToken ? { nextPageToken: page.nextPageToken } : {}) };
  });
  app.get('/api/v1/postmortems/:id', { schema: { tags, params: IdParams, response: { 200: Postmortem, ...errors } } }, async (req) => postmortems.get(id(req)));
  app.patch('/api/v1/postmortems/:id', { schema: { tags, summary: 'Change fields; sections merge, links and actionItems are replaced', params: IdParams, body: Body, response: { 200: Postmortem, ...errors } } }, async (req) =>
    postmortems.update(changeContext(req), id(req), req.body),
  );
}
