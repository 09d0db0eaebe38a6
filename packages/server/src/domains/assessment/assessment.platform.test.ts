import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestPlatform, DIALECTS } from '../../test-support/platform.js';
import type { Principal } from '../org/index.js';
import { seedAssessmentWorld, type World } from './test-support/world.js';

// Issue 8's "Done when", through the platform as `flywheel server` wires it: teams, projects and
// models at three levels of practice, scored over the native API; the scorecards differ as the
// evidence says, every score names its evidence, and configuring the missing drift monitor raises
// the next assessment.

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;
type TestPlatform = Awaited<ReturnType<typeof createTestPlatform>>;
const ADMIN: Principal = { userId: 0, username: 'root', isAdmin: true, teams: [] };

for (const dialect of DIALECTS) {
  describe(`assessment end to end (${dialect})`, () => {
    let platform: TestPlatform;
    let world: World;
    const call = async (method: 'GET' | 'POST' | 'PUT', url: string, payload?: unknown, token?: string) => {
      const res = await platform.app.inject({ method, url, ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}), ...(payload === undefined ? {} : { payload: payload as string }) });
      assert.ok(res.statusCode < 500, `${method} ${url} → ${res.statusCode}: ${res.body.slice(0, 400)}`);
      return { status: res.statusCode, body: (res.body ? JSON.parse(res.body) : {}) as Json };
    };
    const ok = (r: { status: number; body: Json }, status = 200): Json => {
      assert.equal(r.status, status, JSON.stringify(r.body).slice(0, 600));
      return r.body;
    };
    const testOf = (card: Json, id: string): Json => card.sections.flatMap((s: Json) => s.tests).find((t: Json) => t.id === id);
    const sectionScores = (card: Json) => Object.fromEntries(card.sections.map((s: Json) => [s.id, s.score]));

    before(async () => {
      platform = await createTestPlatform(dialect);
      world = await seedAssessmentWorld(platform, ADMIN);
    });
    after(async () => {
      await platform?.dispose();
    });

    test('scorecards differ as the evidence says; every score names its evidence', async () => {
      const fraud = ok(await call('POST', '/api/v1/assessment/models/fraud'));
      const churn = ok(await call('POST', '/api/v1/assessment/models/churn'));
      const poc = ok(await call('POST', '/api/v1/assessment/models/lab-poc'));

      for (const card of [fraud, churn, poc]) {
        assert.equal(card.sections.length, 4);
        assert.equal(card.final, Math.min(...card.sections.map((s: Json) => s.score)));
        for (const t of card.sections.flatMap((s: Json) => s.tests)) {
          if (t.score > 0) assert.ok(t.evidence.length > 0, `${card.model} ${t.id} scored ${t.score} without evidence`);
          if (t.score < 1) assert.ok(t.raise, `${card.model} ${t.id} says what would raise it`);
        }
      }
      // The research model: nothing recorded beyond a version.
      assert.equal(poc.final, 0);
      assert.match(poc.band.meaning, /research project/);

      // The hand-made model: what the seed did by hand, and nothing in monitoring beyond a fresh version and finite metrics.
      assert.deepEqual(sectionScores(churn), { data: 1.5, model: 2, infrastructure: 1.5, monitoring: 1 }, JSON.stringify(churn.sections.flatMap((s: Json) => s.tests.map((t: Json) => [t.id, t.score, t.why]))));
      assert.equal(churn.final, 1);
      assert.equal(churn.band.range, '(0,1]');
      assert.equal(testOf(churn, 'model-5').score, 0.5);
      assert.match(testOf(churn, 'model-5').evidence.map((e: Json) => e.detail).join(' '), /baseline compared on auc: 0.8 vs 0.7/);
      assert.equal(testOf(churn, 'monitor-3').score, 0);
      assert.match(testOf(churn, 'monitor-3').raise, /drift monitor/);
      assert.deepEqual([churn.loneSuperhero.flagged, churn.loneSuperhero.person], [true, 'carol']);
      assert.deepEqual(churn.projects, ['churn-reduction']);

      // The practised model: a pipeline, review, policy, canary rollout, rollback drill, monitor against its training data, alert.
      for (const id of ['data-1', 'data-5', 'data-6', 'data-7', 'model-1', 'model-3', 'model-5', 'infra-1', 'infra-2', 'infra-3', 'infra-4', 'infra-6', 'infra-7', 'monitor-1', 'monitor-2', 'monitor-3', 'monitor-5', 'monitor-6', 'monitor-7']) {
        assert.equal(testOf(fraud, id).score, 1, `fraud ${id}: ${testOf(fraud, id).why}`);
        assert.equal(testOf(fraud, id).basis, 'automated');
      }
      const kinds = (id: string) => testOf(fraud, id).evidence.map((e: Json) => e.kind);
      assert.ok(kinds('data-1').includes('dataset_schema') && kinds('data-1').includes('monitor'));
      assert.ok(kinds('infra-6').includes('canary_rollout'));
      assert.ok(kinds('infra-7').includes('rollback'));
      assert.ok(kinds('monitor-3').includes('drift_monitor'));
      assert.ok(kinds('model-5').includes('baseline_comparison'));
      assert.match(testOf(fraud, 'monitor-3').evidence[0].ref, new RegExp(`^monitor:${world.fraudMonitor}$`));
      assert.ok(fraud.final >= 3, `fraud final ${fraud.final}: ${JSON.stringify(sectionScores(fraud))}`);
      assert.ok(fraud.final > churn.final && churn.final > poc.final);
      assert.equal(fraud.loneSuperhero.flagged, false);
    });

    test('adding the missing evidence (a drift monitor on the deployment) raises the next assessment; history keeps both', async () => {
      const before = ok(await call('GET', '/api/v1/assessment/models/churn'));
      assert.equal(before.latest.final, 1);
      await world.addChurnMonitor();
      const now = ok(await call('POST', '/api/v1/assessment/models/churn'));
      assert.equal(testOf(now, 'monitor-2').score, 1);
      assert.equal(testOf(now, 'monitor-3').score, 1);
      assert.equal(testOf(now, 'data-1').score, 1);
      assert.deepEqual(sectionScores(now), { data: 2, model: 2, infrastructure: 1.5, monitoring: 3 });
      assert.equal(now.final, 1.5);
      const report = ok(await call('GET', '/api/v1/assessment/models/churn'));
      assert.equal(report.latest.final, 1.5);
      assert.deepEqual(report.history.slice(0, 2).map((h: Json) => [h.score, h.sections.monitoring]), [[1.5, 3], [1, 1]]);
    });

    test("a project's scorecard: its models' scores, the weakest as its final, its team's skills", async () => {
      const p = ok(await call('POST', '/api/v1/assessment/projects/churn-reduction'));
      assert.deepEqual(p.models.map((m: Json) => [m.model, m.final, m.loneSuperhero]), [['churn', 1.5, 'carol']]);
      assert.equal(p.final, 1.5);
      assert.equal(p.band.range, '(1,2]');
      assert.deepEqual(p.skills.missing, ['engineer (ML, software or data)', 'product owner', 'statistician']);
      const fraud = ok(await call('POST', '/api/v1/assessment/projects/fraud-detection'));
      assert.ok(fraud.final > p.final);
      assert.deepEqual(fraud.skills.missing, []);
      assert.equal(ok(await call('GET', '/api/v1/assessment/projects/churn-reduction')).history.length, 1);
      assert.equal((await call('POST', '/api/v1/assessment/projects/nope')).status, 404);
      assert.equal((await call('POST', '/api/v1/assessment/projects/fraud-detection', undefined, world.tokens.carol)).status, 403, "another team's project");
    });

    test('attestations: capped at 0.5, stored with who and when; bad input is a 400 naming the field', async () => {
      const a = ok(await call('POST', '/api/v1/assessment/models/churn/attestations', { testId: 'model-4', statement: 'Staleness study: AUC falls 0.02/month', artifactUri: 'https://wiki.example/churn-staleness' }), 201);
      assert.equal(a.attestedBy, 'anonymous');
      assert.equal(a.testId, 'model-4');
      const card = ok(await call('POST', '/api/v1/assessment/models/churn?store=false'));
      const t = testOf(card, 'model-4');
      assert.deepEqual([t.score, t.basis], [0.5, 'attestation']);
      assert.equal(t.evidence.at(-1).ref, 'https://wiki.example/churn-staleness');
      assert.equal(ok(await call('GET', '/api/v1/assessment/models/churn/attestations')).attestations.length, 1);
      const bad = await call('POST', '/api/v1/assessment/models/churn/attestations', { testId: 'model-99', statement: 'x' });
      assert.equal(bad.status, 400);
      assert.match(bad.body.error.message, /testId/);
      const missing = await call('POST', '/api/v1/assessment/models/churn/attestations', { testId: 'model-4' });
      assert.equal(missing.status, 400);
      assert.match(missing.body.error.message, /statement/);
      assert.equal((await call('POST', '/api/v1/assessment/models/nope')).status, 404);
      const window = await call('POST', '/api/v1/assessment/models/churn?windowDays=0&store=false');
      assert.equal(window.status, 400);
      assert.match(window.body.error.message, /windowDays/);
      // store:false kept no snapshot.
      assert.equal(ok(await call('GET', '/api/v1/assessment/models/churn')).history.length, 2);
    });

    test('organization: levels with criteria, archetype with traits, Star Model, skills, lone superheroes; questionnaire confirms or overrides', async () => {
      const q = ok(await call('PUT', '/api/v1/assessment/questionnaires/organization', { archetype: 'embedded', strategy: 'ml_core', structure: 'central', people: 'full_skills' }));
      assert.equal(q.answers.archetype, 'embedded');
      assert.equal((await call('PUT', '/api/v1/assessment/questionnaires/organization', { strategy: 'world_domination' })).status, 400);
      assert.equal(ok(await call('GET', '/api/v1/assessment/questionnaires/organization')).answers.strategy, 'ml_core');
      const replaced = ok(await call('PUT', '/api/v1/assessment/questionnaires/organization', { archetype: 'embedded', strategy: 'ml_core', structure: 'central', people: 'full_skills', rewards: null }));
      assert.deepEqual(replaced.answers, { archetype: 'embedded', strategy: 'ml_core', structure: 'central', people: 'full_skills' });
      const org = ok(await call('POST', '/api/v1/assessment/organization'));
      assert.equal(org.figures.production, 2);
      assert.equal(org.figures.registered, 3);
      assert.equal(org.maturity.level, 'Spreading', JSON.stringify(org.maturity.levels.map((l: Json) => [l.level, l.criteria.filter((c: Json) => !c.met).map((c: Json) => c.key)])));
      const widespread = org.maturity.levels.find((l: Json) => l.level === 'Widespread');
      assert.deepEqual(widespread.criteria.filter((c: Json) => !c.met).map((c: Json) => c.key), ['widespread.shared']);
      assert.ok(org.maturity.levels.every((l: Json) => l.criteria.every((c: Json) => typeof c.figure === 'string')));
      assert.equal(typeof org.google.level, 'number');
      assert.equal(typeof org.microsoft.level, 'number');
      assert.equal(org.archetype.inferred, 'embedded');
      assert.equal(org.archetype.confirmed, true);
      assert.ok(org.archetype.failureModes.length > 0);
      assert.deepEqual(org.loneSuperheroes.map((h: Json) => [h.model, h.person, h.projects]), [['churn', 'carol', ['churn-reduction']]]);
      const growth = org.skills.find((s: Json) => s.team === 'growth');
      assert.deepEqual(growth.missing, ['engineer (ML, software or data)', 'product owner', 'statistician']);
      assert.deepEqual(org.skills.find((s: Json) => s.team === 'risk').missing, []);
      const people = org.starModel.find((s: Json) => s.point === 'people');
      assert.equal(people.aligned, false);
      assert.match(people.suggestion, /statistician/);
      const history = ok(await call('GET', '/api/v1/assessment/organization'));
      assert.equal(history.latest.maturity.level, 'Spreading');
      assert.deepEqual(history.history.map((h: Json) => h.level), ['Spreading']);
    });

    test('team report and access: members read their team, outsiders are refused, private models stay hidden', async () => {
      const team = ok(await call('POST', '/api/v1/assessment/teams/growth'));
      assert.deepEqual(team.models.map((m: Json) => m.name), ['churn']);
      assert.deepEqual(team.coverage.missing, ['engineer (ML, software or data)', 'product owner', 'statistician']);
      assert.equal((await call('POST', '/api/v1/assessment/teams/nobody')).status, 404);

      const carol = world.tokens.carol!;
      const mallory = world.tokens.mallory!;
      assert.equal((await call('GET', '/api/v1/assessment/organization', undefined, carol)).status, 403, 'the organization report is for admins');
      assert.equal((await call('POST', '/api/v1/assessment/teams/growth', undefined, carol)).status, 200);
      assert.equal((await call('POST', '/api/v1/assessment/teams/risk', undefined, carol)).status, 403);
      assert.equal((await call('POST', '/api/v1/assessment/models/fraud', undefined, mallory)).status, 404, "a private model of another team is not revealed");
      assert.equal((await call('POST', '/api/v1/assessment/models/churn/attestations', { testId: 'data-3', statement: 'costs reviewed' }, mallory)).status, 403, 'reading an internal model is not changing it');
      const own = ok(await call('POST', '/api/v1/assessment/models/churn/attestations', { testId: 'data-3', statement: 'feature costs reviewed in sprint 12' }, carol), 201);
      assert.equal(own.attestedBy, 'carol');
      assert.equal((await call('PUT', '/api/v1/assessment/questionnaires/teams/growth', { people: 'major_gaps' }, carol)).status, 403, 'a member (not maintainer) cannot answer for the team');
    });
  });
}
