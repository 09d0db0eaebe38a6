import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { FastifyInstance } from 'fastify';
import { DIALECTS } from '../../store/test-support/stores.js';
import { createProjectsPlatform } from './test-support/projects-fixture.js';
import { createProjectsApp } from './test-support/projects-app.js';

for (const dialect of DIALECTS) {
  describe(`projects and audit HTTP API on ${dialect}`, () => {
    let fw: Awaited<ReturnType<typeof createProjectsPlatform>>;
    let app: FastifyInstance;
    let adaToken: string;
    let bobToken: string;
    before(async () => {
      fw = await createProjectsPlatform(dialect);
      app = await createProjectsApp({ org: fw.services.org, projects: fw.projects, audit: fw.audit });
      const { org } = fw.services;
      await org.bootstrapUser({ username: 'ada', password: 'ada-password', isAdmin: true });
      await org.bootstrapUser({ username: 'bob', password: 'bob-password' });
      adaToken = (await org.issueToken((await org.checkPassword('ada', 'ada-password')).id, { name: 't' })).token;
      bobToken = (await org.issueToken((await org.checkPassword('bob', 'bob-password')).id, { name: 't' })).token;
    });
    after(async () => {
      await app.close();
      await fw.dispose();
    });
    const call = (method: 'GET' | 'POST' | 'PATCH' | 'DELETE', url: string, payload?: unknown, token?: string) =>
      app.inject({ method, url, ...(payload === undefined ? {} : { payload: payload as object }), headers: token ? { authorization: `Bearer ${token}` } : {} });

    test('CRUD, gate, stage refusal (409 with the checklist) and outcomes; the caller is the audit actor', async () => {
      let r = await call('POST', '/api/v1/projects', { name: 'churn', colour: 'red' }, adaToken);
      assert.equal(r.statusCode, 400);
      assert.match(r.json().error.message, /body.colour is not a known field/);
      r = await call('POST', '/api/v1/projects', { name: 'churn', businessCase: { dataExists: 'yes' } }, adaToken);
      assert.equal(r.statusCode, 400);
      assert.match(r.json().error.message, /body.businessCase.dataExists/);

      r = await call('POST', '/api/v1/projects', { name: 'churn', businessCase: { businessChallenge: 'churn', riskRating: 'high' } }, adaToken);
      assert.equal(r.statusCode, 201, r.body);
      assert.equal(r.json().createdBy, 'ada');

      r = await call('POST', '/api/v1/projects/churn/stage', { to: 'poc', reason: 'go' }, adaToken);
      assert.equal(r.statusCode, 409);
      const body = r.json();
      assert.equal(body.error.code, 'INVALID_STATE');
      assert.match(body.error.message, /4 conditions unmet/);
      const unmet = (body.error.details.checklist.conditions as { key: string; passed: boolean }[]).filter((c) => !c.passed).map((c) => c.key);
      assert.deepEqual(unmet, ['businessValue', 'successMetric', 'dataExists', 'pocEndDate']);

      r = await call('PATCH', '/api/v1/projects/churn', { businessCase: { businessValue: 'v', successMetric: 'recall', dataExists: true }, pocEndDate: '2026-03-01' });
      assert.equal(r.statusCode, 200, r.body);
      r = await call('GET', '/api/v1/projects/churn/gate?to=poc');
      assert.equal(r.statusCode, 200);
      assert.equal(r.json().passed, true);
      r = await call('GET', '/api/v1/projects/churn/gate?to=launch');
      assert.equal(r.statusCode, 400);
      assert.match(r.json().error.message, /querystring.to/);
      r = await call('POST', '/api/v1/projects/churn/stage', { to: 'poc' }, adaToken);
      assert.equal(r.statusCode, 200, r.body);
      assert.equal(r.json().project.stage, 'poc');

      fw.advance(60 * 86_400_000);
      r = await call('GET', '/api/v1/projects?overdue=true');
      assert.deepEqual(r.json().projects.map((p: { name: string; overdue: boolean }) => [p.name, p.overdue]), [['churn', true]]);
      r = await call('GET', '/api/v1/projects/churn/history');
      assert.deepEqual(r.json().changes.map((c: { to: string; actor: string }) => `${c.to}:${c.actor}`), ['poc:ada']);

      r = await call('POST', '/api/v1/projects/churn/outcomes', { value: 0.7 }, adaToken);
      assert.equal(r.statusCode, 201, r.body);
      r = await call('GET', '/api/v1/projects/churn/outcomes');
      assert.deepEqual(r.json().points.map((p: { value: number }) => p.value), [0.7]);
      r = await call('GET', '/api/v1/projects/nope');
      assert.equal(r.statusCode, 404);

      // The audit API: filtered by actor and action, exported, verified.
      r = await call('GET', '/api/v1/audit?resource=project:churn&action=project.*', undefined, adaToken);
      assert.equal(r.statusCode, 200);
      const entries = r.json().entries as { action: string; actor: string; source: string }[];
      assert.deepEqual(entries.map((e) => `${e.action}:${e.actor}`), [
        'project.outcome_recorded:ada',
        'project.stage_changed:ada',
        'project.updated:anonymous',
        'project.stage_refused:ada',
        'project.created:ada',
      ]);
      assert.equal(entries[0]!.source, '127.0.0.1');
      r = await call('GET', '/api/v1/audit/export?format=csv&actor=ada', undefined, adaToken);
      assert.equal(r.statusCode, 200);
      assert.match(r.headers['content-type'] as string, /text\/csv/);
      const lines = r.body.trim().split('\n');
      assert.equal(lines[0], 'seq,ts,actor,action,resourceType,resourceId,team,source,before,after,prevHash,hash');
      assert.equal(lines.length, 1 + 4);
      r = await call('GET', '/api/v1/audit/export', undefined, adaToken);
      const jsonl = r.body.trim().split('\n').map((l) => JSON.parse(l) as { seq: number });
      assert.deepEqual(jsonl.map((e) => e.seq), [1, 2, 3, 4, 5]);
      r = await call('GET', '/api/v1/audit/export?since=soon', undefined, adaToken);
      assert.equal(r.statusCode, 400);
      r = await call('GET', '/api/v1/audit/verify', undefined, adaToken);
      assert.deepEqual({ ok: r.json().ok, checked: r.json().checked }, { ok: true, checked: 5 });
      // Every team's changes are in the log: a logged-in non-admin may not read it.
      r = await call('GET', '/api/v1/audit', undefined, bobToken);
      assert.equal(r.statusCode, 403);

      r = await call('DELETE', '/api/v1/projects/churn', undefined, adaToken);
      assert.equal(r.statusCode, 204);
      r = await call('GET', '/api/v1/audit?action=project.deleted', undefined, adaToken);
      assert.equal(r.json().entries[0].before.name, 'churn');
    });
  });
}
