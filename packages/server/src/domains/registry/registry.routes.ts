import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import {
  DomainError,
  ApprovalInput,
  ApprovalState,
  ErrorResponse,
  ModelCardInput,
  ModelCardRecord,
  ModelCardStatusInput,
  ModelSignature,
  ModelVersionDetail,
  NativeRegisteredModel,
  SignatureInput,
} from '@flywheel/contract';
import type { RegistryService } from './registry.service.js';
import { accessOf, type AnonymousMode } from '../org/access.js';

const errors = { 400: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };
const tags = ['registry'];

const ModelParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 1000 }) });
const VersionParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 1000 }), version: Type.String({ maxLength: 20 }) });
type VersionParams = { name: string; version: string };

/** A quoted string literal of the registry filter grammar. */
const quote = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/**
 * The native registry API under /api/v1/models: models and versions, and what the MLflow API
 * does not have: signatures, model cards and approvals. (The MLflow registry API is the other
 * adapter over the same service.)
 */
export async function registryRoutes(app: FastifyInstance, deps: { registry: RegistryService; anonymous?: AnonymousMode }): Promise<void> {
  const { registry } = deps;
  const anonymous = deps.anonymous ?? 'full';
  const access = (req: FastifyRequest) => accessOf(req, anonymous, () => registry.teamTree());
  // Every route on one model checks its caller against the model's owner (org/ACCESS.md): reads
  // need to see it; changes need a writing role in its team — except an approval decision, which
  // reviewers from any team that can see the model may give (the approval policy says whose count).
  app.addHook('preHandler', async (req) => {
    const name = (req.params as { name?: unknown } | undefined)?.name;
    if (typeof name !== 'string') return;
    const reading = req.method === 'GET' || req.method === 'HEAD' || /\/approval$/.test(req.routeOptions.url ?? '');
    await registry.guardModel(access(req), name, reading ? 'read' : 'write');
  });

  app.get('/api/v1/models', {
    schema: {
      tags,
      summary: 'Search registered models',
      querystring: Type.Object({
        search: Type.Optional(Type.String({ maxLength: 500, description: 'Case-insensitive substring of the model name' })),
        filter: Type.Optional(Type.String({ maxLength: 4096, description: "MLflow filter, e.g. tags.team = 'growth'" })),
        orderBy: Type.Optional(Type.Array(Type.String(), { maxItems: 10, description: 'e.g. name ASC, last_updated_timestamp DESC' })),
        maxResults: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
        pageToken: Type.Optional(Type.String({ maxLength: 1024 })),
      }),
      response: { 200: Type.Object({ models: Type.Array(NativeRegisteredModel), nextPageToken: Type.Optional(Type.String()) }), ...errors },
    },
  }, async (req) => {
    const q = req.query as { search?: string; filter?: string; orderBy?: string[]; maxResults?: number; pageToken?: string };
    const clauses = [q.filter?.trim(), q.search ? `name ILIKE ${quote(`%${q.search}%`)}` : undefined].filter((c): c is string => !!c);
    const page = await registry.searchRegisteredModels({
      filter: clauses.length ? clauses.join(' AND ') : undefined,
      orderBy: q.orderBy,
      maxResults: q.maxResults ?? 100,
      pageToken: q.pageToken,
      access: access(req),
    });
    return { models: page.items, ...(page.nextPageToken ? { nextPageToken: page.nextPageToken } : {}) };
  });

  app.get('/api/v1/models/:name', {
    schema: { tags, summary: 'Get a registered model', params: ModelParams, response: { 200: NativeRegisteredModel, ...errors } },
  }, async (req) => registry.getRegisteredModel((req.params as { name: string }).name));

  app.get('/api/v1/models/:name/versions/:version', {
    schema: {
      tags,
      summary: 'Get a model version with its signature, card status, approval status and aliases',
      params: VersionParams,
      response: { 200: ModelVersionDetail, ...errors },
    },
  }, async (req) => {
    const p = req.params as VersionParams;
    return registry.getModelVersionDetail(p.name, p.version);
  });

  // ---- signature

  app.get('/api/v1/models/:name/versions/:version/signature', {
    schema: { tags, summary: "A model version's input/output signature", params: VersionParams, response: { 200: ModelSignature, ...errors } },
  }, async (req) => {
    const p = req.params as VersionParams;
    return registry.getSignature(p.name, p.version);
  });

  app.put('/api/v1/models/:name/versions/:version/signature', {
    schema: {
      tags,
      summary: 'Set the signature by hand (replaces one read from the model)',
      params: VersionParams,
      body: SignatureInput,
      response: { 200: ModelSignature, ...errors },
    },
  }, async (req) => {
    const p = req.params as VersionParams;
    return registry.setSignature(p.name, p.version, req.body as SignatureInput);
  });

  // ---- model card

  app.get('/api/v1/models/:name/versions/:version/card', {
    schema: { tags, summary: "A model version's model card", params: VersionParams, response: { 200: ModelCardRecord, ...errors } },
  }, async (req) => {
    const p = req.params as VersionParams;
    return registry.getModelCard(p.name, p.version);
  });

  app.put('/api/v1/models/:name/versions/:version/card', {
    schema: {
      tags,
      summary: 'Create or replace the model card (a new card is Draft; editing an Approved one makes it Draft again)',
      params: VersionParams,
      body: ModelCardInput,
      response: { 200: ModelCardRecord, ...errors },
    },
  }, async (req) => {
    const p = req.params as VersionParams;
    const b = req.body as ModelCardInput;
    return registry.putModelCard(p.name, p.version, b.card, b.updatedBy);
  });

  app.post('/api/v1/models/:name/versions/:version/card/status', {
    schema: {
      tags,
      summary: 'Move the model card: Draft → PendingReview → Approved → Archived (PendingReview → Draft requests changes)',
      params: VersionParams,
      body: ModelCardStatusInput,
      response: { 200: ModelCardRecord, ...errors },
    },
  }, async (req) => {
    const p = req.params as VersionParams;
    const b = req.body as ModelCardStatusInput;
    return registry.transitionModelCard(p.name, p.version, b.status, b.updatedBy);
  });

  // ---- approval

  app.get('/api/v1/models/:name/versions/:version/approval', {
    schema: { tags, summary: 'The current approval decision and its history', params: VersionParams, response: { 200: ApprovalState, ...errors } },
  }, async (req) => {
    const p = req.params as VersionParams;
    return registry.getApproval(p.name, p.version);
  });

  app.post('/api/v1/models/:name/versions/:version/approval', {
    schema: {
      tags,
      summary: 'Approve or reject a model version (a rejection needs a reason)',
      params: VersionParams,
      body: ApprovalInput,
      response: { 201: ApprovalState, ...errors },
    },
  }, async (req, reply) => {
    const p = req.params as VersionParams;
    const b = req.body as ApprovalInput;
    // A reviewer is who signed in, not who the body names: nobody approves in someone else's name.
    const signedIn = req.principal?.username;
    if (signedIn !== undefined && b.decidedBy !== undefined && b.decidedBy !== signedIn) {
      throw new DomainError('NOT_ALLOWED', `decidedBy: you are signed in as '${signedIn}'; a decision is recorded under your own name.`);
    }
    if (signedIn === undefined && b.decidedBy === undefined) throw new DomainError('INVALID_INPUT', 'body.decidedBy is required when the caller is not signed in.');
    return reply.status(201).send(await registry.decideApproval(p.name, p.version, { ...b, decidedBy: signedIn ?? b.decidedBy }));
  });
}
