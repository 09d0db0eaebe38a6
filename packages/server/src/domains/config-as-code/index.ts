/** Configuration as code: the organization declared in one document, planned, applied in one transaction, exported. */
export { ConfigAsCodeService } from './config.service.js';
export type { ConfigAsCodeDeps, ConfigPorts, ConfigPlan, ConfigChange, ConfigKind } from './config.service.js';
export { parseOrgDocument } from './config.document.js';
export type { OrgDocument, DeclaredTeam } from './config.document.js';
export { platformConfigPorts, orgUserExists } from './config.ports.js';
export { configRoutes } from './config.routes.js';
