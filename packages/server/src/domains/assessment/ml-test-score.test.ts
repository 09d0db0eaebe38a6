import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { bandOf, finalScore, scoreTests, TESTS } from './ml-test-score.js';
import { loneSuperhero } from './model-facts.js';
import { SECTIONS, type ModelFacts, type TestResult } from './assessment.types.js';
import { automatedFacts, DAY, emptyFacts, manualFacts, NOW } from './test-support/facts.js';

const results = (f: ModelFacts): Map<string, TestResult> => new Map(scoreTests(f).flatMap((s) => s.tests).map((t) => [t.id, t]));

/** Which half-way fixture shows each rule at 0.5: done by hand (manual) or automated but older than the window (stale). */
const HALF: Record<string, 'manual' | 'stale'> = {
  'data-1': 'stale', 'data-2': 'stale', 'data-3': 'stale', 'data-4': 'manual', 'data-5': 'manual', 'data-6': 'stale', 'data-7': 'stale',
  'model-1': 'stale', 'model-2': 'stale', 'model-3': 'stale', 'model-4': 'stale', 'model-5': 'stale', 'model-6': 'stale', 'model-7': 'manual',
  'infra-1': 'stale', 'infra-2': 'stale', 'infra-3': 'stale', 'infra-4': 'manual', 'infra-5': 'manual', 'infra-6': 'stale', 'infra-7': 'stale',
  'monitor-1': 'stale', 'monitor-2': 'stale', 'monitor-3': 'stale', 'monitor-4': 'manual', 'monitor-5': 'stale', 'monitor-6': 'stale', 'monitor-7': 'stale',
};

describe('ML Test Score rules', () => {
  test('28 tests, 7 per section, with unique ids and the paper names', () => {
    assert.equal(TESTS.length, 28);
    for (const s of SECTIONS) assert.equal(TESTS.filter((t) => t.section === s).length, 7, s);
    assert.equal(new Set(TESTS.map((t) => t.id)).size, 28);
    assert.ok(TESTS.some((t) => t.name === 'Training and serving are not skewed'));
    assert.ok(TESTS.some((t) => t.name === 'Models are canaried before serving'));
    assert.deepEqual(Object.keys(HALF).sort(), TESTS.map((t) => t.id).sort());
  });

  const full = results(automatedFacts());
  const stale = results(automatedFacts(90 * DAY));
  const manual = results(manualFacts());
  const empty = results(emptyFacts());
  for (const t of TESTS) {
    test(`${t.id} ${t.name}: 1 automated and recent, 0.5 ${HALF[t.id]}, 0 without evidence`, () => {
      const f = full.get(t.id)!;
      assert.equal(f.score, 1, `${t.id} full: ${f.why}`);
      assert.equal(f.basis, 'automated');
      assert.ok(f.evidence.length > 0, `${t.id}: a score of 1 names its evidence`);
      assert.equal(f.raise, null);
      const h = (HALF[t.id] === 'stale' ? stale : manual).get(t.id)!;
      assert.equal(h.score, 0.5, `${t.id} ${HALF[t.id]}: ${h.why}`);
      assert.ok(h.evidence.length > 0, `${t.id}: a score of 0.5 names its evidence`);
      assert.ok(h.raise && h.raise.length > 10, `${t.id}: says what would raise it`);
      const e = empty.get(t.id)!;
      assert.equal(e.score, 0, `${t.id} empty: ${e.why}`);
      assert.equal(e.basis, 'none');
      assert.ok(e.raise, `${t.id}: says what would raise it from 0`);
    });
  }

  test('recency: the same automated evidence earns 1 inside the window and 0.5 outside it', () => {
    const window = (days: number) => results({ ...automatedFacts(10 * DAY), windowMs: days * DAY }).get('monitor-2')!.score;
    assert.equal(window(30), 1);
    assert.equal(window(7), 0.5);
  });

  test('specific refusals: NaN metrics, a failed test step, an unowned dataset, a self-approval', () => {
    const nan = automatedFacts();
    nan.run!.metrics.loss = { value: Number.NaN, timestamp: NOW, step: 3 };
    const r = results(nan).get('monitor-5')!;
    assert.equal(r.score, 0);
    assert.match(r.why, /loss=NaN/);

    const failed = automatedFacts();
    failed.pipelineRun!.steps[2]!.state = 'failed';
    failed.pipelineRun!.state = 'failed';
    assert.equal(results(failed).get('infra-2')!.score, 0);
    assert.equal(results(failed).get('infra-3')!.score, 0);

    const unowned = automatedFacts();
    unowned.datasets[0]!.ownerTeam = null;
    assert.equal(results(unowned).get('data-5')!.score, 0);

    const self = automatedFacts();
    self.version!.approval.decidedBy = 'alice'; // the run's author
    const m1 = results(self).get('model-1')!;
    assert.equal(m1.score, 0.5);
    assert.match(m1.why, /not reviewed/);
  });

  test('an attestation lifts a test to 0.5, never above, and is shown as evidence with who and when', () => {
    const f = emptyFacts();
    f.attestations = [{ id: 7, model: 'bare', testId: 'model-4', statement: 'staleness study, Q2', artifactUri: 'https://wiki/staleness', attestedBy: 'eve', attestedAt: NOW - DAY }];
    const t = results(f).get('model-4')!;
    assert.equal(t.score, 0.5);
    assert.equal(t.basis, 'attestation');
    assert.deepEqual(t.evidence.at(-1), { kind: 'attestation', ref: 'https://wiki/staleness', detail: 'eve: staleness study, Q2', at: NOW - DAY });
    const g = automatedFacts();
    g.attestations = [{ ...f.attestations[0]!, model: 'fraud' }];
    assert.equal(results(g).get('model-4')!.score, 1, 'automated evidence keeps its 1; the attestation only adds to the evidence');
  });

  test('sections sum, the final score is their minimum, and the bands are the paper\'s', () => {
    const sections = scoreTests(automatedFacts());
    assert.deepEqual(sections.map((s) => s.score), [7, 7, 7, 7]);
    assert.equal(finalScore(sections), 7);
    const mixed = scoreTests(manualFacts());
    assert.equal(finalScore(mixed), Math.min(...mixed.map((s) => s.score)));
    assert.deepEqual([0, 0.5, 1, 1.5, 2, 2.5, 3, 4, 5, 5.5].map((x) => bandOf(x).range), ['0', '(0,1]', '(0,1]', '(1,2]', '(1,2]', '(2,3]', '(2,3]', '(3,5]', '(3,5]', '>5']);
    assert.match(bandOf(0).meaning, /research project/);
  });

  test('lone superhero: one person trained, registered and deployed → flagged; a second deployer clears it', () => {
    const f = automatedFacts();
    f.deployments[0]!.revisions = [{ revision: 1, createdAt: NOW, createdBy: 'alice', models: [{ model: 'fraud', version: '2', role: 'primary' }] }];
    const flagged = loneSuperhero(f);
    assert.equal(flagged.flagged, true);
    assert.equal(flagged.person, 'alice');
    assert.deepEqual([flagged.trainers, flagged.registrars, flagged.deployers], [['alice'], ['alice'], ['alice']]);
    f.deployments[0]!.revisions.push({ revision: 2, createdAt: NOW, createdBy: 'bob', models: [{ model: 'fraud', version: '2', role: 'primary' }] });
    assert.equal(loneSuperhero(f).flagged, false);
    assert.equal(loneSuperhero(emptyFacts()).flagged, false, 'nothing on record is not a superhero');
  });
});
