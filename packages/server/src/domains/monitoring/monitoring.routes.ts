import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { DomainError, ErrorResponse } from '@flywheel/contract';
import type { ActualsService } from './actuals.service.js';
import { ACTUALS_LIMITS, checkActual, parseActualsCsv, validateActualsBody, type ActualInput } from './actuals.validation.js';

const errors = { 400: ErrorResponse, 404: ErrorResponse, 413: ErrorResponse };
const tags = ['monitoring'];
const mimeOf = (header: string | undefined) => (header ?? '').split(';')[0]!.trim().toLowerCase();

const Value = Type.Unknown({ description: 'A label string, a number, a boolean, or an array of those' });
const IngestResultSchema = Type.Object({
  received: Type.Integer(),
  inserted: Type.Integer(),
  duplicates: Type.Integer({ description: 'Re-sent with the stored value: nothing changed' }),
  corrected: Type.Integer({ description: 'Re-sent with a different value: it replaced the stored one, which is kept as history' }),
  matched: Type.Integer({ description: 'Items whose prediction is in the log' }),
  unmatched: Type.Integer({ description: 'Items whose prediction is not (yet) in the log; stored all the same' }),
});
const ActualSchema = Type.Object({
  inferenceId: Type.String(),
  deployment: Type.Union([Type.String(), Type.Null()]),
  value: Value,
  timestamp: Type.Number({ description: 'ms since epoch: when the outcome happened' }),
  receivedAt: Type.Number(),
  updatedAt: Type.Number(),
  revision: Type.Integer(),
  matched: Type.Boolean(),
  history: Type.Array(Type.Object({ revision: Type.Integer(), value: Value, timestamp: Type.Number(), replacedAt: Type.Number() })),
});
const Counts = {
  predictions: Type.Integer({ description: 'Answered predictions in the window' }),
  withActuals: Type.Integer(),
  matchRate: Type.Union([Type.Number(), Type.Null()]),
};
const SummarySchema = Type.Object({
  deployment: Type.String(),
  since: Type.Number(),
  until: Type.Number(),
  ...Counts,
  unmatchedActuals: Type.Integer({ description: 'Actuals naming this deployment, outcome time in the window, with no prediction logged' }),
  unmatchedUntagged: Type.Integer({ description: 'Actuals naming no deployment, outcome time in the window, with no prediction logged' }),
  variants: Type.Array(Type.Object({ variant: Type.String(), ...Counts })),
});

/** The actuals API: ingest (JSON or CSV), one actual, and a deployment's match summary. Own plugin scope (adds a CSV parser). */
export async function monitoringRoutes(app: FastifyInstance, deps: { actuals: ActualsService }): Promise<void> {
  const { actuals } = deps;
  app.addContentTypeParser('text/csv', { parseAs: 'string' }, (_req, body, done) => done(null, body));

  app.post('/api/v1/actuals', {
    schema: {
      tags,
      summary: 'Post ground truth keyed by inference id (a batch, idempotent)',
      description:
        `JSON {actuals: [{inferenceId, value, timestamp?, deployment?}]} or text/csv with a header inference_id,value[,timestamp][,deployment]; at most ${ACTUALS_LIMITS.maxBatch} per request, ` +
        'stored in one transaction (a bad item rejects the whole batch, naming it). timestamp: ms since epoch or ISO-8601 (default: now). ' +
        'Same id and value again: a duplicate, nothing changes. Same id with another value: a correction (it becomes current; the old value is kept as history). ' +
        'Actuals whose prediction is not logged yet are stored and counted as unmatched.',
      querystring: Type.Object({ deployment: Type.Optional(Type.String({ minLength: 1, maxLength: ACTUALS_LIMITS.deploymentMaxLength, description: 'Default deployment for items that name none' })) }),
      response: { 200: IngestResultSchema, ...errors },
    },
  }, async (req) => {
    const mime = mimeOf(req.headers['content-type']);
    let items: ActualInput[];
    if (mime === 'text/csv') items = parseActualsCsv(req.body as string);
    else if (mime === 'application/json') items = validateActualsBody(req.body);
    else throw new DomainError('INVALID_INPUT', `Invalid content-type '${mime || '(none)'}': send application/json {actuals: [...]} or text/csv with a header inference_id,value[,timestamp]`);
    const dep = (req.query as { deployment?: string }).deployment;
    if (dep !== undefined) items = items.map((i, n) => (i.deployment === undefined ? checkActual({ ...i, deployment: dep }, `actuals[${n}]`) : i));
    return actuals.ingest(items);
  });

  app.get('/api/v1/actuals/:inferenceId', {
    schema: {
      tags,
      summary: 'One actual: its current value, revision, history of corrections, and whether its prediction is logged',
      params: Type.Object({ inferenceId: Type.String({ minLength: 1, maxLength: ACTUALS_LIMITS.inferenceIdMaxLength }) }),
      response: { 200: ActualSchema, ...errors },
    },
  }, async (req) => actuals.get((req.params as { inferenceId: string }).inferenceId));

  app.get('/api/v1/deployments/:name/actuals/summary', {
    schema: {
      tags,
      summary: "How much of a deployment's traffic has ground truth: predictions, with actuals, match rate (overall and per variant), unmatched actuals",
      params: Type.Object({ name: Type.String({ maxLength: 300 }) }),
      querystring: Type.Object({
        since: Type.Optional(Type.Integer({ minimum: 0, description: 'ms since epoch, inclusive (default: until − 24 h)' })),
        until: Type.Optional(Type.Integer({ minimum: 0, description: 'ms since epoch, exclusive (default: now)' })),
      }),
      response: { 200: SummarySchema, ...errors },
    },
  }, async (req) => {
    const q = req.query as { since?: number; until?: number };
    return actuals.summary((req.params as { name: string }).name, q);
  });
}
