/** Knowledge: postmortems of incidents and successes, linked to projects, deployments, alerts and incidents. */
export { PostmortemsService, POSTMORTEM_KINDS, POSTMORTEM_STATUSES } from './postmortems.service.js';
export type { Postmortem, PostmortemKind, PostmortemsDeps, LinkTargets, ActionItem } from './postmortems.service.js';
export { PostmortemsRepository } from './postmortems.repository.js';
export { knowledgeMigrations } from './knowledge.migrations.js';
export { postmortemsRoutes } from './postmortems.routes.js';
export { platformLinkTargets } from './knowledge.targets.js';
