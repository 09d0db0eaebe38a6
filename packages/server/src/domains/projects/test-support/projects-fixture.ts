import { createTestPlatform } from '../../../test-support/platform.js';
import type { DialectName } from '../../../store/index.js';
import type { Principal } from '../../org/index.js';
import { AuditRepository, AuditService, type AuditLog } from '../../audit/index.js';
import { ProjectsRepository, ProjectsService, orgTeamEvidence, registryModelEvidence, type MonitoringEvidence } from '../index.js';

/**
 * The MonitoringEvidence port's test double: monitors are not built yet, so the test says which
 * deployments count as monitored. Everything else the gates read is the real platform.
 */
export class FixedMonitoringEvidence implements MonitoringEvidence {
  readonly monitored = new Set<string>();
  async hasMonitor(deployment: string): Promise<boolean> {
    return this.monitored.has(deployment);
  }
}

export const ADMIN: Principal = { userId: 0, username: 'root', isAdmin: true, teams: [] };

/** The whole platform on a fresh database, plus audit and projects wired the way main.ts should. */
export async function createProjectsPlatform(dialect: DialectName, opts: { auditOverride?: (real: AuditService) => AuditLog } = {}) {
  let now = Date.UTC(2026, 0, 10);
  const clock = { now: () => now };
  const platform = await createTestPlatform(dialect, { clock });
  const audit = new AuditService({ repo: new AuditRepository(platform.store.tables(), platform.store.dialect), clock });
  const monitoring = new FixedMonitoringEvidence();
  const { registry, org, teams } = platform.services;
  const projects = new ProjectsService({
    repo: new ProjectsRepository(platform.store.tables(), platform.store.dialect),
    audit: opts.auditOverride ? opts.auditOverride(audit) : audit,
    clock,
    models: registryModelEvidence(registry),
    monitoring,
    teams: orgTeamEvidence(org, teams),
  });
  return Object.assign(platform, {
    audit,
    projects,
    monitoring,
    clock,
    setNow: (t: number) => void (now = t),
    advance: (ms: number) => void (now += ms),
  });
}
