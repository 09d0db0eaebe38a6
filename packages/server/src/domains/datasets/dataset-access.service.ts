import { randomBytes } from 'node:crypto';
import { DomainError } from '@flywheel/contract';
import type { ArtifactStore } from '../../artifacts/index.js';
import type { Clock } from '../../lib/clock.js';
import type { AuditLog, ChangeContext } from '../audit/index.js';
import type { Access } from '../org/access.js';
import type { DatasetsRepository } from './datasets.repository.js';
import type { DatasetsService } from './datasets.service.js';
import type { DatasetGrantRow, DatasetSandboxRow, NamedDatasetRow } from './datasets.tables.js';

const DAY = 86_400_000;
/** Longest a grant may be given for without ending, and the longest sandbox life. */
export const MAX_GRANT_DAYS = 3650;
export const MAX_SANDBOX_DAYS = 90;

/** A read grant: the team's direct members or the user read the dataset (not change it) until it expires. */
export interface DatasetGrant {
  id: number;
  dataset: string;
  team: string | null;
  user: string | null;
  grantedBy: string;
  grantedAt: number;
  expiresAt: number | null;
}

/** A copy of one dataset version for experiments, destroyed at its expiry; the record stays. */
export interface DatasetSandbox {
  id: number;
  /** the copy's dataset name (private to `ownerTeam`) */
  sandbox: string;
  source: { dataset: string; version: number };
  ownerTeam: string | null;
  requestedBy: string;
  purpose: string;
  createdAt: number;
  expiresAt: number;
  destroyedAt: number | null;
  destroyedBy: string | null;
  destroyedReason: string | null;
}

export interface DatasetAccessDeps {
  repo: DatasetsRepository;
  datasets: DatasetsService;
  artifacts: ArtifactStore;
  audit: AuditLog;
  clock: Clock;
  /** whether a user exists (org, wired in main.ts) */
  userExists(username: string): Promise<boolean>;
}

const invalid = (m: string) => new DomainError('INVALID_INPUT', m);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const who = (ctx: ChangeContext) => ({ actor: ctx.actor, source: ctx.source });

/** An expiry from `expiresAt` (ms or ISO) or `expiresInDays`; undefined when neither is given. */
function expiryOf(o: Record<string, unknown>, now: number, maxDays: number): number | undefined {
  if (o.expiresAt !== undefined && o.expiresInDays !== undefined) throw invalid('give expiresAt or expiresInDays, not both');
  let t: number | undefined;
  if (o.expiresInDays !== undefined) {
    if (typeof o.expiresInDays !== 'number' || !Number.isFinite(o.expiresInDays) || o.expiresInDays <= 0 || o.expiresInDays > maxDays) throw invalid(`expiresInDays must be a number of days from 0 to ${maxDays}`);
    t = now + Math.round(o.expiresInDays * DAY);
  } else if (o.expiresAt !== undefined) {
    t = typeof o.expiresAt === 'number' ? o.expiresAt : typeof o.expiresAt === 'string' ? Date.parse(o.expiresAt) : NaN;
    if (!Number.isSafeInteger(t)) throw invalid(`expiresAt must be ms since epoch or an ISO date, got ${JSON.stringify(o.expiresAt)}`);
    if (t <= now) throw invalid('expiresAt must be in the future');
    if (t > now + maxDays * DAY) throw invalid(`expiresAt must be within ${maxDays} days`);
  }
  return t;
}

/**
 * The seeds' data access modes beside ownership: read grants on a dataset to a team or a user, and
 * sandbox copies of a version that expire and are destroyed on record. Every change is audited in
 * its own transaction.
 */
export class DatasetAccessService {
  private timer: NodeJS.Timeout | undefined;
  private sweeping: Promise<unknown> | undefined;

  constructor(private readonly deps: DatasetAccessDeps) {}

  // ---- grants --------------------------------------------------------------------------------

  /**
   * Grants reading `name` to `{team}` or `{user}`, until `expiresAt`/`expiresInDays` (default: no
   * end). Granting again renews. Needs the maintainer or admin role in the owner team (who may
   * delete it) or platform admin.
   */
  async grant(ctx: ChangeContext, access: Access, name: string, body: unknown): Promise<DatasetGrant> {
    const row = await this.manageable(access, name, 'grant access to');
    if (!isObject(body)) throw invalid('body must be {team} or {user}, with expiresAt or expiresInDays');
    for (const k of Object.keys(body)) if (!['team', 'user', 'expiresAt', 'expiresInDays'].includes(k)) throw invalid(`body.${k} is not a known field (team, user, expiresAt, expiresInDays)`);
    const { kind, grantee } = await this.grantee(access, body);
    const now = this.deps.clock.now();
    const expiresAt = expiryOf(body, now, MAX_GRANT_DAYS) ?? null;
    // Read before the transaction: on SQLite a read outside it would wait for it.
    const team = await this.teamName(access, row.owner_team);
    return this.deps.repo.transaction(async (repo, trx) => {
      const before = await repo.grant(row.id, kind, grantee);
      await repo.upsertGrant({ dataset_id: row.id, grantee_kind: kind, grantee, granted_by: ctx.actor, granted_at: now, expires_at: expiresAt });
      const after = toGrant(name, (await repo.grant(row.id, kind, grantee))!);
      await this.deps.audit.record({ ...who(ctx), action: 'dataset.grant_added', resourceType: 'dataset', resourceId: name, team, before: before ? toGrant(name, before) : null, after }, trx);
      return after;
    });
  }

  async revoke(ctx: ChangeContext, access: Access, name: string, grantId: number): Promise<void> {
    const row = await this.manageable(access, name, 'revoke access to');
    const team = await this.teamName(access, row.owner_team);
    await this.deps.repo.transaction(async (repo, trx) => {
      const g = (await repo.grants(row.id)).find((x) => x.id === grantId);
      if (!g) throw new DomainError('NOT_FOUND', `Dataset '${name}' has no grant ${grantId}.`);
      await repo.deleteGrant(g.id);
      await this.deps.audit.record({ ...who(ctx), action: 'dataset.grant_revoked', resourceType: 'dataset', resourceId: name, team, before: toGrant(name, g), after: null }, trx);
    });
  }

  /** The grants on a dataset, to whoever may read it. */
  async grants(access: Access, name: string): Promise<DatasetGrant[]> {
    await this.deps.datasets.guardDataset(access, name, 'read');
    const row = await this.row(name);
    return (await this.deps.repo.grants(row.id)).map((g) => toGrant(name, g));
  }

  // ---- sandboxes -----------------------------------------------------------------------------

  /**
   * Copies one version of `name` (default the latest) into a new private dataset of the caller's
   * team that is destroyed at its expiry (1-90 days; `expiresInDays` or `expiresAt` required).
   * Needs reading the source (ownership or a grant).
   */
  async createSandbox(ctx: ChangeContext, access: Access, name: string, body: unknown): Promise<DatasetSandbox> {
    if (!isObject(body)) throw invalid('body must be {purpose, expiresInDays | expiresAt, version?, ownerTeam?}');
    for (const k of Object.keys(body)) if (!['purpose', 'version', 'ownerTeam', 'expiresAt', 'expiresInDays'].includes(k)) throw invalid(`body.${k} is not a known field (purpose, version, ownerTeam, expiresAt, expiresInDays)`);
    if (typeof body.purpose !== 'string' || body.purpose.trim() === '' || body.purpose.length > 2000) throw invalid('purpose is required: what the copy is for (at most 2000 characters)');
    const now = this.deps.clock.now();
    const expiresAt = expiryOf(body, now, MAX_SANDBOX_DAYS);
    if (expiresAt === undefined) throw invalid(`a sandbox needs an expiry: expiresInDays (up to ${MAX_SANDBOX_DAYS}) or expiresAt`);
    await this.deps.datasets.guardDataset(access, name, 'read');
    const version = await this.deps.datasets.getVersion(name, (body.version as number | string | undefined) ?? 'latest');
    if (typeof body.ownerTeam !== 'undefined' && typeof body.ownerTeam !== 'string') throw invalid('ownerTeam must be a team name');
    const owner = await access.ownerForCreate({ team: body.ownerTeam as string | undefined }, { team: 'ownerTeam', visibility: 'visibility' });
    const sandbox = `${name.slice(0, 170)}-sandbox-${randomBytes(4).toString('hex')}`;
    const teamOfCopy = await this.teamName(access, owner.ownerTeam);
    const file = await this.deps.datasets.openVersionFile(name, version.version);
    await this.deps.datasets.registerVersion({ name: sandbox, file: { stream: file.stream, filename: file.filename }, format: file.format, sourceUri: `flywheel-dataset:${name}/${version.version}`, createdBy: ctx.actor, owner });
    try {
      return await this.deps.repo.transaction(async (repo, trx) => {
        const copy = (await repo.getDatasetByName(sandbox))!;
        await repo.setExpiry(copy.id, expiresAt);
        const row: Omit<DatasetSandboxRow, 'id'> = { sandbox, source_dataset: name, source_version: version.version, owner_team: owner.ownerTeam, requested_by: ctx.actor, purpose: body.purpose as string, created_at: now, expires_at: expiresAt, destroyed_at: null, destroyed_by: null, destroyed_reason: null };
        const id = await repo.insertSandbox(row);
        const out = sandboxOf({ ...row, id }, teamOfCopy);
        await this.deps.audit.record({ ...who(ctx), action: 'dataset.sandbox_created', resourceType: 'dataset', resourceId: sandbox, team: out.ownerTeam, before: null, after: out }, trx);
        return out;
      });
    } catch (e) {
      // Nothing records the copy: remove it rather than leave an unexpiring private dataset behind.
      await this.dropDataset(sandbox).catch(() => undefined);
      throw e;
    }
  }

  /** Sandboxes whose source the caller may read, newest first, destroyed ones included (the record). */
  async sandboxes(access: Access): Promise<DatasetSandbox[]> {
    const out: DatasetSandbox[] = [];
    for (const r of await this.deps.repo.sandboxes()) {
      if (!(await this.mayRead(access, r.source_dataset)) && !(await this.mayRead(access, r.sandbox))) continue;
      out.push(await this.toSandbox(access, r));
    }
    return out;
  }

  /** Destroys a sandbox before its expiry: its requester, a maintainer of its team, or a platform admin. */
  async destroySandbox(ctx: ChangeContext, access: Access, id: number): Promise<DatasetSandbox> {
    const r = await this.deps.repo.sandbox(id);
    if (!r || !((await this.mayRead(access, r.source_dataset)) || (await this.mayRead(access, r.sandbox)))) throw new DomainError('NOT_FOUND', `Sandbox ${id} not found.`);
    if (r.destroyed_at !== null) throw new DomainError('INVALID_STATE', `Sandbox ${id} (${r.sandbox}) was destroyed at ${new Date(Number(r.destroyed_at)).toISOString()}.`);
    if (ctx.principal?.username !== r.requested_by && !access.unrestricted) await this.manageable(access, r.sandbox, 'destroy the sandbox');
    const done = await this.destroy(r, ctx, 'destroyed on request');
    if (!done) throw new DomainError('CONFLICT', `Sandbox ${id} was destroyed meanwhile.`);
    return this.toSandbox(access, (await this.deps.repo.sandbox(id))!);
  }

  /** Destroys every sandbox past its expiry (actor `system`); returns how many this call destroyed. */
  async destroyExpiredSandboxes(limit = 100): Promise<number> {
    let n = 0;
    for (const r of await this.deps.repo.dueSandboxes(this.deps.clock.now(), limit)) {
      if (await this.destroy(r, { actor: 'system', source: null, principal: null }, 'expired')) n++;
    }
    return n;
  }

  /** Sweeps expired sandboxes every `intervalMs` until {@link stop}. Several servers may: each destruction is claimed. */
  start(intervalMs: number, onError: (err: unknown) => void): void {
    if (this.timer) return;
    this.timer = setInterval(() => {
      if (this.sweeping) return;
      this.sweeping = this.destroyExpiredSandboxes().catch(onError).finally(() => (this.sweeping = undefined));
    }, intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.sweeping;
  }

  /**
   * The copy's rows go in one transaction with the record and its audit entry (claimed, so two
   * sweepers destroy it once); then its files. A file deletion that fails is in the entry's
   * `after.filesError`: the data may outlive the record then, which an operator must see.
   */
  private async destroy(r: DatasetSandboxRow, ctx: ChangeContext, reason: string): Promise<boolean> {
    const now = this.deps.clock.now();
    const before = sandboxOf(r, null);
    const claimed = await this.deps.repo.transaction(async (repo, trx) => {
      if (!(await repo.claimSandboxDestruction(r.id, now, ctx.actor, reason))) return false;
      const copy = await repo.getDatasetByName(r.sandbox);
      let files: string[] = [];
      if (copy) {
        files = (await repo.listVersions(copy.id, 0, 100_000)).map((v) => v.artifact_path).filter((p): p is string => p !== null);
        await repo.deleteDataset(copy.id);
      }
      await this.deps.audit.record(
        { ...who(ctx), action: 'dataset.sandbox_destroyed', resourceType: 'dataset', resourceId: r.sandbox, team: null, before, after: { destroyedAt: now, destroyedBy: ctx.actor, reason, files: files.length } },
        trx,
      );
      return true;
    });
    if (claimed) await this.deps.artifacts.delete(`datasets/${r.sandbox}`).catch(() => undefined);
    return claimed;
  }

  private async dropDataset(name: string): Promise<void> {
    const row = await this.deps.repo.getDatasetByName(name);
    if (row) await this.deps.repo.deleteDataset(row.id);
    await this.deps.artifacts.delete(`datasets/${name}`);
  }

  private async mayRead(access: Access, name: string): Promise<boolean> {
    try {
      await this.deps.datasets.guardDataset(access, name, 'read');
      return true;
    } catch {
      return false;
    }
  }

  /** The dataset, when the caller may grant on it: `delete` is the maintainer/admin decision (org/ACCESS.md). */
  private async manageable(access: Access, name: string, what: string): Promise<NamedDatasetRow> {
    await this.deps.datasets.guardDataset(access, name, 'read');
    const row = await this.row(name);
    if (!access.unrestricted) {
      // The caller reads it (perhaps through a grant): a refusal here says what is missing rather than hiding it.
      const refuse = () => new DomainError('NOT_ALLOWED', `Only maintainers and admins of the owner team of dataset '${name}' (or platform admins) may ${what} it.`);
      await access.require({ ownerTeam: row.owner_team, visibility: row.visibility as 'private' | 'internal' }, 'delete', `dataset '${name}' (to ${what} it)`, refuse);
    }
    return row;
  }

  private async row(name: string): Promise<NamedDatasetRow> {
    const row = await this.deps.repo.getDatasetByName(name);
    if (!row) throw new DomainError('NOT_FOUND', `Dataset '${name}' not found.`);
    return row;
  }

  private async grantee(access: Access, body: Record<string, unknown>): Promise<{ kind: 'team' | 'user'; grantee: string }> {
    if ((body.team === undefined) === (body.user === undefined)) throw invalid('name exactly one grantee: team or user');
    if (body.team !== undefined) {
      if (typeof body.team !== 'string' || !(await access.teams()).some((t) => t.name === body.team)) throw invalid(`team ${JSON.stringify(body.team)} is not a team`);
      return { kind: 'team', grantee: body.team };
    }
    if (typeof body.user !== 'string' || !(await this.deps.userExists(body.user))) throw invalid(`user ${JSON.stringify(body.user)} is not a user`);
    return { kind: 'user', grantee: body.user };
  }

  private async teamName(access: Access, id: number | null): Promise<string | null> {
    if (id === null) return null;
    return (await access.teams()).find((t) => t.id === Number(id))?.name ?? String(id);
  }

  private async toSandbox(access: Access, r: DatasetSandboxRow): Promise<DatasetSandbox> {
    return sandboxOf(r, await this.teamName(access, r.owner_team === null ? null : Number(r.owner_team)));
  }
}

function sandboxOf(r: DatasetSandboxRow, team: string | null): DatasetSandbox {
  return {
    id: Number(r.id),
    sandbox: r.sandbox,
    source: { dataset: r.source_dataset, version: Number(r.source_version) },
    ownerTeam: team,
    requestedBy: r.requested_by,
    purpose: r.purpose,
    createdAt: Number(r.created_at),
    expiresAt: Number(r.expires_at),
    destroyedAt: r.destroyed_at === null ? null : Number(r.destroyed_at),
    destroyedBy: r.destroyed_by,
    destroyedReason: r.destroyed_reason,
  };
}

function toGrant(dataset: string, g: DatasetGrantRow): DatasetGrant {
  return {
    id: Number(g.id),
    dataset,
    team: g.grantee_kind === 'team' ? g.grantee : null,
    user: g.grantee_kind === 'user' ? g.grantee : null,
    grantedBy: g.granted_by,
    grantedAt: Number(g.granted_at),
    expiresAt: g.expires_at === null ? null : Number(g.expires_at),
  };
}
