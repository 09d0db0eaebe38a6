/** Assessment: the ML Test Score of every model, and the maturity of teams and the organization, from recorded evidence. */
export { AssessmentService, ASSESSMENT_DEFAULTS } from './assessment.service.js';
export type { AssessmentDeps, AssessmentContext, HistoryPoint, OrgReport } from './assessment.service.js';
export { AssessmentRepository } from './assessment.repository.js';
export { assessmentMigrations } from './assessment.migrations.js';
export { assessmentRoutes } from './assessment.routes.js';
export { platformEvidence } from './assessment.evidence.js';
export type { EvidenceSources } from './assessment.evidence.js';
export { TESTS, bandOf, scoreTests, finalScore } from './ml-test-score.js';
export type { TestDefinition } from './ml-test-score.js';
export { ARCHETYPES, ARCHETYPE_TRAITS, QUESTIONNAIRE_OPTIONS, TEAM_ROLES_REQUIRED } from './org-maturity.js';
export type { Questionnaire, Archetype } from './org-maturity.js';
export type * from './assessment.evidence-types.js';
export type * from './assessment.types.js';
