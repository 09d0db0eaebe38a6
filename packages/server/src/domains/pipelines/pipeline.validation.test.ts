import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DomainError } from '@flywheel/contract';
import { findCycle, resolveParams, validatePipeline } from './pipeline.validation.js';
import { pipeline } from './pipeline.builder.js';
import type { PipelineDefinition } from './pipeline.model.js';

const ok = (): Record<string, unknown> => ({
  name: 'train',
  steps: [
    { name: 'prep', command: ['python', 'prep.py'], outputs: [{ name: 'data', kind: 'artifact' }] },
    { name: 'fit', command: ['python', 'fit.py'], inputs: [{ from: 'prep.data' }], params: { lr: { type: 'number', default: 0.1 }, epochs: { type: 'number' } } },
  ],
});

/** The problems validation reports for `def`, or [] when it passes. */
function problems(def: unknown): string[] {
  try {
    validatePipeline(def);
    return [];
  } catch (e) {
    assert.ok(e instanceof DomainError);
    assert.equal(e.code, 'INVALID_INPUT');
    return (e.details?.problems as string[] | undefined) ?? [e.message];
  }
}
const withStep = (i: number, patch: Record<string, unknown>) => {
  const d = ok();
  const steps = d.steps as Record<string, unknown>[];
  steps[i] = { ...steps[i], ...patch };
  return d;
};

test('a valid definition passes and comes back typed', () => {
  assert.deepEqual(problems(ok()), []);
  assert.equal(validatePipeline(ok()).steps[1]!.name, 'fit');
});

test('an unknown step in inputs names the step, the field and the missing step', () => {
  assert.deepEqual(problems(withStep(1, { inputs: [{ from: 'prepp.data' }] })), ["steps.fit.inputs[0].from: step 'prepp' does not exist"]);
  assert.deepEqual(problems(withStep(1, { inputs: [{ from: 'prep.model' }] })), ["steps.fit.inputs[0].from: step 'prep' declares no output 'model'"]);
  assert.deepEqual(problems(withStep(1, { inputs: [{ from: 'nodot' }] })), ["steps.fit.inputs[0].from: expected '<step>.<output>', got 'nodot'"]);
});

test('an unknown step in dependsOn, and a step depending on itself', () => {
  assert.deepEqual(problems(withStep(1, { dependsOn: ['ghost'] })), ["steps.fit.dependsOn[0]: step 'ghost' does not exist"]);
  assert.deepEqual(problems(withStep(0, { dependsOn: ['prep'] })), ['steps.prep.dependsOn[0]: a step cannot depend on itself']);
});

test('a cycle is named step by step', () => {
  const def = { name: 'p', steps: [
    { name: 'a', command: ['x'], dependsOn: ['c'] },
    { name: 'b', command: ['x'], dependsOn: ['a'] },
    { name: 'c', command: ['x'], dependsOn: ['b'] },
    { name: 'd', command: ['x'] },
  ] };
  const [p, ...rest] = problems(def);
  assert.equal(rest.length, 0);
  assert.match(p!, /^steps\.\w\.dependsOn: cycle (\w) → \w → \w → \1$/);
  assert.deepEqual(new Set(p!.match(/cycle (.*)$/)![1]!.split(' → ')), new Set(['a', 'b', 'c']));
  // An input edge closes a cycle too.
  const viaInput = { name: 'p', steps: [
    { name: 'a', command: ['x'], inputs: [{ from: 'b.o' }], outputs: [{ name: 'o', kind: 'artifact' }] },
    { name: 'b', command: ['x'], inputs: [{ from: 'a.o' }], outputs: [{ name: 'o', kind: 'metric' }] },
  ] };
  assert.match(problems(viaInput)[0]!, /cycle (a → b → a|b → a → b)/);
  assert.equal(findCycle(validatePipeline(ok()).steps), undefined);
});

test('duplicate step and output names', () => {
  const d = ok();
  (d.steps as unknown[]).push({ name: 'prep', command: ['y'] });
  assert.deepEqual(problems(d), ["steps[2].name: duplicate step name 'prep'"]);
  assert.deepEqual(problems(withStep(0, { outputs: [{ name: 'data', kind: 'artifact' }, { name: 'data', kind: 'model' }] })), ["steps.prep.outputs[1].name: duplicate output 'data'"]);
});

test('bad commands', () => {
  assert.deepEqual(problems(withStep(0, { command: [] })), ['steps.prep.command: expected a non-empty array of strings (argv; no shell)']);
  assert.deepEqual(problems(withStep(0, { command: 'python prep.py' })), ['steps.prep.command: expected a non-empty array of strings (argv; no shell)']);
  assert.deepEqual(problems(withStep(0, { command: ['python', 3] })), ['steps.prep.command[1]: expected a string, got 3']);
  assert.deepEqual(problems(withStep(0, { command: ['  '] })), ['steps.prep.command[0]: the program must not be empty']);
  assert.deepEqual(problems(withStep(0, { command: ['a\0b'] })), ['steps.prep.command[0]: contains a NUL character']);
});

test('bad parameter declarations, env, retries, timeouts, inputs and unknown fields', () => {
  assert.deepEqual(problems(withStep(1, { params: { lr: { type: 'float' } } })), ["steps.fit.params.lr.type: expected 'string', 'number' or 'boolean', got 'float'"]);
  assert.deepEqual(problems(withStep(1, { params: { lr: { type: 'number', default: 'fast' } } })), ["steps.fit.params.lr.default: expected a number, got 'fast'"]);
  assert.deepEqual(problems(withStep(0, { env: { MLFLOW_RUN_ID: 'x' } })), ['steps.prep.env.MLFLOW_RUN_ID: FLYWHEEL_* and MLFLOW_* are set by the executor']);
  assert.deepEqual(problems(withStep(0, { retries: { max: -1, backoffMs: 10 } })), ['steps.prep.retries.max: expected an integer from 0 to 20, got -1']);
  assert.deepEqual(problems(withStep(0, { timeoutSeconds: 0 })), ['steps.prep.timeoutSeconds: expected a number of seconds > 0 and ≤ 604800, got 0']);
  assert.deepEqual(problems(withStep(0, { inputs: [{ dataset: 'sales', version: 0 }] })), ["steps.prep.inputs[0].version: expected a version number ≥ 1 or 'latest', got 0"]);
  assert.deepEqual(problems(withStep(0, { inputs: [{ dataset: 'sales', version: 2, artifact: 's3://b/k' }] })), ['steps.prep.inputs[0]: expected exactly one of from, dataset or artifact, got dataset and artifact']);
  assert.deepEqual(problems(withStep(0, { cmd: ['x'] })), ['steps.prep.cmd: is not a known field']);
  assert.deepEqual(problems({ name: 'bad name', steps: [] }), ["name: expected 1-100 letters, digits, '_', '.', '-' starting with a letter or digit, got 'bad name'", 'steps: expected a non-empty array of steps']);
  assert.deepEqual(problems(withStep(0, { name: 'has.dot' })), [
    "steps[0].name: expected letters, digits, '_' and '-' starting with a letter (no dots), got 'has.dot'",
    "steps.fit.inputs[0].from: step 'prep' does not exist",
  ]);
});

test('parameters: defaults, overrides by name or step.name, missing, mistyped and unknown', () => {
  const def = validatePipeline(withStep(0, { params: { lr: { type: 'number', default: 1 }, tag: { type: 'string', default: 'x' }, full: { type: 'boolean', default: false } } }));
  assert.deepEqual(resolveParams(def, { epochs: '5' }), { prep: { lr: 1, tag: 'x', full: false }, fit: { lr: 0.1, epochs: 5 } });
  assert.deepEqual(resolveParams(def, { epochs: 3, lr: 0.5, 'prep.lr': 2, full: 'true' }), { prep: { lr: 2, tag: 'x', full: true }, fit: { lr: 0.5, epochs: 3 } });
  const err = (given: Record<string, unknown>) => {
    try {
      resolveParams(def, given);
      return [];
    } catch (e) {
      return (e as DomainError).details!.problems as string[];
    }
  };
  assert.deepEqual(err({}), ["params.epochs: step 'fit' requires it (type number) and it has no default"]);
  assert.deepEqual(err({ epochs: 'many' }), ["params.epochs: expected a number for step 'fit', got 'many'"]);
  assert.deepEqual(err({ epochs: 1, full: 'yes' }), ["params.full: expected a boolean for step 'prep', got 'yes'"]);
  assert.deepEqual(err({ epochs: 1, batch: 32 }), ['params.batch: no step declares this parameter']);
});

test('the builder produces the same model as JSON, validated', () => {
  const built = pipeline('train')
    .step('prep', { command: ['python', 'prep.py'], outputs: [{ name: 'data', kind: 'artifact' }] })
    .step('fit', { command: ['python', 'fit.py'], inputs: [{ from: 'prep.data' }], params: { lr: { type: 'number', default: 0.1 }, epochs: { type: 'number' } } })
    .build();
  assert.deepEqual(built, ok() as unknown as PipelineDefinition);
  assert.throws(() => pipeline('p').step('a', { command: ['x'], dependsOn: ['b'] }).build(), /steps\.a\.dependsOn\[0\]: step 'b' does not exist/);
});
