import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { TeamRecord } from './assessment.evidence-types.js';
import { figures, googleLevel, inferArchetype, loneSuperheroes, microsoftLevel, projectTeamsCoverage, seedsMaturity, starModel, type ModelSummary, type OrgInput } from './org-maturity.js';

const nobody = { flagged: false, trainers: [], registrars: [], deployers: [], person: null, why: '' };
function model(name: string, ownerTeam: string | null, over: Partial<ModelSummary> = {}): ModelSummary {
  return { name, ownerTeam, deployed: true, automated: false, pipeline: null, monitored: false, alerting: false, approved: false, canaried: false, tracked: false, datasets: [], deployerTeams: [], final: 0, band: '0', loneSuperhero: nobody, ...over };
}
const auto = { automated: true, pipeline: 'train', monitored: true, alerting: true, approved: true, canaried: true, tracked: true } as const;
const team = (name: string, skills: string[][]): TeamRecord => ({ name, parent: null, members: skills.map((s, i) => ({ username: `${name}-${i}`, role: 'member', skills: s })) });
function input(over: Partial<OrgInput>): OrgInput {
  return { teams: [], models: [], projects: [], policies: [], budgets: [], datasetOwners: [], totals: { experiments: 0, runs: 0 }, pipelines: [], automatedResponses: 0, questionnaire: {}, ...over };
}
const project = (name: string, ownerTeam: string, models: string[], stage = 'production', measured = true) => ({ name, ownerTeam, stage, createdBy: 'x', models, deployments: [], successMetric: measured ? 'revenue' : null, successTarget: measured ? 1 : null });

describe('organization maturity', () => {
  test('Initial: one team, one hand-made model; every criterion shown with its figure', () => {
    const i = input({ models: [model('m', 'a')], teams: [team('a', [['data_scientist']])] });
    const f = figures(i);
    const m = seedsMaturity(f);
    assert.equal(m.level, 'Initial');
    const spreading = m.levels.find((l) => l.level === 'Spreading')!;
    assert.equal(spreading.met, false);
    assert.deepEqual(spreading.criteria.map((c) => [c.key, c.met, c.figure]), [
      ['spreading.teams', false, '1 team(s)'],
      ['spreading.production', true, '1 model(s)'],
      ['spreading.owners', true, '1 of 1 (100%)'],
    ]);
    assert.equal(googleLevel(f).level, 0);
    assert.equal(microsoftLevel(f, 0).level, 1, 'deployed, no MLOps');
    assert.equal(inferArchetype(i, f).inferred, 'nascent');
  });

  test('Widespread, embedded: three teams own automated, monitored, approved models and share a pipeline', () => {
    const models = ['a', 'b', 'c'].map((t) => model(`m-${t}`, t, { ...auto, canaried: false, alerting: false }));
    const i = input({ models, projects: [project('p1', 'a', ['m-a'], 'pilot')] });
    const f = figures(i);
    assert.deepEqual(f.sharedPipelines, ['train']);
    const m = seedsMaturity(f);
    assert.equal(m.level, 'Widespread', JSON.stringify(m.levels.map((l) => [l.level, l.criteria.filter((c) => !c.met).map((c) => c.key)])));
    assert.deepEqual(m.levels.find((l) => l.level === 'Mature')!.criteria.filter((c) => !c.met).map((c) => c.key), ['mature.monitored', 'mature.policies', 'mature.budgets']);
    assert.equal(googleLevel(f).level, 1);
    assert.equal(microsoftLevel(f, 0).level, 2);
    const a = inferArchetype(i, f);
    assert.equal(a.inferred, 'embedded');
    assert.equal(a.axes.find((x) => x.axis === 'modelOwnership')!.inferred, 'distributed');
    assert.ok(a.failureModes.length && a.strengths.length);
  });

  test('Mature, ML-first: policies enforced, budgets, alerts that act on their own', () => {
    const models = ['a', 'b', 'c'].map((t) => model(`m-${t}`, t, auto));
    const i = input({
      models,
      projects: ['a', 'b', 'c'].map((t) => project(`p-${t}`, t, [`m-${t}`])),
      policies: [{ name: 'gate', action: 'model.alias_set', scopeTeam: null, conditions: ['metric'], createdAt: 0 }],
      budgets: [{ name: 'b', team: 'a', enforce: true }],
      automatedResponses: 1,
    });
    const f = figures(i);
    assert.equal(seedsMaturity(f).level, 'Mature');
    assert.equal(googleLevel(f).level, 2);
    assert.equal(microsoftLevel(f, 1).level, 4);
    assert.equal(microsoftLevel(f, 0).level, 3, 'without automated responses: level 3');
    assert.equal(inferArchetype(i, f).inferred, 'ml_first');
  });

  test('independent ML organization: one team owns most production models, used by other teams\' projects; a questionnaire overrides', () => {
    const models = [model('m1', 'ml', auto), model('m2', 'ml', auto), model('m3', 'ml'), model('m4', 'shop')];
    const i = input({ models, projects: [project('checkout', 'shop', ['m1'], 'pilot')], datasetOwners: [{ name: 'd1', ownerTeam: 'ml' }, { name: 'd2', ownerTeam: 'ml' }] });
    const f = figures(i);
    const a = inferArchetype(i, f);
    assert.equal(a.inferred, 'independent');
    assert.match(a.reasons[0]!, /team 'ml' owns 75% of production models, used by 1 project/);
    assert.equal(a.confirmed, null);
    assert.deepEqual(a.axes.map((x) => [x.axis, x.inferred]), [['engineering', 'software'], ['dataOwnership', 'central'], ['modelOwnership', 'central']]);
    const overridden = inferArchetype({ ...i, questionnaire: { archetype: 'embedded', dataOwnership: 'distributed' } }, f);
    assert.deepEqual([overridden.effective, overridden.confirmed, overridden.name], ['embedded', false, 'ML embedded in product teams']);
    assert.deepEqual(overridden.axes.find((x) => x.axis === 'dataOwnership'), { axis: 'dataOwnership', label: 'data ownership', inferred: 'central', declared: 'distributed', effective: 'distributed', figure: "team 'ml' owns 100% of 2 owned datasets" });
    assert.equal(inferArchetype({ ...i, questionnaire: { archetype: 'independent' } }, f).confirmed, true);
  });

  test('R&D: many runs, registered models, nothing in production', () => {
    const i = input({ models: [model('a', 'lab', { deployed: false }), model('b', 'lab', { deployed: false })], totals: { experiments: 4, runs: 120 } });
    assert.equal(inferArchetype(i, figures(i)).inferred, 'rnd');
  });

  test('skills coverage per project team: missing roles named; two-pizza size', () => {
    const teams = [team('risk', [['data_scientist'], ['ml_engineer'], ['product_owner'], ['statistician']]), team('growth', [['data_scientist']]), team('idle', [])];
    const cov = projectTeamsCoverage(teams, [project('fraud', 'risk', []), project('churn', 'growth', []), project('old', 'idle', [], 'retired')]);
    assert.deepEqual(cov.map((c) => [c.team, c.projects, c.missing, c.twoPizza]), [
      ['growth', ['churn'], ['engineer (ML, software or data)', 'product owner', 'statistician'], true],
      ['risk', ['fraud'], [], true],
    ]);
  });

  test('Star Model: answers checked against the evidence, misalignments named with suggestions', () => {
    const models = [model('m1', 'a'), model('m2', 'b')];
    const i = input({ models, projects: [project('p', 'a', ['m1'], 'poc', false), project('q', 'b', ['m2'], 'idea', false)] });
    const f = figures(i);
    const a = inferArchetype(i, f);
    const skills = projectTeamsCoverage([team('a', [['data_scientist']]), team('b', [['ml_engineer'], ['product_owner'], ['statistician'], ['data_scientist']])], i.projects);
    const star = starModel({ strategy: 'ml_core', structure: 'central', processes: 'standardized', rewards: 'production_impact', people: 'full_skills' }, f, a, skills);
    assert.deepEqual(star.map((s) => [s.point, s.aligned]), [['strategy', false], ['structure', false], ['processes', false], ['rewards', false], ['people', false]]);
    assert.match(star.find((s) => s.point === 'people')!.evidence, /a \(engineer \(ML, software or data\), product owner, statistician\)/);
    assert.ok(star.every((s) => s.suggestion && s.misalignment));
    const unanswered = starModel({}, f, a, skills);
    assert.ok(unanswered.every((s) => s.aligned === null && /answer the/.test(s.suggestion!)));
    const fits = starModel({ strategy: 'exploratory', structure: 'embedded', processes: 'ad_hoc', people: 'some_gaps' }, f, a, skills);
    assert.deepEqual(fits.filter((s) => s.declared).map((s) => s.aligned), [true, true, true, true]);
  });

  test('lone superheroes with the projects they carry', () => {
    const hero = { flagged: true, trainers: ['carol'], registrars: ['carol'], deployers: ['carol'], person: 'carol', why: 'carol alone …' };
    const out = loneSuperheroes([model('churn', 'growth', { loneSuperhero: hero }), model('fraud', 'risk')], [project('retain', 'growth', ['churn'])]);
    assert.deepEqual(out, [{ model: 'churn', person: 'carol', projects: ['retain'], why: 'carol alone …' }]);
  });
});
