import { isDomainError } from '@flywheel/contract';
import type { OrgService, TeamsService } from '../org/index.js';
import type { RegistryService } from '../registry/index.js';
import type { ModelEvidence, MonitoringEvidence, TeamEvidence } from './projects.types.js';

/**
 * The gates' view of the registry: a version's card status and current approval decision.
 *
 * @example
 *   new ProjectsService({ …, models: registryModelEvidence(registry) })
 */
export function registryModelEvidence(registry: Pick<RegistryService, 'getModelVersionDetail'>): ModelEvidence {
  return {
    async modelVersion(name, version) {
      try {
        const d = await registry.getModelVersionDetail(name, version);
        return { cardStatus: d.card?.status ?? null, approval: d.approval.status };
      } catch (e) {
        if (isDomainError(e) && (e.code === 'NOT_FOUND' || e.code === 'INVALID_INPUT')) return undefined;
        throw e;
      }
    },
  };
}

/** The gates' view of org: a team's members with their skills. */
export function orgTeamEvidence(org: Pick<OrgService, 'getUser'>, teams: Pick<TeamsService, 'getTeam'>): TeamEvidence {
  return {
    async members(team) {
      let t;
      try {
        t = await teams.getTeam(team);
      } catch (e) {
        if (isDomainError(e) && (e.code === 'NOT_FOUND' || e.code === 'INVALID_INPUT')) return undefined;
        throw e;
      }
      return Promise.all(t.members.map(async (m) => ({ username: m.username, skills: (await org.getUser(m.username)).skills as string[] })));
    },
  };
}

/**
 * Until monitors exist, no deployment counts as monitored: the production gate stays closed
 * rather than open. main.ts replaces this with the monitors domain's answer.
 */
export const noMonitoringEvidence: MonitoringEvidence = { hasMonitor: async () => false };
