import pino from 'pino';
import { loadConfig } from '../../../config/index.js';
import { buildPlatform, type Platform } from '../../../main.js';
import { createTestDatabase } from '../../../store/test-support/stores.js';
import type { DialectName } from '../../../store/index.js';
import type { AnonymousMode } from '../../../domains/org/access.js';

/**
 * Tests of issue 6's access rule: a whole platform with anonymous access off (as on a network
 * address), and an organization — teams `ml` ⊃ `team-a`, and `team-b` — with a user per role:
 * root (platform admin), alice (member of team-a), bob (member of team-b), vera (viewer of
 * team-a), paul (maintainer of ml, the parent of team-a), multi (member of team-a and team-b),
 * nobody (no team). Each has an API token; their password is `<name>-password`.
 */
export interface AccessFixture {
  platform: Platform;
  tokens: Record<User, string>;
  teamIds: Record<'ml' | 'team-a' | 'team-b', number>;
  /** An HTTP call as `who` (a bearer token; `basic:` + name for basic credentials; null for anonymous). */
  call(who: User | `basic:${User}` | null, method: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH', url: string, body?: unknown): Promise<{ status: number; body: any }>; // eslint-disable-line @typescript-eslint/no-explicit-any
  dispose(): Promise<void>;
}

export type User = 'root' | 'alice' | 'bob' | 'vera' | 'paul' | 'multi' | 'nobody';
export const USERS: User[] = ['root', 'alice', 'bob', 'vera', 'paul', 'multi', 'nobody'];

export async function createAccessFixture(dialect: DialectName, anonymous: AnonymousMode = 'off'): Promise<AccessFixture> {
  const db = await createTestDatabase(dialect);
  const config = loadConfig({ dataDir: db.dataDir, databaseUrl: db.url, port: 0, poolSize: 4, rolloutIntervalMs: 3_600_000, anonymous }, {});
  const platform = await buildPlatform(config, { logger: pino({ level: process.env.FLYWHEEL_TEST_LOG ?? 'silent' }) });
  const { org, teams } = platform.services;
  const ids: Partial<Record<User, number>> = {};
  for (const u of USERS) {
    await org.bootstrapUser({ username: u, password: `${u}-password`, isAdmin: u === 'root' });
    ids[u] = (await org.checkPassword(u, `${u}-password`)).id;
  }
  const root = (await org.principal(ids.root!))!;
  await teams.createTeam(root, { name: 'ml' });
  await teams.createTeam(root, { name: 'team-a', parent: 'ml' });
  await teams.createTeam(root, { name: 'team-b' });
  await teams.setMember(root, 'team-a', 'alice', 'member');
  await teams.setMember(root, 'team-b', 'bob', 'member');
  await teams.setMember(root, 'team-a', 'vera', 'viewer');
  await teams.setMember(root, 'ml', 'paul', 'maintainer');
  await teams.setMember(root, 'team-a', 'multi', 'member');
  await teams.setMember(root, 'team-b', 'multi', 'member');
  const tokens = {} as Record<User, string>;
  for (const u of USERS) tokens[u] = (await org.issueToken(ids[u]!, { name: 'test' })).token;
  const tree = await platform.services.tracking.teamTree();
  const teamId = (name: string) => tree.find((t) => t.name === name)!.id;
  return {
    platform,
    tokens,
    teamIds: { ml: teamId('ml'), 'team-a': teamId('team-a'), 'team-b': teamId('team-b') },
    async call(who, method, url, body) {
      const headers: Record<string, string> = {};
      if (who?.startsWith('basic:')) {
        const name = who.slice(6);
        headers.authorization = `Basic ${Buffer.from(`${name}:${name}-password`).toString('base64')}`;
      } else if (who) headers.authorization = `Bearer ${tokens[who as User]}`;
      const res = await platform.app.inject({ method, url, headers, ...(body === undefined ? {} : typeof body === 'string' || Buffer.isBuffer(body) ? { payload: body } : { payload: body as object }) });
      let parsed: unknown;
      try {
        parsed = res.json();
      } catch {
        parsed = res.body;
      }
      return { status: res.statusCode, body: parsed };
    },
    async dispose() {
      await platform.close();
      await db.drop();
    },
  };
}
