import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestStore, DIALECTS } from '../../store/test-support/stores.js';
import type { Store } from '../../store/index.js';
import { rejectsWith } from '../../test-support/assertions.js';
import { orgMigrations } from './org.migrations.js';
import { OrgRepository } from './org.repository.js';
import { OrgService } from './org.service.js';
import { TeamsService } from './teams.service.js';
import type { Principal } from './org.types.js';

const FAST = { N: 1024, r: 8, p: 1 };

for (const dialect of DIALECTS) {
  describe(`TeamsService on ${dialect}`, () => {
    let store: Store & { dispose(): Promise<void> };
    let org: OrgService;
    let teams: TeamsService;
    const now = 1_700_000_000_000;
    /** A fresh principal: memberships are read at resolution time, as per request. */
    const who = async (username: string): Promise<Principal> => (await org.principal((await org.checkPassword(username, `${username}-password`)).id))!;
    before(async () => {
      store = await createTestStore(dialect, [orgMigrations]);
      const repo = new OrgRepository(store.tables(), store.dialect);
      org = new OrgService({ repo, clock: { now: () => now }, scrypt: FAST });
      teams = new TeamsService({ repo, clock: { now: () => now } });
      await org.bootstrapUser({ username: 'root', password: 'root-password', isAdmin: true });
      for (const u of ['alice', 'bob', 'carol']) await org.bootstrapUser({ username: u, password: `${u}-password` });
    });
    after(async () => store.dispose());

    test('a tree of teams; names validated; duplicates refused; top-level teams are admin-only', async () => {
      const root = await who('root');
      const ml = await teams.createTeam(root, { name: 'ml', description: 'Machine learning' });
      assert.deepEqual(ml, { name: 'ml', parent: null, description: 'Machine learning', createdAt: now, updatedAt: now, members: [], children: [] });
      await teams.createTeam(root, { name: 'fraud', parent: 'ml' });
      await teams.createTeam(root, { name: 'churn', parent: 'ml' });
      await teams.createTeam(root, { name: 'fraud-rt', parent: 'fraud' });
      await teams.createTeam(root, { name: 'platform' });
      const tree = await teams.tree();
      const shape = (n: { name: string; children: unknown[] }): unknown => ({ [n.name]: (n.children as typeof n[]).map(shape) });
      assert.deepEqual(tree.map(shape), [{ ml: [{ churn: [] }, { fraud: [{ 'fraud-rt': [] }] }] }, { platform: [] }]);
      assert.equal(tree[0]!.children[1]!.parent, 'ml');
      await rejectsWith(teams.createTeam(root, { name: 'ml' }), 'ALREADY_EXISTS', /Team 'ml' already exists/);
      await rejectsWith(teams.createTeam(root, { name: 'Bad Name' }), 'INVALID_INPUT', /Invalid name 'Bad Name'/);
      await rejectsWith(teams.createTeam(root, { name: 'x', parent: 'ghost' }), 'NOT_FOUND', /Invalid parent: team 'ghost' not found/);
      await rejectsWith(teams.createTeam(await who('alice'), { name: 'mine' }), 'NOT_ALLOWED', /Only a platform admin may create a top-level team/);
      await rejectsWith(teams.createTeam(null, { name: 'mine' }), 'UNAUTHENTICATED', /Log in to create a team/);
      await rejectsWith(teams.createTeam(root, { name: 'y', description: 'x'.repeat(5001) }), 'INVALID_INPUT', /Invalid description: at most 5000/);
    });

    test('no cycles: a team cannot move under itself or a descendant', async () => {
      const root = await who('root');
      await rejectsWith(teams.updateTeam(root, 'ml', { parent: 'ml' }), 'INVALID_INPUT', /cannot be its own parent/);
      await rejectsWith(teams.updateTeam(root, 'ml', { parent: 'fraud-rt' }), 'INVALID_INPUT', /Invalid parent 'fraud-rt': it is inside 'ml', so the tree would loop/);
      await rejectsWith(teams.updateTeam(root, 'fraud', { parent: 'fraud-rt' }), 'INVALID_INPUT', /would loop/);
      assert.equal((await teams.getTeam('ml')).parent, null, 'unchanged');
      const moved = await teams.updateTeam(root, 'churn', { parent: 'fraud', description: 'moved' });
      assert.equal(moved.parent, 'fraud');
      assert.equal(moved.description, 'moved');
      assert.deepEqual((await teams.getTeam('fraud')).children, ['churn', 'fraud-rt']);
      await teams.updateTeam(root, 'churn', { parent: 'ml' });
      await teams.updateTeam(root, 'platform', { parent: 'ml' });
      await teams.updateTeam(root, 'platform', { parent: null });
      assert.equal((await teams.getTeam('platform')).parent, null);
    });

    test('memberships: roles validated; only team admins (here or above) and platform admins manage', async () => {
      const root = await who('root');
      await rejectsWith(teams.setMember(root, 'fraud', 'alice', 'owner'), 'INVALID_INPUT', /Invalid role 'owner': one of admin, maintainer, member, viewer/);
      await rejectsWith(teams.setMember(root, 'fraud', 'nobody', 'member'), 'NOT_FOUND', /User 'nobody' not found/);
      const f = await teams.setMember(root, 'fraud', 'alice', 'admin');
      assert.deepEqual(f.members, [{ username: 'alice', displayName: 'alice', role: 'admin' }]);
      const alice = await who('alice');
      assert.deepEqual(alice.teams.map((t) => [t.team, t.role]), [['fraud', 'admin']]);
      // A team admin manages the team and everything below it…
      await teams.setMember(alice, 'fraud', 'bob', 'member');
      await teams.setMember(alice, 'fraud-rt', 'bob', 'maintainer');
      await teams.createTeam(alice, { name: 'fraud-batch', parent: 'fraud' });
      assert.equal(await teams.canManage(alice, 'fraud-rt'), true);
      // …but not the team above, a sibling, or a top-level move.
      assert.equal(await teams.canManage(alice, 'ml'), false);
      await rejectsWith(teams.setMember(alice, 'ml', 'bob', 'member'), 'NOT_ALLOWED', /'alice' may not change the members of 'ml': that needs the admin role in 'ml'/);
      await rejectsWith(teams.setMember(alice, 'churn', 'bob', 'member'), 'NOT_ALLOWED', /admin role in 'churn'/);
      await rejectsWith(teams.updateTeam(alice, 'fraud-rt', { parent: 'churn' }), 'NOT_ALLOWED', /move a team under 'churn'/);
      await rejectsWith(teams.createTeam(alice, { name: 'side', parent: 'churn' }), 'NOT_ALLOWED', /create a team under 'churn'/);
      // A member or maintainer manages nothing.
      const bob = await who('bob');
      await rejectsWith(teams.setMember(bob, 'fraud-rt', 'carol', 'viewer'), 'NOT_ALLOWED', /'bob' may not change the members of 'fraud-rt'/);
      await rejectsWith(teams.removeMember(bob, 'fraud', 'alice'), 'NOT_ALLOWED', /'bob' may not/);
      // Role change and removal.
      const changed = await teams.setMember(alice, 'fraud', 'bob', 'viewer');
      assert.deepEqual(changed.members.map((m) => [m.username, m.role]), [['alice', 'admin'], ['bob', 'viewer']]);
      const removed = await teams.removeMember(alice, 'fraud', 'bob');
      assert.deepEqual(removed.members.map((m) => m.username), ['alice']);
      await rejectsWith(teams.removeMember(alice, 'fraud', 'bob'), 'NOT_FOUND', /'bob' is not a member of team 'fraud'/);
      assert.deepEqual((await org.getUser('bob')).teams, [{ team: 'fraud-rt', role: 'maintainer' }]);
      assert.equal(await teams.canManage(null, 'fraud'), false);
      assert.equal(await teams.canManage(root, 'fraud'), true);
    });
  });
}
