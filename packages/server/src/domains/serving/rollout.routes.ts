import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { ErrorResponse } from '@flywheel/contract';
import { MAX_STEPS } from './rollout-plan.js';
import { ROLLOUT_STATES } from './rollout.repository.js';
import type { RolloutService } from './rollout.service.js';

const tags = ['serving'];
const errors = { 400: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };

const Hold = Type.Object({
  seconds: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: 'Seconds since the step took effect' })),
  requests: Type.Optional(Type.Integer({ minimum: 1, description: 'Canary requests since the step took effect' })),
}, { additionalProperties: false, description: 'Every condition given must be met' });
const Step = Type.Object({
  weight: Type.Number({ exclusiveMinimum: 0, maximum: 100, description: "The canary's share of traffic, increasing from step to step" }),
  hold: Hold,
}, { additionalProperties: false });
const GuardrailsSchema = Type.Object({
  maxErrorRate: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'Share of canary requests with status ≠ 0' })),
  maxP99LatencyMs: Type.Optional(Type.Number({ exclusiveMinimum: 0, description: "p99 of the canary's model-call latency, ms" })),
  minRequests: Type.Optional(Type.Integer({ minimum: 1, description: 'Canary requests in the step before guardrails are judged (default 100)' })),
  metrics: Type.Optional(Type.Array(Type.Object({
    name: Type.String({ minLength: 1, maxLength: 128 }),
    max: Type.Optional(Type.Number()),
    min: Type.Optional(Type.Number()),
  }, { additionalProperties: false }), { maxItems: 16, description: 'Limits on extra guardrail sources (monitoring metrics)' })),
}, { additionalProperties: false });
const Actor = Type.Optional(Type.String({ minLength: 1, maxLength: 128, description: 'Who acts, recorded in the event history' }));
const StartBody = Type.Object({
  canary: Type.String({ minLength: 1, maxLength: 128, description: "A variant with role 'canary'" }),
  steps: Type.Array(Step, { minItems: 1, maxItems: MAX_STEPS }),
  guardrails: Type.Optional(GuardrailsSchema),
  actor: Actor,
}, { additionalProperties: false });
const ActorBody = Type.Union([Type.Object({ actor: Actor }, { additionalProperties: false }), Type.Null()]);

const RolloutSchema = Type.Object({
  id: Type.String(),
  deployment: Type.String(),
  canary: Type.String(),
  state: Type.Union(ROLLOUT_STATES.map((s) => Type.Literal(s))),
  steps: Type.Array(Step),
  guardrails: GuardrailsSchema,
  currentStep: Type.Integer({ description: '1-based' }),
  currentWeight: Type.Number(),
  stepStartedAt: Type.Union([Type.Number(), Type.Null()], { description: "ms since epoch; null while the step's weights are being written" }),
  requestsInStep: Type.Integer({ description: 'Canary requests in the current step' }),
  baseWeights: Type.Record(Type.String(), Type.Number(), { description: 'Non-shadow weights before the rollout' }),
  revision: Type.Union([Type.Integer(), Type.Null()], { description: "The deployment revision carrying the rollout's weights" }),
  lastEvaluation: Type.Unknown({ description: 'Figures of the last guardrail evaluation (canary and baseline requests, error rate, p99 ms, checks)' }),
  reason: Type.Union([Type.String(), Type.Null()], { description: 'Why it was rolled back or aborted' }),
  createdAt: Type.Number(),
  updatedAt: Type.Number(),
  createdBy: Type.Union([Type.String(), Type.Null()]),
  events: Type.Array(Type.Object({
    seq: Type.Integer(),
    at: Type.Number(),
    type: Type.String({ description: 'started, weights_applied, step_advanced, guardrail_breached, rolled_back, completed, paused, resumed, aborted, changed_outside, deployment_deleted' }),
    actor: Type.Union([Type.String(), Type.Null()]),
    step: Type.Union([Type.Integer(), Type.Null()]),
    detail: Type.Unknown(),
  })),
});
const NameParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 128 }) });
const IdParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 128 }), id: Type.String({ minLength: 1, maxLength: 64 }) });

/** Canary rollouts over HTTP, under /api/v1/deployments/:name/rollouts. */
export async function rolloutRoutes(app: FastifyInstance, deps: { rollouts: RolloutService }): Promise<void> {
  const { rollouts } = deps;

  app.post('/api/v1/deployments/:name/rollouts', {
    schema: {
      tags,
      summary: 'Start a canary rollout: the canary gets the first step’s weight; the controller steps it on while guardrails hold',
      params: NameParams,
      body: StartBody,
      response: { 201: RolloutSchema, ...errors },
    },
  }, async (req, reply) => {
    const body = req.body as { actor?: string };
    return reply.status(201).send(await rollouts.start((req.params as { name: string }).name, body, body.actor));
  });

  app.get('/api/v1/deployments/:name/rollouts', {
    schema: { tags, summary: "A deployment's rollouts, newest first", params: NameParams, response: { 200: Type.Object({ rollouts: Type.Array(RolloutSchema) }), ...errors } },
  }, async (req) => ({ rollouts: await rollouts.list((req.params as { name: string }).name) }));

  app.get('/api/v1/deployments/:name/rollouts/:id', {
    schema: { tags, summary: 'A rollout with its event history', params: IdParams, response: { 200: RolloutSchema, ...errors } },
  }, async (req) => {
    const p = req.params as { name: string; id: string };
    return rollouts.get(p.name, p.id);
  });

  for (const action of ['pause', 'resume', 'abort'] as const) {
    app.post(`/api/v1/deployments/:name/rollouts/:id/${action}`, {
      schema: {
        tags,
        summary: { pause: 'Hold the canary at its current weight', resume: 'Continue a paused rollout (the step’s hold restarts)', abort: 'Stop the rollout and restore the pre-rollout weights' }[action],
        params: IdParams,
        body: ActorBody,
        response: { 200: RolloutSchema, ...errors },
      },
    }, async (req) => {
      const p = req.params as { name: string; id: string };
      const actor = (req.body as { actor?: string } | null | undefined)?.actor;
      return rollouts[action](p.name, p.id, actor);
    });
  }
}
