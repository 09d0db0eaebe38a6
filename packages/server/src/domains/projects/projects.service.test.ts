import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { DomainError } from '@flywheel/contract';
import { DIALECTS } from '../../store/test-support/stores.js';
import { SYSTEM_CONTEXT, type ChangeContext } from '../audit/index.js';
import { ADMIN, createProjectsPlatform } from './test-support/projects-fixture.js';

const DAY = 86_400_000;
const ctx: ChangeContext = { actor: 'ada', source: '10.1.2.3', principal: null };

/** The checklist of a refused stage change, from the 409's details. */
async function refusal(p: Promise<unknown>): Promise<{ key: string; passed: boolean; why: string }[]> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof DomainError, String(e));
    assert.equal(e.code, 'INVALID_STATE', e.message);
    return (e.details!.checklist as { conditions: { key: string; passed: boolean; why: string }[] }).conditions;
  }
  assert.fail('the stage change was not refused');
}
const unmet = (c: { key: string; passed: boolean }[]) => c.filter((x) => !x.passed).map((x) => x.key);

for (const dialect of DIALECTS) {
  describe(`projects on ${dialect}`, () => {
    let fw: Awaited<ReturnType<typeof createProjectsPlatform>>;
    before(async () => {
      fw = await createProjectsPlatform(dialect);
    });
    after(() => fw.dispose());

    test('a project climbs idea → poc → pilot → production only as its gates pass; each refusal lists what is missing', async () => {
      const { registry, org, teams } = fw.services;
      const projects = fw.projects;
      const created = await projects.create(ctx, { name: 'churn', description: 'Who leaves next month', businessCase: { riskRating: 'medium' } });
      assert.equal(created.stage, 'idea');
      assert.equal(created.businessCase.riskRating, 'medium');
      assert.equal(created.businessCase.successDirection, 'higher');

      // Entering POC needs the core of the business case and an end date.
      let c = await refusal(projects.changeStage(ctx, 'churn', { to: 'poc' }));
      assert.deepEqual(unmet(c), ['businessChallenge', 'businessValue', 'successMetric', 'dataExists', 'pocEndDate']);
      assert.equal((await projects.get('churn')).stage, 'idea', 'a refusal moves nothing');
      // Skipping a stage is one more unmet condition.
      c = (await projects.gate('churn', 'production')).conditions;
      assert.ok(unmet(c).includes('transition'));
      assert.match(c.find((x) => x.key === 'transition')!.why, /skips poc, pilot/);

      await projects.update(ctx, 'churn', {
        businessCase: { businessChallenge: 'Churn is 4%/month', businessValue: '€2M/year retained', successMetric: 'recall_at_10', dataExists: false },
        pocEndDate: '2026-02-10',
      });
      c = await refusal(projects.changeStage(ctx, 'churn', { to: 'poc' }));
      assert.deepEqual(unmet(c), ['dataExists']);
      assert.match(c.find((x) => x.key === 'dataExists')!.why, /false: a POC needs data/);
      await projects.update(ctx, 'churn', { businessCase: { dataExists: true, dataLabeled: true } });
      const toPoc = await projects.changeStage(ctx, 'churn', { to: 'poc', reason: 'case approved by the CoE' });
      assert.equal(toPoc.project.stage, 'poc');
      assert.equal(toPoc.checklist.passed, true);
      assert.equal(toPoc.project.overdue, false);

      // Pilot: a target and an owner team.
      c = await refusal(projects.changeStage(ctx, 'churn', { to: 'pilot' }));
      assert.deepEqual(unmet(c), ['successTarget', 'ownerTeam']);
      await teams.createTeam(ADMIN, { name: 'retention' });
      await projects.update(ctx, 'churn', { ownerTeam: 'retention', businessCase: { successTarget: 0.6 } });
      await projects.changeStage(ctx, 'churn', { to: 'pilot' });

      // Production: everything missing is listed at once.
      c = await refusal(projects.changeStage(ctx, 'churn', { to: 'production' }));
      assert.deepEqual(unmet(c), ['modelApproval', 'modelCard', 'monitoring', 'skills']);
      assert.match(c.find((x) => x.key === 'skills')!.why, /nobody in 'retention' has data_scientist, ml_engineer, product_owner/);
      assert.match(c.find((x) => x.key === 'monitoring')!.why, /no deployment is linked/);

      // A model version registered but neither reviewed nor carded.
      await registry.createRegisteredModel({ name: 'churn-model' });
      await registry.createModelVersion({ name: 'churn-model', source: 's3://bucket/churn/1' });
      await projects.update(ctx, 'churn', { models: [{ name: 'churn-model', version: 1 }], deployments: ['churn-prod'] });
      c = (await projects.gate('churn', 'production')).conditions;
      assert.deepEqual(unmet(c), ['modelApproval', 'modelCard', 'monitoring', 'skills']);
      assert.match(c.find((x) => x.key === 'modelApproval')!.why, /churn-model\/1: approval pending, card missing/);
      assert.match(c.find((x) => x.key === 'monitoring')!.why, /no monitor on churn-prod/);

      await registry.decideApproval('churn-model', '1', { status: 'approved', decidedBy: 'grace' });
      await registry.putModelCard('churn-model', '1', { intendedUse: 'rank accounts for retention calls' });
      c = (await projects.gate('churn', 'production')).conditions;
      assert.deepEqual(unmet(c), ['modelCard', 'monitoring', 'skills']);
      assert.match(c.find((x) => x.key === 'modelCard')!.why, /card Draft/);
      await registry.transitionModelCard('churn-model', '1', 'PendingReview');
      await registry.transitionModelCard('churn-model', '1', 'Approved');

      // Skills: members cover some roles, then all of them.
      await org.bootstrapUser({ username: 'dana', password: 'dana-password', skills: ['data_scientist', 'statistician'] });
      await org.bootstrapUser({ username: 'eli', password: 'eli-password', skills: ['ml_engineer'] });
      await org.bootstrapUser({ username: 'pat', password: 'pat-password', skills: ['product_owner'] });
      await teams.setMember(ADMIN, 'retention', 'dana', 'member');
      await teams.setMember(ADMIN, 'retention', 'eli', 'maintainer');
      fw.monitoring.monitored.add('churn-prod');
      c = await refusal(projects.changeStage(ctx, 'churn', { to: 'production' }));
      assert.deepEqual(unmet(c), ['skills']);
      assert.match(c.find((x) => x.key === 'skills')!.why, /has product_owner \(covered: data_scientist: dana; ml_engineer: eli\)/);
      await teams.setMember(ADMIN, 'retention', 'pat', 'member');

      const prod = await projects.changeStage({ ...ctx, actor: 'grace' }, 'churn', { to: 'production', reason: 'pilot met the target' });
      assert.equal(prod.project.stage, 'production');
      assert.ok(prod.checklist.conditions.every((x) => x.passed));
      assert.deepEqual((await projects.history('churn')).map((h) => `${h.from}→${h.to} by ${h.actor}`), ['idea→poc by ada', 'poc→pilot by ada', 'pilot→production by grace']);
      assert.equal((await projects.history('churn'))[2]!.reason, 'pilot met the target');

      // Every change and refusal is in the audit log with its actor and address, and the chain verifies.
      const log = (await fw.audit.list({ resource: 'project:churn', maxResults: 1000 })).items.reverse();
      const actions = log.map((e) => e.action);
      assert.equal(actions[0], 'project.created');
      assert.equal(actions.filter((a) => a === 'project.stage_changed').length, 3);
      assert.equal(actions.filter((a) => a === 'project.stage_refused').length, 5);
      const last = log[log.length - 1]!;
      assert.equal(last.action, 'project.stage_changed');
      assert.equal(last.actor, 'grace');
      assert.equal(last.source, '10.1.2.3');
      assert.equal(last.team, 'retention');
      assert.deepEqual(last.before, { stage: 'pilot' });
      assert.equal((last.after as { stage: string }).stage, 'production');
      const v = await fw.audit.verify();
      assert.equal(v.ok, true, v.reason);
      assert.ok(v.checked >= log.length);

      // Production → retired is always open; nothing leaves retired.
      await projects.changeStage(SYSTEM_CONTEXT, 'churn', { to: 'retired' });
      c = await refusal(projects.changeStage(ctx, 'churn', { to: 'production' }));
      assert.match(c.find((x) => x.key === 'transition')!.why, /retired project does not move again/);
    });

    test('POCs past their end date are flagged and listed with overdue=true', async () => {
      const { projects } = fw;
      fw.setNow(Date.UTC(2026, 2, 1));
      const base = { businessChallenge: 'x', businessValue: 'y', successMetric: 'auc', dataExists: true };
      await projects.create(ctx, { name: 'fraud', businessCase: base, pocEndDate: Date.UTC(2026, 2, 15) });
      await projects.create(ctx, { name: 'pricing', businessCase: base, pocEndDate: '2026-04-30T00:00:00Z' });
      await projects.create(ctx, { name: 'someday', businessCase: base, pocEndDate: Date.UTC(2026, 2, 2) });
      await projects.changeStage(ctx, 'fraud', { to: 'poc' });
      await projects.changeStage(ctx, 'pricing', { to: 'poc' });
      assert.deepEqual((await projects.list({ overdue: true })).items.map((p) => p.name), []);
      fw.advance(20 * DAY);
      const overdue = await projects.list({ overdue: true });
      // 'someday' is past its date too but still an idea: only running POCs are overdue.
      assert.deepEqual(overdue.items.map((p) => p.name), ['fraud']);
      assert.equal((await projects.get('fraud')).overdue, true);
      assert.equal((await projects.get('pricing')).overdue, false);
      assert.equal((await projects.get('someday')).overdue, false);
      assert.deepEqual((await projects.list({ stage: 'poc' })).items.map((p) => [p.name, p.overdue]), [['fraud', true], ['pricing', false]]);
      // An overdue POC cannot be re-entered with the date passed (the gate names it).
      const g = await projects.gate('someday', 'poc');
      assert.match(g.conditions.find((x) => x.key === 'pocEndDate')!.why, /2026-03-02 has passed/);
    });

    test('outcomes are tracked over time against the target', async () => {
      const { projects } = fw;
      await projects.create(ctx, { name: 'upsell', businessCase: { successMetric: 'conversion', successTarget: 0.05 } });
      const t0 = fw.clock.now();
      await projects.recordOutcome(ctx, 'upsell', { value: 0.03, ts: t0 - 2 * DAY });
      await projects.recordOutcome(ctx, 'upsell', { value: 0.055, ts: t0 - DAY });
      await projects.recordOutcome(ctx, 'upsell', { metric: 'revenue', value: 1200 });
      const s = await projects.series('upsell', {});
      assert.deepEqual(s.points.map((p) => p.value), [0.03, 0.055]);
      assert.equal(s.metric, 'conversion');
      assert.equal(s.target, 0.05);
      assert.equal(s.metTarget, true);
      assert.equal((await projects.series('upsell', { until: String(t0 - DAY) })).metTarget, false);
      assert.deepEqual((await projects.series('upsell', { metric: 'revenue' })).points.map((p) => p.value), [1200]);
      await assert.rejects(projects.recordOutcome(ctx, 'upsell', { value: 'high' }), /value must be a finite number/);
      await projects.create(ctx, { name: 'nometric' });
      await assert.rejects(projects.recordOutcome(ctx, 'nometric', { value: 1 }), /metric is required/);
      assert.ok((await fw.audit.list({ action: 'project.outcome_recorded' })).items.length >= 3);
    });

    test('bad input names the field; nothing is half-written', async () => {
      const { projects } = fw;
      await assert.rejects(projects.create(ctx, { name: 'Bad Name' }), /name 'Bad Name' must be lowercase/);
      await assert.rejects(projects.create(ctx, { name: 'ok', businessCase: { riskRating: 'extreme' } }), /businessCase.riskRating must be one of low, medium, high/);
      await assert.rejects(projects.create(ctx, { name: 'ok', businessCase: { colour: 'red' } }), /businessCase.colour is not a known field/);
      await assert.rejects(projects.create(ctx, { name: 'ok', pocEndDate: 'next tuesday' }), /pocEndDate 'next tuesday' is not a date/);
      await assert.rejects(projects.create(ctx, { name: 'ok', ownerTeam: 'ghosts' }), /ownerTeam 'ghosts' is not a team/);
      await assert.rejects(projects.create(ctx, { name: 'ok', models: [{ name: 'm', version: 'two' }] }), /models\[0\].version must be a version number/);
      await assert.rejects(projects.create(ctx, { name: 'churn' }), /already exists/);
      await assert.rejects(projects.changeStage(ctx, 'churn', { to: 'launch' }), /to must be one of idea, poc, pilot, production, retired/);
      await assert.rejects(projects.get('ok'), /not found/);
    });

    test('a logged-in non-member cannot change a team project', async () => {
      const { projects } = fw;
      await fw.services.teams.createTeam(ADMIN, { name: 'growth' });
      const outsider = { actor: 'zed', source: null, principal: { userId: 99, username: 'zed', isAdmin: false, teams: [{ teamId: 1, team: 'retention', role: 'member' as const }] } };
      await assert.rejects(projects.create(outsider, { name: 'growth-model', ownerTeam: 'growth' }), (e: DomainError) => e.code === 'NOT_ALLOWED');
      await projects.create(ctx, { name: 'growth-model', ownerTeam: 'growth' });
      await assert.rejects(projects.update(outsider, 'growth-model', { description: 'mine now' }), /Only admins, maintainers and members of team 'growth'/);
      const member = { ...outsider, principal: { ...outsider.principal, teams: [{ teamId: 2, team: 'growth', role: 'member' as const }] } };
      assert.equal((await projects.update(member, 'growth-model', { description: 'ours' })).description, 'ours');
    });

    test('tampering with a project audit entry in SQL makes verify name its seq', async () => {
      const entry = (await fw.audit.list({ action: 'project.created', resource: 'project:fraud' })).items[0]!;
      if (dialect === 'postgres') await sql`DROP TRIGGER audit_log_no_change ON audit_log`.execute(fw.store.db);
      else await sql`DROP TRIGGER audit_log_no_update`.execute(fw.store.db);
      await sql`UPDATE audit_log SET actor = 'someone-else' WHERE seq = ${entry.seq}`.execute(fw.store.db);
      const v = await fw.audit.verify();
      assert.equal(v.ok, false);
      assert.equal(v.firstBrokenSeq, entry.seq);
    });
  });

  describe(`projects and their audit entries commit together on ${dialect}`, () => {
    test('when the audit entry cannot be written, the project change is not either', async () => {
      let fail = false;
      const fw = await createProjectsPlatform(dialect, {
        auditOverride: (real) => ({
          async record(e, trx) {
            const entry = await real.record(e, trx);
            if (fail) throw new Error('audit write failed');
            return entry;
          },
        }),
      });
      try {
        await fw.projects.create(ctx, { name: 'kept' });
        fail = true;
        await assert.rejects(fw.projects.create(ctx, { name: 'lost' }), /audit write failed/);
        await assert.rejects(fw.projects.update(ctx, 'kept', { description: 'changed' }), /audit write failed/);
        await assert.rejects(fw.projects.get('lost'), /not found/);
        assert.equal((await fw.projects.get('kept')).description, '');
        const v = await fw.audit.verify();
        assert.equal(v.ok, true);
        assert.equal(v.lastSeq, 1);
      } finally {
        await fw.dispose();
      }
    });
  });
}
