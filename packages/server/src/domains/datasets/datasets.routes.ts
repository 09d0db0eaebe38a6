import type { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import {
  CreateDatasetRequest,
  Dataset,
  DATASET_LIMITS as L,
  Datasheet,
  DatasetVersion,
  DomainError,
  ErrorResponse,
  RegisterUriVersionRequest,
  RegisterVersionResponse,
} from '@flywheel/contract';
import { contentDisposition } from '../../artifacts/index.js';
import type { DatasetsService } from './datasets.service.js';
import { accessOf, type AnonymousMode } from '../org/access.js';

const errors = { 400: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse, 413: ErrorResponse };

/** A dataset with its owner (issue 6): `ownerTeam` is the owning team's id (null: shared), `visibility` private or internal. */
const OwnedDataset = Type.Object({
  ...Dataset.properties,
  ownerTeam: Type.Union([Type.Integer(), Type.Null()]),
  visibility: Type.Union([Type.Literal('private'), Type.Literal('internal')]),
});
const Ownership = {
  ownerTeam: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: "The owning team's name or id (default: the creator's only team)" })),
  visibility: Type.Optional(Type.Union([Type.Literal('private'), Type.Literal('internal')], { description: 'private (default with an owner team): the team and teams above it; internal: everyone logged in' })),
};
const tags = ['datasets'];

/** Content types whose body is a data file, streamed to the service untouched. */
const FILE_TYPES: Record<string, 'csv' | 'parquet' | undefined> = {
  'text/csv': 'csv',
  'application/vnd.apache.parquet': 'parquet',
  'application/octet-stream': undefined,
};
const DOWNLOAD_TYPES: Record<string, string> = { csv: 'text/csv; charset=utf-8', parquet: 'application/vnd.apache.parquet' };

const NameParams = Type.Object({ name: Type.String({ maxLength: 300 }) });
const VersionParams = Type.Object({
  name: Type.String({ maxLength: 300 }),
  version: Type.String({ maxLength: 20, description: "A version number or 'latest'" }),
});
const Paging = Type.Object({
  maxResults: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
  pageToken: Type.Optional(Type.String({ maxLength: 1024 })),
});

const isStream = (body: unknown): body is Readable => typeof (body as { pipe?: unknown } | null)?.pipe === 'function';
const mimeOf = (header: string | undefined) => (header ?? '').split(';')[0]!.trim().toLowerCase();

/** The native datasets API under /api/v1/datasets. Register it in its own plugin scope (it adds content-type parsers). */
export async function datasetsRoutes(app: FastifyInstance, deps: { datasets: DatasetsService; anonymous?: AnonymousMode }): Promise<void> {
  const { datasets } = deps;
  const anonymous = deps.anonymous ?? 'full';
  const access = (req: FastifyRequest) => accessOf(req, anonymous, () => datasets.teamTree());
  // Every route on one dataset checks its caller against the dataset's owner (org/ACCESS.md);
  // registering a version decides in its handler (it may create the dataset).
  app.addHook('preHandler', async (req) => {
    const name = (req.params as { name?: unknown } | undefined)?.name;
    if (typeof name !== 'string' || (req.method === 'POST' && req.routeOptions.url === '/api/v1/datasets/:name/versions')) return;
    await datasets.guardDataset(access(req), name, req.method === 'GET' || req.method === 'HEAD' ? 'read' : 'write');
  });

  // Uploads are streamed to a temp file by the service, never buffered here.
  app.addContentTypeParser(Object.keys(FILE_TYPES), (_req, payload, done) => done(null, payload));

  app.get('/api/v1/datasets', {
    schema: {
      tags,
      summary: 'List datasets by name',
      querystring: Paging,
      response: { 200: Type.Object({ datasets: Type.Array(OwnedDataset), nextPageToken: Type.Optional(Type.String()) }), ...errors },
    },
  }, async (req) => {
    const q = req.query as { maxResults?: number; pageToken?: string };
    const page = await datasets.listDatasets({ ...q, access: access(req) });
    return { datasets: page.items, ...(page.nextPageToken ? { nextPageToken: page.nextPageToken } : {}) };
  });

  app.post('/api/v1/datasets', {
    schema: {
      tags,
      summary: 'Create a dataset',
      body: Type.Object({ ...CreateDatasetRequest.properties, ...Ownership }, { additionalProperties: false }),
      response: { 201: OwnedDataset, ...errors },
    },
  }, async (req, reply) => {
    const b = req.body as { name: string; description?: string; ownerTeam?: string; visibility?: string };
    return reply.status(201).send(await datasets.createDataset(b.name, b.description, { ownerTeam: b.ownerTeam, visibility: b.visibility, access: access(req) }));
  });

  app.get('/api/v1/datasets/:name', {
    schema: { tags, summary: 'Get a dataset', params: NameParams, response: { 200: OwnedDataset, ...errors } },
  }, async (req) => datasets.getDataset((req.params as { name: string }).name));

  app.get('/api/v1/datasets/:name/versions', {
    schema: {
      tags,
      summary: "List a dataset's versions, newest first",
      params: NameParams,
      querystring: Paging,
      response: { 200: Type.Object({ versions: Type.Array(DatasetVersion), nextPageToken: Type.Optional(Type.String()) }), ...errors },
    },
  }, async (req) => {
    const q = req.query as { maxResults?: number; pageToken?: string };
    const page = await datasets.listVersions((req.params as { name: string }).name, q);
    return { versions: page.items, ...(page.nextPageToken ? { nextPageToken: page.nextPageToken } : {}) };
  });

  app.get('/api/v1/datasets/:name/versions/:version', {
    schema: { tags, summary: 'Get a version with its schema, profile and datasheet', params: VersionParams, response: { 200: DatasetVersion, ...errors } },
  }, async (req) => {
    const p = req.params as { name: string; version: string };
    return datasets.getVersion(p.name, p.version);
  });

  app.post('/api/v1/datasets/:name/versions', {
    schema: {
      tags,
      summary: 'Register a version: upload a CSV or Parquet file as the body, or send JSON {uri, schema?, rowCount?} for data stored elsewhere',
      description:
        'File uploads: content-type text/csv, application/vnd.apache.parquet or application/octet-stream (then format= or a filename ending in .csv/.parquet). ' +
        'The dataset is created if it does not exist. Identical content registered before answers 200 with created=false and the existing version.',
      params: NameParams,
      querystring: Type.Object({
        format: Type.Optional(Type.String({ maxLength: 20, description: 'csv or parquet' })),
        filename: Type.Optional(Type.String({ maxLength: L.filenameMaxLength })),
        sourceUri: Type.Optional(Type.String({ maxLength: L.sourceUriMaxLength })),
        createdBy: Type.Optional(Type.String({ maxLength: L.createdByMaxLength })),
        ...Ownership,
      }),
      response: { 200: RegisterVersionResponse, 201: RegisterVersionResponse, ...errors },
    },
  }, async (req, reply) => {
    const name = (req.params as { name: string }).name;
    const q = req.query as { format?: string; filename?: string; sourceUri?: string; createdBy?: string; ownerTeam?: string; visibility?: string };
    // An existing dataset needs a writing role; a new one is owned as a create would own it.
    const owner = await datasets.ownerForRegistration(access(req), name, { ownerTeam: q.ownerTeam, visibility: q.visibility });
    const mime = mimeOf(req.headers['content-type']);
    let result;
    if (mime in FILE_TYPES) {
      const body = req.body;
      const declared = Number(req.headers['content-length']);
      try {
        // A declared size over the cap is refused before a byte is read; the rest is counted as it streams.
        if (declared > datasets.maxUploadBytes) {
          throw new DomainError('PAYLOAD_TOO_LARGE', `Invalid file: a dataset upload may be at most ${datasets.maxUploadBytes} bytes; this one declares ${declared}. Register larger data by URI (JSON {uri}).`, { limit: datasets.maxUploadBytes });
        }
        result = await datasets.registerVersion({
          name,
          file: isStream(body) ? { stream: body, filename: q.filename } : { buffer: Buffer.alloc(0), filename: q.filename },
          format: q.format ?? FILE_TYPES[mime],
          sourceUri: q.sourceUri,
          createdBy: q.createdBy,
          owner,
        });
      } catch (e) {
        // The unread rest of an oversized body is not worth waiting for: close after the answer.
        if (e instanceof DomainError && e.code === 'PAYLOAD_TOO_LARGE') void reply.header('connection', 'close');
        throw e;
      }
    } else if (mime === 'application/json') {
      const b = req.body as Partial<RegisterUriVersionRequest> | null;
      if (b === null || typeof b !== 'object' || Array.isArray(b)) throw new DomainError('INVALID_INPUT', 'Invalid body: expected a JSON object {uri, schema?, rowCount?, contentHash?, datasheet?}.');
      const known = new Set(Object.keys(RegisterUriVersionRequest.properties));
      const unknown = Object.keys(b).find((k) => !known.has(k));
      if (unknown !== undefined) throw new DomainError('INVALID_INPUT', `body.${unknown} is not a known field`);
      if (b.uri === undefined) throw new DomainError('INVALID_INPUT', 'body.uri is required (or upload a file with content-type text/csv or application/vnd.apache.parquet)');
      result = await datasets.registerVersionFromUri({
        name,
        uri: b.uri,
        schema: b.schema,
        rowCount: b.rowCount,
        contentHash: b.contentHash,
        datasheet: b.datasheet,
        createdBy: q.createdBy,
        owner,
      });
    } else {
      throw new DomainError('INVALID_INPUT', `Invalid content-type '${mime || '(none)'}': upload a file as text/csv, application/vnd.apache.parquet or application/octet-stream, or send application/json {uri}.`);
    }
    return reply.status(result.created ? 201 : 200).send(result);
  });

  app.put('/api/v1/datasets/:name/versions/:version/datasheet', {
    schema: {
      tags,
      summary: 'Set or replace the datasheet of a version (Gebru et al. sections); the only change a version allows',
      params: VersionParams,
      body: Datasheet,
      response: { 200: DatasetVersion, ...errors },
    },
  }, async (req) => {
    const p = req.params as { name: string; version: string };
    return datasets.setDatasheet(p.name, p.version, req.body);
  });

  app.get('/api/v1/datasets/:name/versions/:version/download', {
    schema: { tags, summary: 'Download the stored file of a version', params: VersionParams },
  }, async (req, reply) => {
    const p = req.params as { name: string; version: string };
    const f = await datasets.openVersionFile(p.name, p.version);
    return reply
      .header('content-type', DOWNLOAD_TYPES[f.format] ?? 'application/octet-stream')
      .header('content-length', f.size)
      .header('content-disposition', contentDisposition(f.filename))
      .header('x-content-type-options', 'nosniff')
      .send(f.stream);
  });
}
