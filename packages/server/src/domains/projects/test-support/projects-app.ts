import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { createApp } from '../../../http/app.js';
import { registerAuth, type AnonymousAccess } from '../../../http/auth.js';
import { auditRoutes, type AuditService } from '../../audit/index.js';
import type { OrgService } from '../../org/index.js';
import { projectsRoutes, type ProjectsService } from '../index.js';

/** An app with auth, the projects and the audit routes, as main.ts will register them. */
export async function createProjectsApp(deps: { org: OrgService; projects: ProjectsService; audit: AuditService; anonymous?: AnonymousAccess }): Promise<FastifyInstance> {
  const app = await createApp({ logger: pino({ level: 'silent' }), bodyLimitBytes: 1024 * 1024, version: 'test', readinessChecks: {} });
  registerAuth(app, { org: deps.org, anonymous: deps.anonymous ?? 'full' });
  await app.register(async (scope) => projectsRoutes(scope, { projects: deps.projects }));
  await app.register(async (scope) => auditRoutes(scope, { audit: deps.audit }));
  await app.ready();
  return app;
}
