import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestPlatform, DIALECTS } from '../../test-support/platform.js';
import { logisticModel } from '../serving/test-support/serving-models.js';

const ROOT = { userId: 0, username: 'root', isAdmin: true, teams: [] };

for (const dialect of DIALECTS) {
  describe(`catalog search on ${dialect}`, () => {
    let fw: Awaited<ReturnType<typeof createTestPlatform>>;
    const token: Record<string, string> = {};
    const call = (url: string, who?: string, method: 'GET' | 'POST' = 'GET', payload?: object) =>
      fw.app.inject({ method, url, ...(payload ? { payload } : {}), headers: who ? { authorization: `Bearer ${token[who]}` } : {} });
    const search = async (q: string, who?: string, extra = '') => {
      const r = await call(`/api/v1/catalog/search?q=${encodeURIComponent(q)}${extra}`, who);
      assert.equal(r.statusCode, 200, r.body);
      return r.json() as { items: { kind: string; name: string; team: string | null; visibility: string | null; matched: string[] }[]; total: number };
    };
    const names = (r: Awaited<ReturnType<typeof search>>) => r.items.map((i) => `${i.kind}:${i.name}`);

    before(async () => {
      fw = await createTestPlatform(dialect);
      const { org, teams, registry, deployments, projects } = fw.services;
      for (const u of ['alice', 'bob']) {
        await org.bootstrapUser({ username: u, password: `${u}-password` });
        token[u] = (await org.issueToken((await org.checkPassword(u, `${u}-password`)).id, { name: 't' })).token;
      }
      await teams.createTeam(ROOT, { name: 'growth' });
      await teams.createTeam(ROOT, { name: 'risk' });
      await teams.setMember(ROOT, 'growth', 'alice', 'member');
      await teams.setMember(ROOT, 'risk', 'bob', 'member');
      const mlflow = async (who: string, body: object) => {
        const r = await call('/api/2.0/mlflow/registered-models/create', who, 'POST', body);
        assert.equal(r.statusCode, 200, r.body);
      };
      await mlflow('alice', { name: 'churn-growth', description: 'predicts churn of subscribers', tags: [{ key: 'flywheel.owner_team', value: 'growth' }] });
      await mlflow('bob', { name: 'churn-risk', tags: [{ key: 'flywheel.owner_team', value: 'risk' }, { key: 'domain', value: 'credit' }] });
      await mlflow('bob', { name: 'churn-shared', tags: [{ key: 'flywheel.owner_team', value: 'risk' }, { key: 'flywheel.visibility', value: 'internal' }] });
      let r = await call('/api/v1/datasets', 'bob', 'POST', { name: 'churn-events', description: 'raw events', ownerTeam: 'risk' });
      assert.equal(r.statusCode, 201, r.body);
      r = await call('/api/v1/experiments', 'alice', 'POST', { name: 'churn-experiments', ownerTeam: 'growth' });
      assert.ok(r.statusCode < 300, r.body);
      // A deployment of risk's private model: who cannot read the model does not see it either.
      await fw.artifacts.put('0/run1/artifacts/model/model.onnx', Buffer.from(logisticModel()));
      await registry.createModelVersion({ name: 'churn-risk', source: 'mlflow-artifacts:/0/run1/artifacts/model' });
      await deployments.create({ name: 'churn-live', config: { variants: [{ name: 'a', model: { name: 'churn-risk', version: '1' }, role: 'primary', weight: 100 }] } });
      await projects.create({ actor: 'root', source: null, principal: ROOT }, { name: 'churn', ownerTeam: 'growth', businessCase: { businessChallenge: 'subscribers leave' } });
      await fw.services.postmortems.create({ actor: 'root', source: null, principal: ROOT }, { kind: 'incident', title: 'Scores drifted after the pricing change', team: 'risk', lessons: 'watch the age mix', links: { incidents: ['INC-7'] } });
    });
    after(async () => fw.dispose());

    test('each caller finds only what it may read, the exact name first', async () => {
      const alice = await search('churn', 'alice');
      assert.equal(names(alice)[0], 'project:churn');
      assert.deepEqual(new Set(names(alice)), new Set(['project:churn', 'model:churn-shared', 'model:churn-growth', 'experiment:churn-experiments']));
      const bob = await search('churn', 'bob');
      assert.deepEqual(new Set(names(bob)), new Set(['project:churn', 'model:churn-shared', 'model:churn-risk', 'dataset:churn-events', 'deployment:churn-live']));
      const everything = await search('churn');
      assert.equal(everything.total, 7, 'anonymous on loopback (full) reads everything');
      const growth = alice.items.find((i) => i.name === 'churn-growth')!;
      assert.equal(growth.team, 'growth');
      assert.equal(growth.visibility, 'private');
    });

    test('matches on description, team, tags and stage; kind filters; bad input is a 400 naming the field', async () => {
      const byDescription = await search('subscribers', 'alice');
      assert.deepEqual(byDescription.items.map((i) => `${i.kind}:${i.name}:${i.matched.join('+')}`).sort(), ['model:churn-growth:description', 'project:churn:businessChallenge']);
      assert.deepEqual(names(await search('credit', 'alice')), [], "a private model's tags do not leak");
      assert.deepEqual(names(await search('credit', 'bob')), ['model:churn-risk']);
      assert.deepEqual(new Set(names(await search('growth', 'alice'))), new Set(['model:churn-growth', 'project:churn', 'experiment:churn-experiments']));
      assert.deepEqual(names(await search('idea', 'alice', '&kind=project')), ['project:churn']);
      assert.deepEqual(new Set(names(await search('churn', 'bob', '&kind=dataset,deployment'))), new Set(['dataset:churn-events', 'deployment:churn-live']));
      assert.equal((await search('churn', 'bob', '&maxResults=2')).items.length, 2);
      // Postmortems are the organization's knowledge: every caller finds them, by title, lessons or links.
      for (const who of ['alice', 'bob']) assert.deepEqual(names(await search('drifted', who)), ['postmortem:Scores drifted after the pricing change']);
      const byLesson = await search('age mix', 'alice', '&kind=postmortem');
      assert.deepEqual(byLesson.items.map((i) => `${i.kind} ${i.team} ${i.matched.join('+')}`), ['postmortem risk lessons']);
      assert.deepEqual(names(await search('INC-7', 'alice')), ['postmortem:Scores drifted after the pricing change']);
      let r = await call('/api/v1/catalog/search?q=churn&kind=spaceship', 'bob');
      assert.equal(r.statusCode, 400);
      assert.match(r.json().error.message, /kind 'spaceship' is not one of project, model/);
      r = await call('/api/v1/catalog/search', 'bob');
      assert.equal(r.statusCode, 400);
      assert.match(r.json().error.message, /q/);
    });
  });
}
