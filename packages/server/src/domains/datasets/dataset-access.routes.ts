import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { ErrorResponse } from '@flywheel/contract';
import { changeContext } from '../audit/index.js';
import { accessOf, type AnonymousMode } from '../org/access.js';
import type { DatasetAccessService } from './dataset-access.service.js';
import type { DatasetsService } from './datasets.service.js';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };
const tags = ['datasets'];
const NameParams = Type.Object({ name: Type.String({ maxLength: 300 }) });
const Expiry = {
  expiresAt: Type.Optional(Type.Union([Type.Integer({ minimum: 0 }), Type.String({ maxLength: 40 })], { description: 'ms since epoch or an ISO date' })),
  expiresInDays: Type.Optional(Type.Number({ exclusiveMinimum: 0 })),
};
const Grant = Type.Object({
  id: Type.Integer(),
  dataset: Type.String(),
  team: Type.Union([Type.String(), Type.Null()]),
  user: Type.Union([Type.String(), Type.Null()]),
  grantedBy: Type.String(),
  grantedAt: Type.Number(),
  expiresAt: Type.Union([Type.Number(), Type.Null()]),
});
const Sandbox = Type.Object({
  id: Type.Integer(),
  sandbox: Type.String(),
  source: Type.Object({ dataset: Type.String(), version: Type.Integer() }),
  ownerTeam: Type.Union([Type.String(), Type.Null()]),
  requestedBy: Type.String(),
  purpose: Type.String(),
  createdAt: Type.Number(),
  expiresAt: Type.Number(),
  destroyedAt: Type.Union([Type.Number(), Type.Null()]),
  destroyedBy: Type.Union([Type.String(), Type.Null()]),
  destroyedReason: Type.Union([Type.String(), Type.Null()]),
});

/** Read grants (/api/v1/datasets/:name/grants) and sandbox copies (/api/v1/datasets/:name/sandboxes, /api/v1/dataset-sandboxes). */
export async function datasetAccessRoutes(app: FastifyInstance, deps: { datasets: DatasetsService; access: DatasetAccessService; anonymous?: AnonymousMode }): Promise<void> {
  const { datasets, access: service } = deps;
  const anonymous = deps.anonymous ?? 'full';
  const access = (req: FastifyRequest) => accessOf(req, anonymous, () => datasets.teamTree());
  const name = (req: FastifyRequest) => (req.params as { name: string }).name;

  app.get('/api/v1/datasets/:name/grants', { schema: { tags, summary: 'Read grants on a dataset', params: NameParams, response: { 200: Type.Object({ grants: Type.Array(Grant) }), ...errors } } }, async (req) => ({
    grants: await service.grants(access(req), name(req)),
  }));
  app.post('/api/v1/datasets/:name/grants', {
    schema: {
      tags,
      summary: 'Grant reading a dataset to a team or a user (renews an existing grant); maintainers/admins of the owner team',
      params: NameParams,
      body: Type.Object({ team: Type.Optional(Type.String({ maxLength: 200 })), user: Type.Optional(Type.String({ maxLength: 200 })), ...Expiry }, { additionalProperties: false }),
      response: { 201: Grant, ...errors },
    },
  }, async (req, reply) => reply.status(201).send(await service.grant(changeContext(req), access(req), name(req), req.body)));
  app.delete('/api/v1/datasets/:name/grants/:id', { schema: { tags, summary: 'Revoke a read grant', params: Type.Object({ name: Type.String({ maxLength: 300 }), id: Type.Integer({ minimum: 1 }) }), response: { 204: Type.Null(), ...errors } } }, async (req, reply) => {
    await service.revoke(changeContext(req), access(req), name(req), (req.params as { id: number }).id);
    return reply.status(204).send();
  });

  app.post('/api/v1/datasets/:name/sandboxes', {
    schema: {
      tags,
      summary: "Copy a version into a private sandbox dataset of the caller's team, destroyed at its expiry (on record)",
      params: NameParams,
      body: Type.Object({ purpose: Type.String({ minLength: 1, maxLength: 2000 }), version: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.String({ maxLength: 20 })])), ownerTeam: Type.Optional(Type.String({ maxLength: 200 })), ...Expiry }, { additionalProperties: false }),
      response: { 201: Sandbox, ...errors },
    },
  }, async (req, reply) => reply.status(201).send(await service.createSandbox(changeContext(req), access(req), name(req), req.body)));
  app.get('/api/v1/dataset-sandboxes', { schema: { tags, summary: 'Sandbox copies (destroyed ones too: the record)', response: { 200: Type.Object({ sandboxes: Type.Array(Sandbox) }), ...errors } } }, async (req) => ({
    sandboxes: await service.sandboxes(access(req)),
  }));
  app.delete('/api/v1/dataset-sandboxes/:id', { schema: { tags, summary: 'Destroy a sandbox copy before its expiry', params: Type.Object({ id: Type.Integer({ minimum: 1 }) }), response: { 200: Sandbox, ...errors } } }, async (req) =>
    service.destroySandbox(changeContext(req), access(req), (req.params as { id: number }).id),
  );
}
