import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestPlatform, DIALECTS } from '../../test-support/platform.js';
import { logisticModel } from '../serving/test-support/serving-models.js';

const ROOT = { userId: 0, username: 'root', isAdmin: true, teams: [] };

for (const dialect of DIALECTS) {
  describe(`postmortems on ${dialect}`, () => {
    let fw: Awaited<ReturnType<typeof createTestPlatform>>;
    const token: Record<string, string> = {};
    const call = (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object, who?: string) =>
      fw.app.inject({ method, url, ...(payload ? { payload } : {}), headers: who ? { authorization: `Bearer ${token[who]}` } : {} });

    before(async () => {
      fw = await createTestPlatform(dialect);
      const { org, teams, registry, deployments, projects, alerts } = fw.services;
      for (const u of ['alice', 'bob']) {
        await org.bootstrapUser({ username: u, password: `${u}-password` });
        token[u] = (await org.issueToken((await org.checkPassword(u, `${u}-password`)).id, { name: 't' })).token;
      }
      await teams.createTeam(ROOT, { name: 'growth' });
      await teams.createTeam(ROOT, { name: 'risk' });
      await teams.setMember(ROOT, 'growth', 'alice', 'member');
      await teams.setMember(ROOT, 'risk', 'bob', 'member');
      await registry.createRegisteredModel({ name: 'churn' });
      await fw.artifacts.put('0/run1/artifacts/model/model.onnx', Buffer.from(logisticModel()));
      await registry.createModelVersion({ name: 'churn', source: 'mlflow-artifacts:/0/run1/artifacts/model' });
      await deployments.create({ name: 'churn-live', config: { variants: [{ name: 'a', model: { name: 'churn', version: '1' }, role: 'primary', weight: 100 }] } });
      await projects.create({ actor: 'root', source: null, principal: ROOT }, { name: 'churn', ownerTeam: 'growth' });
      await alerts.create({ name: 'age-drift', deployment: 'churn-live', metric: 'psi', column: 'age', condition: { op: '>', threshold: 0.2 }, window: { points: 2 }, aggregation: 'mean', minSampleSize: 100, cooldownSeconds: 3600, intervalSeconds: 60 });
    });
    after(async () => fw.dispose());

    test('write, link, list by linked thing, change; refusals name the field; every change audited', async () => {
      let r = await call('POST', '/api/v1/postmortems', {
        kind: 'incident',
        title: 'Churn scores drifted after the pricing change',
        team: 'growth',
        occurredAt: '2026-11-02',
        summary: 'Scores drifted for three days.',
        impact: '2% of retention offers went to the wrong customers.',
        actionItems: ['alert on age drift sooner', { text: 'retrain weekly', owner: 'alice' }],
        links: { projects: ['churn'], deployments: ['churn-live'], alerts: ['age-drift'], alertEvents: [12], incidents: ['INC-42'] },
      }, 'alice');
      assert.equal(r.statusCode, 201, r.body);
      const incident = r.json();
      assert.equal(incident.createdBy, 'alice');
      assert.equal(incident.status, 'draft');
      assert.equal(incident.occurredAt, Date.parse('2026-11-02'));
      assert.deepEqual(incident.links, { projects: ['churn'], deployments: ['churn-live'], alerts: ['age-drift'], alertEvents: ['12'], incidents: ['INC-42'] });
      assert.deepEqual(incident.actionItems, [{ text: 'alert on age drift sooner', owner: null, done: false }, { text: 'retrain weekly', owner: 'alice', done: false }]);

      r = await call('POST', '/api/v1/postmortems', { kind: 'success', title: 'Churn model beat its target in pilot', team: 'growth', whatWentWell: 'labels were ready', links: { projects: ['churn'] } }, 'alice');
      assert.equal(r.statusCode, 201, r.body);
      const success = r.json();

      const refusals: [object, RegExp][] = [
        [{ kind: 'meh', title: 'x' }, /kind/],
        [{ kind: 'incident' }, /title is required/],
        [{ kind: 'incident', title: 'x', links: { deployments: ['ghost'] } }, /links\.deployments\[0\]: deployment 'ghost' does not exist/],
        [{ kind: 'incident', title: 'x', links: { alerts: ['nope'] } }, /links\.alerts\[0\]: alert 'nope' does not exist/],
        [{ kind: 'incident', title: 'x', links: { ships: ['a'] } }, /links\.ships is not a known link/],
        [{ kind: 'incident', title: 'x', team: 'nobody' }, /team "nobody" is not a team/],
        [{ kind: 'incident', title: 'x', actionItems: [{ text: 'a', due: 'soon' }] }, /actionItems\[0\]\.due is not a known field/],
        [{ kind: 'incident', title: 'x', colour: 'red' }, /colour/],
      ];
      for (const [body, message] of refusals) {
        r = await call('POST', '/api/v1/postmortems', body, 'alice');
        assert.equal(r.statusCode, 400, `${JSON.stringify(body)}: ${r.body}`);
        assert.match(r.json().error.message, message);
      }
      r = await call('POST', '/api/v1/postmortems', { kind: 'incident', title: 'not my team', team: 'growth' }, 'bob');
      assert.equal(r.statusCode, 403);

      const list = async (q: string) => ((await call('GET', `/api/v1/postmortems${q}`)).json().postmortems as { id: number }[]).map((p) => p.id);
      assert.deepEqual(await list('?project=churn'), [success.id, incident.id]);
      assert.deepEqual(await list('?kind=success'), [success.id]);
      assert.deepEqual(await list('?deployment=churn-live'), [incident.id]);
      assert.deepEqual(await list('?alert=age-drift'), [incident.id]);
      assert.deepEqual(await list('?incident=INC-42'), [incident.id]);
      assert.deepEqual(await list('?project=other'), []);
      assert.equal((await call('GET', '/api/v1/postmortems?project=churn&deployment=churn-live')).statusCode, 400);
      const page = (await call('GET', '/api/v1/postmortems?maxResults=1')).json();
      assert.equal(page.postmortems.length, 1);
      assert.deepEqual(((await call('GET', `/api/v1/postmortems?maxResults=1&pageToken=${encodeURIComponent(page.nextPageToken)}`)).json().postmortems as { id: number }[]).map((p) => p.id), [incident.id]);

      r = await call('PATCH', `/api/v1/postmortems/${incident.id}`, { status: 'published' }, 'bob');
      assert.equal(r.statusCode, 403);
      assert.match(r.json().error.message, /team 'growth'/);
      r = await call('PATCH', `/api/v1/postmortems/${incident.id}`, { status: 'published', rootCause: 'a new price plan shifted the age mix', actionItems: [{ text: 'alert on age drift sooner', done: true }] }, 'alice');
      assert.equal(r.statusCode, 200, r.body);
      const updated = r.json();
      assert.equal(updated.status, 'published');
      assert.deepEqual(updated.sections, { summary: 'Scores drifted for three days.', impact: '2% of retention offers went to the wrong customers.', rootCause: 'a new price plan shifted the age mix' });
      assert.deepEqual(updated.links.deployments, ['churn-live'], 'links are kept when not given');
      assert.equal((await call('GET', `/api/v1/postmortems/${incident.id}`)).json().actionItems[0].done, true);
      assert.equal((await call('GET', '/api/v1/postmortems/9999')).statusCode, 404);

      const entries = (await fw.services.audit.list({ action: 'postmortem.*', maxResults: 10 })).items;
      assert.deepEqual(entries.map((e) => `${e.action} ${e.resourceId} ${e.actor}`), [`postmortem.updated ${incident.id} alice`, `postmortem.created ${success.id} alice`, `postmortem.created ${incident.id} alice`]);
      assert.equal((entries[0]!.before as { status: string }).status, 'draft');
      assert.equal((await fw.services.audit.verify()).ok, true);
    });
  });
}
