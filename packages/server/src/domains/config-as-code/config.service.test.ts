import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestPlatform, DIALECTS } from '../../test-support/platform.js';
import type { AuditLog } from '../audit/index.js';
import { ConfigAsCodeService } from './config.service.js';
import { orgUserExists, platformConfigPorts } from './config.ports.js';

const ORG = {
  version: 1,
  teams: [
    // The child first: the apply orders new teams parents-first.
    { name: 'ml-fraud', parent: 'ml', description: 'fraud models', members: [{ user: 'bob', role: 'maintainer' }] },
    { name: 'ml', description: 'machine learning', members: [{ user: 'ada', role: 'admin' }, { user: 'alice', role: 'member' }] },
  ],
  projects: [{ name: 'churn', ownerTeam: 'ml', pocEndDate: '2027-03-31', businessCase: { businessChallenge: 'churn is 4%/month', successMetric: 'recall_at_10', successTarget: 0.8, riskRating: 'medium' }, models: [{ name: 'churn-model' }] }],
  policies: [{ name: 'champion-gate', scope: { team: 'ml' }, action: 'model.alias_set', alias: 'champion', conditions: [{ type: 'model_card_approved' }, { type: 'reviews', min: 2 }] }],
  budgets: [{ name: 'ml-month', team: 'ml', amount: 100, enforce: true }, { name: 'churn-month', project: 'churn', amount: 40 }],
  rates: { compute_second: 0.01 },
};
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

for (const dialect of DIALECTS) {
  describe(`configuration as code on ${dialect}`, () => {
    let fw: Awaited<ReturnType<typeof createTestPlatform>>;
    let ada: string;
    let bob: string;
    before(async () => {
      fw = await createTestPlatform(dialect);
      const { org } = fw.services;
      await org.bootstrapUser({ username: 'ada', password: 'ada-password', isAdmin: true });
      await org.bootstrapUser({ username: 'bob', password: 'bob-password' });
      await org.bootstrapUser({ username: 'alice', password: 'alice-password' });
      ada = (await org.issueToken((await org.checkPassword('ada', 'ada-password')).id, { name: 't' })).token;
      bob = (await org.issueToken((await org.checkPassword('bob', 'bob-password')).id, { name: 't' })).token;
    });
    after(async () => fw.dispose());
    const call = (method: 'GET' | 'POST', url: string, payload?: unknown, token?: string) =>
      fw.app.inject({ method, url, ...(payload === undefined ? {} : { payload: payload as object }), headers: token ? { authorization: `Bearer ${token}` } : {} });
    const appliedEntries = async () => (await fw.services.audit.list({ action: 'config.applied', maxResults: 100 })).items.length;

    test('bad documents are refused naming the field, before anything is written', async () => {
      const cases: [unknown, RegExp][] = [
        [{ teams: [{ name: 'ml', members: [{ user: 'ada', role: 'owner' }] }] }, /teams\[0\]\.members\[0\]\.role must be one of admin, maintainer, member, viewer/],
        [{ teams: [{ name: 'ml', members: [{ user: 'nobody', role: 'member' }] }] }, /teams\[0\]\.members\[0\]\.user: user 'nobody' does not exist/],
        [{ teams: [{ name: 'ml', parent: 'nowhere' }] }, /teams\[0\]\.parent: team 'nowhere' neither exists nor is declared/],
        [{ teams: [{ name: 'a', parent: 'b' }, { name: 'b', parent: 'a' }] }, /form a loop/],
        [{ teams: [{ name: 'ml' }, { name: 'ml' }] }, /teams\[1\]\.name 'ml' is declared twice/],
        [{ projects: [{ name: 'churn', businessCase: { riskRating: 'extreme' } }] }, /projects\[0\]\.businessCase\.riskRating/],
        [{ projects: [{ name: 'churn', stage: 'production' }] }, /projects\[0\]\.stage is not a known field/],
        [{ policies: [{ name: 'p', action: 'model.alias_set', alias: 'champion', conditions: [{ type: 'vibes' }] }] }, /policies\[0\]: conditions\[0\]\.type must be one of/],
        [{ budgets: [{ name: 'b', team: 'ghost', amount: 1 }] }, /budgets\[0\]\.team: team 'ghost' neither exists nor is declared/],
        [{ budgets: [{ name: 'b', project: 'ghost', amount: 1 }] }, /budgets\[0\]\.project: project 'ghost' neither exists nor is declared/],
        [{ rates: { gpu_second: 1 } }, /rates\.gpu_second is not a rate/],
        [{ clusters: [] }, /document\.clusters is not a known section/],
      ];
      for (const [doc, message] of cases) {
        const r = await call('POST', '/api/v1/config/plan', { document: doc });
        assert.equal(r.statusCode, 400, `${JSON.stringify(doc)}: ${r.body}`);
        assert.match(r.json().error.message, message);
      }
      assert.equal((await call('POST', '/api/v1/config/plan', { doc: {} })).statusCode, 400);
      assert.deepEqual(await fw.services.teams.tree(), []);
    });

    test('plan writes nothing; apply needs a platform admin; apply twice changes nothing the second time', async () => {
      let r = await call('POST', '/api/v1/config/plan', { document: ORG });
      assert.equal(r.statusCode, 200, r.body);
      const plan = r.json();
      assert.deepEqual(
        plan.changes.map((c: { op: string; kind: string; name: string }) => `${c.op} ${c.kind} ${c.name}`),
        ['create team ml', 'create team ml-fraud', 'create member ml-fraud/bob', 'create member ml/ada', 'create member ml/alice', 'update rates rates', 'create project churn', 'create policy champion-gate', 'create budget ml-month', 'create budget churn-month'],
      );
      assert.deepEqual(plan.summary, { create: 9, update: 1, delete: 0 });
      assert.deepEqual(await fw.services.teams.tree(), []);

      assert.equal((await call('POST', '/api/v1/config/apply', { document: ORG })).statusCode, 401);
      r = await call('POST', '/api/v1/config/apply', { document: ORG }, bob);
      assert.equal(r.statusCode, 403);
      assert.match(r.json().error.message, /Only platform admins may apply a configuration; 'bob'/);

      r = await call('POST', '/api/v1/config/apply', { document: ORG }, ada);
      assert.equal(r.statusCode, 200, r.body);
      assert.deepEqual(r.json().summary, { create: 9, update: 1, delete: 0 });
      const fraud = await fw.services.teams.getTeam('ml-fraud');
      assert.equal(fraud.parent, 'ml');
      assert.deepEqual(fraud.members.map((m) => `${m.username}:${m.role}`), ['bob:maintainer']);
      assert.deepEqual((await fw.services.teams.getTeam('ml')).members.map((m) => `${m.username}:${m.role}`).sort(), ['ada:admin', 'alice:member']);
      const churn = await fw.services.projects.get('churn');
      assert.equal(churn.ownerTeam, 'ml');
      assert.equal(churn.businessCase.successTarget, 0.8);
      assert.equal(churn.pocEndDate, Date.parse('2027-03-31'));
      assert.equal((await fw.services.policies.get('champion-gate')).scope.team, 'ml');
      assert.equal((await fw.services.budgets.get('ml-month')).amount, 100);
      const projectBudget = await fw.services.budgets.get('churn-month');
      assert.deepEqual([projectBudget.project, projectBudget.team, projectBudget.amount], ['churn', 'ml', 40], "a project's budget, created after the project it names");
      assert.equal((await fw.services.budgets.rates()).compute_second, 0.01);
      // The domains' own entries are written by the same apply, attributed to the caller.
      const created = (await fw.services.audit.list({ action: 'project.created', maxResults: 10 })).items;
      assert.deepEqual(created.map((e) => `${e.actor} ${e.resourceId}`), ['ada churn']);
      assert.equal(await appliedEntries(), 1);

      r = await call('POST', '/api/v1/config/apply', { document: ORG }, ada);
      assert.equal(r.statusCode, 200);
      assert.deepEqual(r.json().changes, []);
      assert.equal(r.json().unchanged, 10);
      assert.equal(await appliedEntries(), 1);
      assert.equal((await fw.services.policies.versions('champion-gate')).length, 1);
    });

    test('diff shows field-level changes and removed members; export applies back to no change; the chain verifies', async () => {
      const doc = clone(ORG);
      doc.teams[1]!.members = [{ user: 'ada', role: 'admin' }, { user: 'alice', role: 'maintainer' }];
      doc.teams[0]!.members = [];
      doc.projects[0]!.businessCase = { successTarget: 0.9 } as typeof doc.projects[0]['businessCase'];
      doc.budgets[0]!.amount = 150;
      let r = await call('POST', '/api/v1/config/plan', { document: doc });
      const changes = r.json().changes as { op: string; kind: string; name: string; changes: { field: string; from: unknown; to: unknown }[] }[];
      assert.deepEqual(
        changes.map((c) => `${c.op} ${c.kind} ${c.name} ${c.changes.map((f) => `${f.field}:${JSON.stringify(f.from)}→${JSON.stringify(f.to)}`).join(',')}`),
        ['delete member ml-fraud/bob role:"maintainer"→null', 'update member ml/alice role:"member"→"maintainer"', 'update project churn businessCase.successTarget:0.8→0.9', 'update budget ml-month amount:100→150'],
      );
      r = await call('POST', '/api/v1/config/apply', { document: doc }, ada);
      assert.equal(r.statusCode, 200, r.body);
      assert.deepEqual((await fw.services.teams.getTeam('ml-fraud')).members, []);
      const churn = await fw.services.projects.get('churn');
      assert.equal(churn.businessCase.successTarget, 0.9);
      assert.equal(churn.businessCase.successMetric, 'recall_at_10', 'undeclared business case fields are left alone');

      const exported = (await call('GET', '/api/v1/config/export')).json().document;
      assert.deepEqual(exported.teams.map((t: { name: string; parent?: string }) => `${t.name}<${t.parent ?? ''}`), ['ml<', 'ml-fraud<ml']);
      assert.equal(exported.projects[0].pocEndDate, '2027-03-31T00:00:00.000Z');
      r = await call('POST', '/api/v1/config/plan', { document: exported });
      assert.deepEqual(r.json().changes, []);
      assert.ok(r.json().unchanged >= 7);
      assert.equal((await fw.services.audit.verify()).ok, true);
    });

    test('an apply that fails part-way writes nothing (one transaction)', async () => {
      const { store } = fw;
      const clock = { now: () => Date.now() };
      const real = fw.services.audit;
      // The audit log refuses the closing entry: every change before it must roll back with it.
      const failing: AuditLog = {
        record: (entry, trx) => (entry.action === 'config.applied' ? Promise.reject(new Error('audit store full')) : real.record(entry, trx)),
      };
      const config = new ConfigAsCodeService({
        read: { teams: fw.services.teams, userExists: orgUserExists(fw.services.org), projects: fw.services.projects, policies: fw.services.policies, budgets: fw.services.budgets },
        transaction: (fn) => store.transaction((trx) => fn(platformConfigPorts(trx, store.dialect, { clock, audit: failing }), trx)),
        audit: failing,
      });
      const ctx = { actor: 'ada', source: null, principal: { userId: 1, username: 'ada', isAdmin: true, teams: [] } };
      const doc = { teams: [{ name: 'growth', members: [{ user: 'alice', role: 'admin' }] }], projects: [{ name: 'upsell', ownerTeam: 'growth' }], budgets: [{ name: 'growth-month', team: 'growth', amount: 5 }] };
      await assert.rejects(config.apply(ctx, doc), /audit store full/);
      await assert.rejects(fw.services.teams.getTeam('growth'), /not found/);
      await assert.rejects(fw.services.projects.get('upsell'), /not found/);
      await assert.rejects(fw.services.budgets.get('growth-month'), /not found/);
      assert.equal((await fw.services.audit.list({ action: 'project.created', resource: 'project:upsell', maxResults: 10 })).items.length, 0);
      // The same document through the platform's own service applies.
      assert.equal((await fw.services.config.apply(ctx, doc)).summary.create, 4);
      assert.equal((await fw.services.teams.getTeam('growth')).members[0]!.username, 'alice');
    });
  });
}
