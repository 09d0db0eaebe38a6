import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { ErrorResponse } from '@flywheel/contract';
import type { AbService } from './ab.service.js';
import type { FeedbackService } from './feedback.service.js';
import { FEEDBACK_LIMITS, QUALITY_METRICS, checkFeedbackName, validateFeedbackBody } from './feedback.validation.js';

const errors = { 400: ErrorResponse, 404: ErrorResponse, 413: ErrorResponse };
const tags = ['monitoring'];
const Interval = Type.Union([Type.Tuple([Type.Number(), Type.Number()]), Type.Null()]);
const Nullable = <T extends ReturnType<typeof Type.Number>>(t: T) => Type.Union([t, Type.Null()]);

const IngestSchema = Type.Object({
  received: Type.Integer(),
  inserted: Type.Integer(),
  duplicates: Type.Integer({ description: 'Same (inferenceId, name) and value again: nothing changed' }),
  corrected: Type.Integer({ description: 'Same (inferenceId, name) with another value: it replaced the stored one' }),
});

const AbSchema = Type.Object({
  deployment: Type.String(),
  metric: Type.String(),
  source: Type.Union([Type.Literal('actuals'), Type.Literal('feedback')]),
  kind: Type.Union([Type.Literal('proportion'), Type.Literal('mean')]),
  direction: Type.Union([Type.Literal('higher'), Type.Literal('lower')], { description: 'Which way is better' }),
  since: Type.Number(),
  until: Type.Number(),
  alpha: Type.Number(),
  minSamples: Type.Integer(),
  baseline: Type.Union([Type.String(), Type.Null()]),
  variants: Type.Array(Type.Object({
    variant: Type.String(),
    n: Type.Integer({ description: 'Samples (rows of predictions with an outcome)' }),
    estimate: Nullable(Type.Number()),
    ci: Interval,
    skipped: Type.Integer({ description: 'Quality: predictions with an actual whose output could not be judged (truncated, shapes); feedback: predictions without an event (with missing=exclude)' }),
  })),
  comparisons: Type.Array(Type.Object({
    baseline: Type.String(),
    challenger: Type.String(),
    difference: Nullable(Type.Number({ description: 'challenger − baseline' })),
    ci: Interval,
    pValue: Nullable(Type.Number()),
    verdict: Type.Union([Type.Literal('significant'), Type.Literal('not_significant'), Type.Literal('not_enough_data')]),
    better: Type.Optional(Type.String()),
    needed: Type.Optional(Type.Object({ baseline: Type.Integer(), challenger: Type.Integer() }, { description: 'More samples each side needs before a verdict' })),
    message: Type.String(),
  })),
  method: Type.String(),
  message: Type.String(),
});

/** Feedback events (business metrics per prediction) and the A/B analysis of a deployment's variants. */
export async function abRoutes(app: FastifyInstance, deps: { feedback: FeedbackService; ab: AbService }): Promise<void> {
  app.post('/api/v1/feedback', {
    schema: {
      tags,
      summary: 'Post business feedback per prediction (revenue, click…): a batch, idempotent per (inferenceId, name)',
      description:
        `JSON {events: [{inferenceId, name, value, timestamp?}]}, at most ${FEEDBACK_LIMITS.maxBatch} per request, stored in one transaction (a bad event rejects the batch, naming it). ` +
        'value: a finite number (1/0 for conversions). Same (inferenceId, name) and value again: a duplicate; another value: a correction (it becomes current). ' +
        `Names ${QUALITY_METRICS.join(', ')} are reserved for quality metrics.`,
      response: { 200: IngestSchema, ...errors },
    },
  }, async (req) => deps.feedback.ingest(validateFeedbackBody(req.body)));

  app.get('/api/v1/deployments/:name/ab', {
    schema: {
      tags,
      summary: "Compare a deployment's variants on a quality metric (from actuals) or a feedback metric, with confidence intervals and a significance test",
      description:
        'Quality metrics: accuracy and error_rate (prediction = first output: argmax of class scores, a score thresholded at 0.5 against binary actuals, else the label) and mae (absolute error). ' +
        'Any other metric is a feedback event name joined to the variants by inference id; 0/1 values are a proportion, others a mean. ' +
        "Each challenger is compared with the baseline: verdict not_enough_data (with the samples still needed) below minSamples per variant, else significant (naming the better variant) or not_significant at alpha.",
      params: Type.Object({ name: Type.String({ minLength: 1, maxLength: 300 }) }),
      querystring: Type.Object({
        metric: Type.String({ minLength: 1, maxLength: FEEDBACK_LIMITS.nameMaxLength, description: `${QUALITY_METRICS.join(' | ')} | <feedback name>` }),
        since: Type.Optional(Type.Integer({ minimum: 0, description: 'ms since epoch, inclusive (default: until − 30 days)' })),
        until: Type.Optional(Type.Integer({ minimum: 0, description: 'ms since epoch, exclusive (default: now)' })),
        baseline: Type.Optional(Type.String({ minLength: 1, maxLength: 300, description: 'Default: the variant with the most samples' })),
        alpha: Type.Optional(Type.Number({ exclusiveMinimum: 0, maximum: 0.5, description: 'Significance level; intervals are 1 − alpha (default 0.05)' })),
        minSamples: Type.Optional(Type.Integer({ minimum: 2, maximum: 100_000_000, description: 'Samples per variant before a verdict (default 100)' })),
        missing: Type.Optional(Type.Union([Type.Literal('exclude'), Type.Literal('zero')], { description: 'Feedback metrics: a prediction without an event is left out (default) or counts as 0' })),
        direction: Type.Optional(Type.Union([Type.Literal('higher'), Type.Literal('lower')], { description: 'Which way is better (default: lower for error_rate and mae, else higher)' })),
      }),
      response: { 200: AbSchema, ...errors },
    },
  }, async (req) => {
    const q = req.query as { metric: string; since?: number; until?: number; baseline?: string; alpha?: number; minSamples?: number; missing?: 'exclude' | 'zero'; direction?: 'higher' | 'lower' };
    if (!(QUALITY_METRICS as readonly string[]).includes(q.metric)) checkFeedbackName(q.metric, 'querystring.metric');
    return deps.ab.analyze((req.params as { name: string }).name, q);
  });
}
