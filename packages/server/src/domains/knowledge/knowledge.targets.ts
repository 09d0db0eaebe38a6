import { isDomainError } from '@flywheel/contract';
import type { AlertsService } from '../monitoring/index.js';
import type { TeamsService } from '../org/index.js';
import type { ProjectsService } from '../projects/index.js';
import type { DeploymentsService } from '../serving/index.js';
import type { LinkTargets } from './postmortems.service.js';

/** True when `read` finds the thing, false on NOT_FOUND (or a name that cannot exist). */
async function exists(read: () => Promise<unknown>): Promise<boolean> {
  try {
    await read();
    return true;
  } catch (e) {
    if (isDomainError(e) && (e.code === 'NOT_FOUND' || e.code === 'INVALID_INPUT')) return false;
    throw e;
  }
}

/**
 * What a postmortem may link to, through the owning domains' services.
 *
 * @example
 *   new PostmortemsService({ …, targets: platformLinkTargets({ projects, deployments, alerts, teams }) })
 */
export function platformLinkTargets(s: {
  projects: Pick<ProjectsService, 'get'>;
  deployments: Pick<DeploymentsService, 'get'>;
  alerts: Pick<AlertsService, 'get'>;
  teams: Pick<TeamsService, 'getTeam'>;
}): LinkTargets {
  return {
    project: (name) => exists(() => s.projects.get(name)),
    deployment: (name) => exists(() => s.deployments.get(name)),
    alertRule: (idOrName) => exists(() => s.alerts.get(idOrName)),
    team: (name) => exists(() => s.teams.getTeam(name)),
  };
}
