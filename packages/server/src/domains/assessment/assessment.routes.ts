import type { FastifyInstance, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { ErrorResponse } from '@flywheel/contract';
import { changeContext } from '../audit/index.js';
import { accessOf, type Access, type AnonymousMode, type Need, type TeamLink } from '../org/access.js';
import type { AssessmentService } from './assessment.service.js';
import { TESTS } from './ml-test-score.js';
import {
  AssessQuery,
  AttestationBody,
  AttestationSchema,
  HistorySchema,
  OrgReportSchema,
  ProjectScorecardSchema,
  QuestionnaireAnswers,
  QuestionnaireSchema,
  ScorecardSchema,
} from './assessment.schemas.js';

const errors = { 400: ErrorResponse, 401: ErrorResponse, 403: ErrorResponse, 404: ErrorResponse };
const tags = ['assessment'];
const NameParams = Type.Object({ name: Type.String({ minLength: 1, maxLength: 1000 }) });
const nameOf = (req: { params: unknown }) => (req.params as { name: string }).name;
const assessOpts = (req: { query: unknown }) => {
  const q = req.query as { store?: boolean; windowDays?: number };
  return { store: q.store ?? true, windowDays: q.windowDays };
};

/** How the routes check a caller against a model's owner team (the registry's rule, org/ACCESS.md). */
export interface ModelGuard {
  guardModel(access: Access | undefined, name: string, need: Need): Promise<void>;
  teamTree(): Promise<TeamLink[]>;
}

/**
 * The native assessment API under /api/v1/assessment. A model's scorecard is read by whoever may
 * read the model; attesting needs a writing role in its team. The organization's report is for
 * admins; a team's for its members (the service checks both).
 */
export async function assessmentRoutes(app: FastifyInstance, deps: { assessment: AssessmentService; models: ModelGuard; anonymous?: AnonymousMode }): Promise<void> {
  const { assessment, models } = deps;
  const anonymous = deps.anonymous ?? 'full';
  const access = (req: FastifyRequest) => accessOf(req, anonymous, () => models.teamTree());
  app.addHook('preHandler', async (req) => {
    if (!(req.routeOptions.url ?? '').startsWith('/api/v1/assessment/models/')) return;
    // Scoring stores a snapshot (unless ?store=false): a write, like an attestation.
    const writes = req.method === 'POST' && (/\/attestations$/.test(req.routeOptions.url ?? '') || (req.query as { store?: boolean } | undefined)?.store !== false);
    await models.guardModel(access(req), nameOf(req), writes ? 'write' : 'read');
  });

  app.get('/api/v1/assessment/tests', {
    schema: { tags, summary: 'The 28 tests of the ML Test Score (Breck et al. 2017)', response: { 200: Type.Object({ tests: Type.Array(Type.Object({ id: Type.String(), section: Type.String(), name: Type.String() })) }) } },
  }, async () => ({ tests: TESTS.map((t) => ({ id: t.id, section: t.section, name: t.name })) }));

  app.post('/api/v1/assessment/models/:name', {
    schema: { tags, summary: "Score a model now and keep the scorecard (its ML Test Score, each test's evidence)", params: NameParams, querystring: AssessQuery, response: { 200: ScorecardSchema, ...errors } },
  }, async (req) => assessment.assessModel(changeContext(req), nameOf(req), assessOpts(req)));

  app.get('/api/v1/assessment/models/:name', {
    schema: { tags, summary: "A model's latest stored scorecard and the history of its scores (newest first)", params: NameParams, response: { 200: Type.Object({ latest: Type.Union([ScorecardSchema, Type.Null()]), history: HistorySchema }), ...errors } },
  }, async (req) => assessment.modelReport(nameOf(req)));

  app.get('/api/v1/assessment/models/:name/attestations', {
    schema: { tags, summary: "A model's attestations, oldest first", params: NameParams, response: { 200: Type.Object({ attestations: Type.Array(AttestationSchema) }), ...errors } },
  }, async (req) => ({ attestations: await assessment.attestations(nameOf(req)) }));

  app.post('/api/v1/assessment/models/:name/attestations', {
    schema: { tags, summary: 'Attest that a test was done by hand, with its artifact (earns at most 0.5)', params: NameParams, body: AttestationBody, response: { 201: AttestationSchema, ...errors } },
  }, async (req, reply) => reply.status(201).send(await assessment.attest(changeContext(req), nameOf(req), req.body as { testId: string; statement: string; artifactUri?: string | null })));

  app.post('/api/v1/assessment/projects/:name', {
    schema: { tags, summary: "Score a project now: its models' ML Test Scores, the weakest as its final (the owner team's members, admins)", params: NameParams, querystring: AssessQuery, response: { 200: ProjectScorecardSchema, ...errors } },
  }, async (req) =>
    // A project may link models of other teams: those the caller may not read are listed as missing, never scored.
    assessment.assessProject(changeContext(req), nameOf(req), { ...assessOpts(req), canRead: (m) => models.guardModel(access(req), m, 'read').then(() => true, () => false) }));

  app.get('/api/v1/assessment/projects/:name', {
    schema: { tags, summary: "A project's latest stored scorecard and its history", params: NameParams, response: { 200: Type.Object({ latest: Type.Union([ProjectScorecardSchema, Type.Null()]), history: HistorySchema }), ...errors } },
  }, async (req) => assessment.projectReport(changeContext(req), nameOf(req)));

  app.post('/api/v1/assessment/organization', {
    schema: { tags, summary: "Assess the organization's maturity now and keep the report (admins)", querystring: AssessQuery, response: { 200: OrgReportSchema, ...errors } },
  }, async (req) => assessment.assessOrganization(changeContext(req), assessOpts(req)));

  app.get('/api/v1/assessment/organization', {
    schema: { tags, summary: "The organization's latest stored report and the history of its level (admins)", response: { 200: Type.Object({ latest: Type.Union([OrgReportSchema, Type.Null()]), history: HistorySchema }), ...errors } },
  }, async (req) => assessment.organizationReport(changeContext(req)));

  app.post('/api/v1/assessment/teams/:name', {
    schema: { tags, summary: "Assess a team now (its models, skills, criteria) and keep the report (the team's members, admins)", params: NameParams, querystring: AssessQuery, response: { 200: OrgReportSchema, ...errors } },
  }, async (req) => assessment.assessTeam(changeContext(req), nameOf(req), assessOpts(req)));

  app.get('/api/v1/assessment/teams/:name', {
    schema: { tags, summary: "A team's latest stored report and its history", params: NameParams, response: { 200: Type.Object({ latest: Type.Union([OrgReportSchema, Type.Null()]), history: HistorySchema }), ...errors } },
  }, async (req) => assessment.teamReport(changeContext(req), nameOf(req)));

  app.get('/api/v1/assessment/questionnaires/organization', {
    schema: { tags, summary: "The organization's questionnaire answers", response: { 200: QuestionnaireSchema, ...errors } },
  }, async () => assessment.questionnaire('organization', ''));

  app.put('/api/v1/assessment/questionnaires/organization', {
    schema: { tags, summary: "Replace the organization's answers (admins)", body: QuestionnaireAnswers, response: { 200: QuestionnaireSchema, ...errors } },
  }, async (req) => assessment.putQuestionnaire(changeContext(req), 'organization', '', req.body as Record<string, unknown>));

  app.get('/api/v1/assessment/questionnaires/teams/:name', {
    schema: { tags, summary: "A team's questionnaire answers", params: NameParams, response: { 200: QuestionnaireSchema, ...errors } },
  }, async (req) => assessment.questionnaire('team', nameOf(req)));

  app.put('/api/v1/assessment/questionnaires/teams/:name', {
    schema: { tags, summary: "Replace a team's answers (its admins and maintainers)", params: NameParams, body: QuestionnaireAnswers, response: { 200: QuestionnaireSchema, ...errors } },
  }, async (req) => assessment.putQuestionnaire(changeContext(req), 'team', nameOf(req), req.body as Record<string, unknown>));
}
