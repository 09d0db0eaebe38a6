import { isDomainError } from '@flywheel/contract';
import type { Kysely } from 'kysely';
import type { Clock } from '../../lib/clock.js';
import type { DialectName } from '../../store/index.js';
import type { AuditLog } from '../audit/index.js';
import { OrgRepository, OrgService, TeamsService } from '../org/index.js';
import { ProjectsRepository, ProjectsService, orgTeamEvidence, type ModelEvidence, type MonitoringEvidence } from '../projects/index.js';
import { BudgetsService, PoliciesRepository, PoliciesService } from '../policies/index.js';
import type { ConfigPorts } from './config.service.js';

/** Whether a user exists, through org's service. */
export function orgUserExists(org: Pick<OrgService, 'getUser'>): (username: string) => Promise<boolean> {
  return async (username) => {
    try {
      await org.getUser(username);
      return true;
    } catch (e) {
      if (isDomainError(e) && (e.code === 'NOT_FOUND' || e.code === 'INVALID_INPUT')) return false;
      throw e;
    }
  };
}

// Creating and updating a project never reads the gates' evidence; inside an apply's transaction
// a read through the platform's own services would wait for the transaction itself on SQLite.
const NO_GATES = "the stage gates' evidence is not read while a configuration is applied";
const noModels: ModelEvidence = { modelVersion: () => Promise.reject(new Error(NO_GATES)) };
const noMonitoring: MonitoringEvidence = { hasMonitor: () => Promise.reject(new Error(NO_GATES)) };

/**
 * The services an apply writes through, built on repositories bound to one transaction `db`:
 * each repository reuses a transaction it is given, so every change commits together.
 *
 * @example
 *   transaction: (fn) => store.transaction((trx) => fn(platformConfigPorts(trx, store.dialect, { clock, audit }), trx))
 */
export function platformConfigPorts(db: Kysely<any>, dialect: DialectName, deps: { clock: Clock; audit: AuditLog }): ConfigPorts { // eslint-disable-line @typescript-eslint/no-explicit-any
  const orgRepo = new OrgRepository(db, dialect);
  const org = new OrgService({ repo: orgRepo, clock: deps.clock });
  const teams = new TeamsService({ repo: orgRepo, clock: deps.clock });
  const policiesRepo = new PoliciesRepository(db);
  return {
    teams,
    userExists: orgUserExists(org),
    projects: new ProjectsService({ repo: new ProjectsRepository(db, dialect), audit: deps.audit, clock: deps.clock, models: noModels, monitoring: noMonitoring, teams: orgTeamEvidence(org, teams) }),
    policies: new PoliciesService({ repo: policiesRepo, clock: deps.clock, audit: deps.audit }),
    budgets: new BudgetsService({ repo: policiesRepo, clock: deps.clock, audit: deps.audit }),
  };
}
