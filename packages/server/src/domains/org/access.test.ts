import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isDomainError } from '@flywheel/contract';
import { Access, decide, descendantsOf, ownerForCreate, readableTeams, readScope, type Owned, type TeamLink } from './access.js';
import type { Principal, TeamRole } from './org.types.js';

// The rule of org/ACCESS.md as pure functions: no database, every branch.

// ml(1) ⊃ team-a(2) ⊃ a-sub(4); team-b(3)
const TREE: TeamLink[] = [
  { id: 1, name: 'ml', parentId: null },
  { id: 2, name: 'team-a', parentId: 1 },
  { id: 3, name: 'team-b', parentId: null },
  { id: 4, name: 'a-sub', parentId: 2 },
];
const who = (teams: [number, TeamRole][], isAdmin = false): Principal => ({
  userId: 1,
  username: 'u',
  isAdmin,
  teams: teams.map(([teamId, role]) => ({ teamId, team: TREE.find((t) => t.id === teamId)!.name, role })),
});
const priv = (team: number | null): Owned => ({ ownerTeam: team, visibility: 'private' });
const internal = (team: number | null): Owned => ({ ownerTeam: team, visibility: 'internal' });
const full = (p: Principal, res: Owned, need: 'read' | 'write' | 'delete') => decide(p, 'off', res, need, readableTeams(p, TREE));

describe('access rule', () => {
  test('the team tree: descendants and readable teams', () => {
    assert.deepEqual([...descendantsOf([1], TREE)].sort(), [2, 4]);
    assert.deepEqual([...descendantsOf([3], TREE)], []);
    assert.deepEqual([...readableTeams(who([[1, 'viewer']]), TREE)].sort(), [1, 2, 4]);
  });

  test('anonymous: full sees and does everything, read sees internal only, off nothing', () => {
    assert.equal(decide(null, 'full', priv(2), 'delete'), 'allow');
    assert.equal(decide(null, 'read', internal(2), 'read'), 'allow');
    assert.equal(decide(null, 'read', internal(2), 'write'), 'deny');
    assert.equal(decide(null, 'read', priv(2), 'read'), 'hide');
    assert.equal(decide(null, 'off', internal(null), 'read'), 'hide');
    assert.deepEqual(readScope(null, 'full'), { all: true });
    assert.deepEqual(readScope(null, 'read'), { all: false, internal: true, teams: [] });
    assert.deepEqual(readScope(null, 'off'), { all: false, internal: false, teams: [] });
  });

  test('private: hidden from other teams, visible to the team and to teams above it', () => {
    assert.equal(full(who([[3, 'admin']]), priv(2), 'read'), 'hide');
    assert.equal(full(who([[3, 'admin']]), priv(2), 'write'), 'hide', 'invisible things are not found, not forbidden');
    assert.equal(full(who([[2, 'viewer']]), priv(2), 'read'), 'allow');
    assert.equal(full(who([[1, 'member']]), priv(4), 'read'), 'allow', 'a parent team sees its grandchildren');
    assert.equal(full(who([[4, 'admin']]), priv(2), 'read'), 'hide', 'a child team does not see its parent');
    assert.equal(full(who([[1, 'admin']]), priv(2), 'write'), 'deny', 'writing needs a role in the owner team itself');
  });

  test('roles: viewer reads, member writes, maintainer and admin delete', () => {
    for (const [role, write, del] of [['viewer', 'deny', 'deny'], ['member', 'allow', 'deny'], ['maintainer', 'allow', 'allow'], ['admin', 'allow', 'allow']] as const) {
      assert.equal(full(who([[2, role]]), priv(2), 'read'), 'allow', role);
      assert.equal(full(who([[2, role]]), priv(2), 'write'), write, role);
      assert.equal(full(who([[2, role]]), priv(2), 'delete'), del, role);
    }
  });

  test('internal: read by everyone logged in, changed by the owner team; unowned is shared; admins do all', () => {
    assert.equal(full(who([]), internal(2), 'read'), 'allow');
    assert.equal(full(who([[3, 'admin']]), internal(2), 'write'), 'deny');
    assert.equal(full(who([]), internal(null), 'delete'), 'allow');
    assert.equal(full(who([[3, 'member']]), priv(null), 'read'), 'hide');
    assert.equal(full(who([], true), priv(2), 'delete'), 'allow');
    assert.deepEqual(readScope(who([], true), 'off'), { all: true });
  });

  test('the tree is needed only for private work of a team the caller is not in', () => {
    assert.equal(decide(who([[2, 'member']]), 'off', priv(2), 'write'), 'allow');
    assert.equal(decide(who([[1, 'member']]), 'off', priv(2), 'read'), undefined);
    assert.equal(decide(who([[1, 'member']]), 'off', internal(2), 'read'), 'allow');
  });

  test('the owner of something new: asked for, the only writable team, several refused, none internal', () => {
    const fields = { team: 'ownerTeam', visibility: 'visibility' };
    const throwsCode = (fn: () => unknown, code: string, re: RegExp) =>
      assert.throws(fn, (e: unknown) => isDomainError(e) && e.code === code && re.test(e.message));
    assert.deepEqual(ownerForCreate(who([[2, 'member'], [3, 'viewer']]), TREE, {}, fields), { ownerTeam: 2, visibility: 'private' });
    assert.deepEqual(ownerForCreate(who([[2, 'member']]), TREE, { visibility: 'internal' }, fields), { ownerTeam: 2, visibility: 'internal' });
    throwsCode(() => ownerForCreate(who([[2, 'member'], [3, 'admin']]), TREE, {}, fields), 'INVALID_INPUT', /Missing ownerTeam: .*team-a, team-b/);
    assert.deepEqual(ownerForCreate(who([[2, 'member'], [3, 'admin']]), TREE, { team: 'team-b' }, fields), { ownerTeam: 3, visibility: 'private' });
    assert.deepEqual(ownerForCreate(who([[2, 'member'], [3, 'admin']]), TREE, { team: '3' }, fields), { ownerTeam: 3, visibility: 'private' });
    throwsCode(() => ownerForCreate(who([[2, 'viewer']]), TREE, { team: 'team-a' }, fields), 'NOT_ALLOWED', /needs the role member/);
    throwsCode(() => ownerForCreate(who([[2, 'member']]), TREE, { team: 'ghost' }, fields), 'INVALID_INPUT', /ownerTeam: no team 'ghost'/);
    throwsCode(() => ownerForCreate(who([[2, 'member']]), TREE, { visibility: 'public' }, fields), 'INVALID_INPUT', /visibility: expected one of private, internal/);
    assert.deepEqual(ownerForCreate(who([]), TREE, {}, fields), { ownerTeam: null, visibility: 'internal' });
    assert.deepEqual(ownerForCreate(null, TREE, {}, fields), { ownerTeam: null, visibility: 'internal' });
    throwsCode(() => ownerForCreate(who([]), TREE, { visibility: 'private' }, fields), 'INVALID_INPUT', /private work needs an owner team/);
    assert.deepEqual(ownerForCreate(who([], true), TREE, { team: 'team-b' }, fields), { ownerTeam: 3, visibility: 'private' });
  });

  test('Access loads the tree once per request, and only when needed', async () => {
    let loads = 0;
    const a = new Access(who([[1, 'member']]), 'off', async () => (loads++, TREE));
    assert.equal(await a.decide(internal(2), 'read'), 'allow');
    assert.equal(loads, 0);
    assert.equal(await a.decide(priv(4), 'read'), 'allow');
    assert.equal(await a.decide(priv(3), 'read'), 'hide');
    const scope = await a.scope();
    assert.ok(!scope.all && scope.internal);
    assert.deepEqual([...scope.teams].sort(), [1, 2, 4]);
    assert.equal(loads, 1);
    await assert.rejects(a.require(priv(3), 'read', 'x', () => new Error('not found')), /not found/);
    await assert.rejects(a.require(priv(2), 'delete', 'experiment 7', () => new Error('nf')), /Permission denied: 'u' may read experiment 7 but not delete it/);
  });
});
