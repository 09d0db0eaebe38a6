import type { FastifyInstance } from 'fastify';
import { Type } from 'typebox';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { DomainError, ErrorResponse } from '@flywheel/contract';
import { changeContext } from '../audit/index.js';
import type { ConfigAsCodeService } from './config.service.js';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse, 409: ErrorResponse };
const tags = ['config'];
const FieldChange = Type.Object({ field: Type.String(), from: Type.Unknown(), to: Type.Unknown() });
const Plan = Type.Object({
  changes: Type.Array(Type.Object({ op: Type.Union([Type.Literal('create'), Type.Literal('update'), Type.Literal('delete')]), kind: Type.String(), name: Type.String(), changes: Type.Array(FieldChange) })),
  unchanged: Type.Integer(),
  summary: Type.Object({ create: Type.Integer(), update: Type.Integer(), delete: Type.Integer() }),
});
// The document's sections are validated by the service, which names the bad field (teams[1].members[0].role).
const Body = Type.Object({ document: Type.Unknown({ description: 'the organization: {version?, teams, projects, policies, budgets, rates}' }) }, { additionalProperties: false });

/**
 * /api/v1/config: plan (a dry run), apply (one transaction) and export of the organization as a
 * document. Plans and exports read what any caller may read; applying changes teams and
 * memberships, so it needs a logged-in platform admin.
 */
export async function configRoutes(app: FastifyInstance, deps: { config: ConfigAsCodeService }): Promise<void> {
  const { config } = deps;
  // A YAML body is the document itself (`curl --data-binary @org.yaml -H 'content-type: application/yaml'`);
  // it is handed on as {document} so that both bodies meet one schema.
  app.addContentTypeParser(['application/yaml', 'application/x-yaml', 'text/yaml'], { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, { document: parseYaml(body as string, { maxAliasCount: 100 }) as unknown });
    } catch (e) {
      done(new DomainError('INVALID_INPUT', `The YAML document does not parse: ${(e as Error).message}`));
    }
  });
  app.post('/api/v1/config/plan', { schema: { tags, summary: 'What applying the document would change (nothing is written)', body: Body, response: { 200: Plan, ...errors } } }, async (req) =>
    config.plan((req.body as { document: unknown }).document),
  );
  app.post('/api/v1/config/apply', { schema: { tags, summary: 'Apply the document in one transaction (idempotent)', body: Body, response: { 200: Plan, ...errors } } }, async (req) => {
    if (!req.principal) throw new DomainError('UNAUTHENTICATED', 'Applying a configuration changes teams and members: log in as a platform admin (flywheel login) first.');
    if (!req.principal.isAdmin) throw new DomainError('NOT_ALLOWED', `Only platform admins may apply a configuration; '${req.principal.username}' is not one.`);
    return config.apply(changeContext(req), (req.body as { document: unknown }).document);
  });
  app.get('/api/v1/config/export', {
    schema: {
      tags,
      summary: 'The organization as a document that applies back to no change ({document} as JSON, or the YAML text with format=yaml)',
      querystring: Type.Object({ format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('yaml')])) }, { additionalProperties: false }),
      response: { 200: Type.Union([Type.Object({ document: Type.Unknown() }), Type.String()]), ...errors },
    },
  }, async (req, reply) => {
    const document = await config.export();
    if ((req.query as { format?: string }).format === 'yaml') return reply.type('application/yaml; charset=utf-8').send(stringifyYaml(document));
    return { document };
  });
}
