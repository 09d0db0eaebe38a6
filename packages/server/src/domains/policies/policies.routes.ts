import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { DomainError, ErrorResponse } from '@flywheel/contract';
import { changeContext } from '../audit/index.js';
import type { BudgetsService } from './budgets.service.js';
import { PoliciesService } from './policies.service.js';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };
const NameParams = Type.Object({ name: Type.String({ maxLength: 200 }) });
const AnyBody = Type.Unknown();
const by = (req: Parameters<typeof changeContext>[0]) => {
  const c = changeContext(req);
  return { actor: c.actor, source: c.source };
};

/**
 * /api/v1/policies, /api/v1/budgets and /api/v1/cost. Bodies are validated by the services (every
 * field named in the 400), so the schemas here only describe them.
 */
export async function policiesRoutes(app: FastifyInstance, deps: { policies: PoliciesService; budgets: BudgetsService }): Promise<void> {
  const { policies, budgets } = deps;
  const name = (req: { params: unknown }) => (req.params as { name: string }).name;
  // Policies, budgets and rates govern every team: changing them is for platform admins (anonymous
  // callers as the auth plugin allows). Reads and the dry run are open to any caller.
  app.addHook('preHandler', async (req) => {
    if (req.method === 'GET' || req.method === 'HEAD' || req.routeOptions.url === '/api/v1/policies/evaluate') return;
    if (req.principal && !req.principal.isAdmin) throw new DomainError('NOT_ALLOWED', `Only platform admins may change policies, budgets and rates; '${req.principal.username}' is not one.`);
  });

  app.get('/api/v1/policies', { schema: { tags: ['policies'], summary: 'Current version of every policy', response: errors } }, async () => ({ policies: await policies.list() }));
  app.post('/api/v1/policies', { schema: { tags: ['policies'], summary: 'Create a policy or write its next version (idempotent)', body: AnyBody, response: { 200: AnyBody, 201: AnyBody, ...errors } } }, async (req, reply) => {
    const r = await policies.apply(req.body, by(req));
    return reply.status(r.changed ? 201 : 200).send(r);
  });
  app.post('/api/v1/policies/evaluate', { schema: { tags: ['policies'], summary: 'Dry run: the checklist of every policy that applies to {action, model, version, alias?}', body: AnyBody, response: errors } }, async (req) =>
    policies.evaluate(PoliciesService.subjectOf(req.body)),
  );
  app.get('/api/v1/policies/:name', { schema: { tags: ['policies'], params: NameParams, response: errors } }, async (req) => ({ policy: await policies.get(name(req)) }));
  app.put('/api/v1/policies/:name', { schema: { tags: ['policies'], summary: 'Write the next version of the policy', params: NameParams, body: AnyBody, response: errors } }, async (req) => {
    const body = typeof req.body === 'object' && req.body !== null ? { ...(req.body as object), name: name(req) } : req.body;
    return policies.apply(body, by(req));
  });
  app.get('/api/v1/policies/:name/versions', { schema: { tags: ['policies'], params: NameParams, response: errors } }, async (req) => ({ versions: await policies.versions(name(req)) }));
  app.delete('/api/v1/policies/:name', { schema: { tags: ['policies'], params: NameParams, response: { 204: Type.Null(), ...errors } } }, async (req, reply) => {
    await policies.delete(name(req), by(req));
    return reply.status(204).send();
  });

  app.get('/api/v1/budgets', { schema: { tags: ['budgets'], summary: 'Every budget with its spend this period', response: errors } }, async () => ({ budgets: await budgets.statuses() }));
  app.post('/api/v1/budgets', { schema: { tags: ['budgets'], summary: 'Create or replace a budget {name, team | project, amount, period: month, enforce}', body: AnyBody, response: errors } }, async (req) => ({ budget: await budgets.put(req.body, by(req)) }));
  app.get('/api/v1/budgets/:name', { schema: { tags: ['budgets'], params: NameParams, response: errors } }, async (req) => ({ budget: await budgets.get(name(req)) }));
  app.put('/api/v1/budgets/:name', { schema: { tags: ['budgets'], params: NameParams, body: AnyBody, response: errors } }, async (req) => {
    const body = typeof req.body === 'object' && req.body !== null ? { ...(req.body as object), name: name(req) } : req.body;
    return { budget: await budgets.put(body, by(req)) };
  });
  app.delete('/api/v1/budgets/:name', { schema: { tags: ['budgets'], params: NameParams, response: { 204: Type.Null(), ...errors } } }, async (req, reply) => {
    await budgets.delete(name(req), by(req));
    return reply.status(204).send();
  });
  app.get('/api/v1/budgets/:name/status', { schema: { tags: ['budgets'], summary: 'Spend, percent and alerts (50/80/100%) this period', params: NameParams, response: errors } }, async (req) => ({
    status: await budgets.status(name(req)),
  }));

  app.get('/api/v1/cost/rates', { schema: { tags: ['cost'], response: errors } }, async () => ({ rates: await budgets.rates() }));
  app.put('/api/v1/cost/rates', { schema: { tags: ['cost'], summary: 'Set compute_second, replica_second and/or storage_gb_month prices', body: AnyBody, response: errors } }, async (req) => ({
    rates: await budgets.setRates(req.body, by(req)),
  }));
  app.get('/api/v1/cost/teams/:name', { schema: { tags: ['cost'], summary: "A team's spend this month: runs, replicas of its models, storage of its experiments and datasets", params: NameParams, response: errors } }, async (req) => ({ spend: await budgets.teamSpend(name(req)) }));
  app.get('/api/v1/cost/projects/:name', { schema: { tags: ['cost'], summary: "A project's spend this month: runs of experiments tagged flywheel.project, replicas of its deployments, their storage", params: NameParams, response: errors } }, async (req) => ({
    spend: await budgets.projectSpend(name(req)),
  }));
}
