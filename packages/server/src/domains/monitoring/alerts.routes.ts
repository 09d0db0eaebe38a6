import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { ErrorResponse } from '@flywheel/contract';
import type { AlertsService } from './alerts.service.js';
import type { WebhooksService } from './webhooks.service.js';

const errors = { 400: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };
const RuleParam = Type.Object({ rule: Type.String({ minLength: 1, maxLength: 100, description: 'Rule id or name' }) });
const HookParam = Type.Object({ webhook: Type.String({ minLength: 1, maxLength: 100, description: 'Webhook id or name' }) });
const Limit = Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'default 100' }));
const RuleBody = Type.Unknown({ description: '{name, deployment?, monitorId?, metric, column?, variant?, group?, condition: {op, threshold}, window: {points} | {seconds}, aggregation?, minSampleSize?, cooldownSeconds?, intervalSeconds?, severity?, notify?: [webhook ids], action?: {type, params}, enabled?} — see ALERTS.md' });

/** Alert rules, their history, and webhook endpoints with their deliveries. */
export async function alertsRoutes(app: FastifyInstance, deps: { alerts: AlertsService; webhooks: WebhooksService }): Promise<void> {
  const { alerts, webhooks } = deps;
  const tags = ['alerts'];

  app.get('/api/v1/alerts', { schema: { tags, summary: 'Alert rules with their state (ok, firing, resolved)' } }, async () => ({ rules: await alerts.list() }));
  app.post('/api/v1/alerts', { schema: { tags, summary: 'Create an alert rule over a metric series', body: RuleBody, response: { 201: Type.Unknown(), ...errors } } }, async (req, reply) => reply.status(201).send(await alerts.create(req.body)));
  app.get('/api/v1/alerts/history', {
    schema: { tags, summary: 'Alert events of every rule, newest first', querystring: Type.Object({ rule: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })), since: Type.Optional(Type.Integer({ minimum: 0, description: 'ms since epoch' })), limit: Limit }), response: errors },
  }, async (req) => {
    const q = req.query as { rule?: string; since?: number; limit?: number };
    return { events: await alerts.events(q) };
  });
  app.get('/api/v1/alerts/:rule', { schema: { tags, summary: 'One alert rule', params: RuleParam, response: errors } }, async (req) => alerts.get((req.params as { rule: string }).rule));
  app.put('/api/v1/alerts/:rule', { schema: { tags, summary: "Replace an alert rule's definition (state and history are kept)", params: RuleParam, body: RuleBody, response: errors } }, async (req) => alerts.update((req.params as { rule: string }).rule, req.body));
  app.delete('/api/v1/alerts/:rule', { schema: { tags, summary: 'Delete an alert rule', params: RuleParam, response: { 204: Type.Null(), ...errors } } }, async (req, reply) => {
    await alerts.delete((req.params as { rule: string }).rule);
    return reply.status(204).send();
  });
  app.get('/api/v1/alerts/:rule/events', {
    schema: { tags, summary: "A rule's history: fired, resolved, not_enough_data, suppressed, notified, notify_failed, action, action_failed, test", params: RuleParam, querystring: Type.Object({ since: Type.Optional(Type.Integer({ minimum: 0 })), limit: Limit }), response: errors },
  }, async (req) => ({ events: await alerts.events({ rule: (req.params as { rule: string }).rule, ...(req.query as { since?: number; limit?: number }) }) }));
  app.post('/api/v1/alerts/:rule/evaluate', { schema: { tags, summary: 'Evaluate a rule now', params: RuleParam, response: errors } }, async (req) => alerts.evaluate((req.params as { rule: string }).rule));
  app.post('/api/v1/alerts/:rule/test', { schema: { tags, summary: "Send a test notification to the rule's webhooks (no state change, no action)", params: RuleParam, response: errors } }, async (req) => alerts.testFire((req.params as { rule: string }).rule));

  const wtags = ['webhooks'];
  const HookBody = Type.Object({
    name: Type.String({ minLength: 1, maxLength: 100 }),
    url: Type.String({ minLength: 1, maxLength: 2000 }),
    secret: Type.Optional(Type.String({ minLength: 16, maxLength: 200, description: 'HMAC key; generated when absent and returned only in this response' })),
    enabled: Type.Optional(Type.Boolean()),
  }, { additionalProperties: false });
  const HookPatch = Type.Object({ url: Type.Optional(Type.String({ minLength: 1, maxLength: 2000 })), secret: Type.Optional(Type.String({ minLength: 16, maxLength: 200 })), enabled: Type.Optional(Type.Boolean()) }, { additionalProperties: false });
  app.get('/api/v1/webhooks', { schema: { tags: wtags, summary: 'Registered webhook endpoints (secrets are never shown)' } }, async () => ({ webhooks: await webhooks.list() }));
  app.post('/api/v1/webhooks', { schema: { tags: wtags, summary: 'Register a webhook endpoint', body: HookBody, response: { 201: Type.Unknown(), ...errors } } }, async (req, reply) => reply.status(201).send(await webhooks.create(req.body as Record<string, unknown>)));
  app.get('/api/v1/webhooks/:webhook', { schema: { tags: wtags, summary: 'One webhook', params: HookParam, response: errors } }, async (req) => webhooks.get((req.params as { webhook: string }).webhook));
  app.patch('/api/v1/webhooks/:webhook', { schema: { tags: wtags, summary: "Change a webhook's url, secret or enabled flag", params: HookParam, body: HookPatch, response: errors } }, async (req) => webhooks.update((req.params as { webhook: string }).webhook, req.body as Record<string, unknown>));
  app.delete('/api/v1/webhooks/:webhook', { schema: { tags: wtags, summary: 'Delete a webhook (its pending deliveries fail)', params: HookParam, response: { 204: Type.Null(), ...errors } } }, async (req, reply) => {
    await webhooks.delete((req.params as { webhook: string }).webhook);
    return reply.status(204).send();
  });
  app.get('/api/v1/webhooks/:webhook/deliveries', {
    schema: { tags: wtags, summary: 'Deliveries to a webhook, newest first, with every attempt (status code, error, duration)', params: HookParam, querystring: Type.Object({ limit: Limit }), response: errors },
  }, async (req) => ({ deliveries: await webhooks.deliveries({ webhook: (req.params as { webhook: string }).webhook, limit: (req.query as { limit?: number }).limit }) }));
}
