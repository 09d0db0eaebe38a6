/** Projects: business case, stage gates (idea → poc → pilot → production → retired), time-boxed POCs and outcomes. */
export { ProjectsService } from './projects.service.js';
export type { ProjectsDeps } from './projects.service.js';
export { ProjectsRepository } from './projects.repository.js';
export { projectsMigrations } from './projects.migrations.js';
export { projectsRoutes } from './projects.routes.js';
export { gateChecklist } from './projects.gates.js';
export { registryModelEvidence, orgTeamEvidence, noMonitoringEvidence } from './projects.evidence.js';
export { STAGES, DEFAULT_REQUIRED_SKILLS, RISK_RATINGS } from './projects.types.js';
export type {
  BusinessCase,
  GateChecklist,
  GateCondition,
  ModelEvidence,
  ModelLink,
  MonitoringEvidence,
  OutcomePoint,
  OutcomeSeries,
  Project,
  Stage,
  StageChange,
  TeamEvidence,
} from './projects.types.js';
export { declaredProjectChanges, projectDeclaration, DECLARED_PROJECT_FIELDS } from './projects.declare.js';
export type { FieldChange } from './projects.declare.js';
