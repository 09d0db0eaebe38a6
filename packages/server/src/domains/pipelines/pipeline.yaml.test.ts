import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DomainError } from '@flywheel/contract';
import { pipeline } from './pipeline.builder.js';
import { parsePipelineYaml } from './pipeline.yaml.js';

const problemsOf = (fn: () => unknown): string[] => {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof DomainError && e.code === 'INVALID_INPUT', String(e));
    return (e.details as { problems: string[] }).problems;
  }
  assert.fail('expected INVALID_INPUT');
};

test('YAML maps to the same model as the TypeScript builder', () => {
  const yaml = `
name: train
description: three steps
steps:
  - name: prep
    command: [python, prep.py]
    outputs:
      - { name: data, kind: artifact }
  - name: fit
    command: [python, fit.py, --epochs, "3"]
    inputs:
      - from: prep.data
      - { dataset: sales, version: latest }
    params:
      lr: { type: number, default: 0.1 }
    retries: { max: 2, backoffMs: 1000 }
    timeoutSeconds: 3600
  - name: evaluate
    command: [python, eval.py]
    dependsOn: [fit]
    outputs: [{ name: model, kind: model }]
`;
  const built = pipeline('train', 'three steps')
    .step('prep', { command: ['python', 'prep.py'], outputs: [{ name: 'data', kind: 'artifact' }] })
    .step('fit', {
      command: ['python', 'fit.py', '--epochs', '3'],
      inputs: [{ from: 'prep.data' }, { dataset: 'sales', version: 'latest' }],
      params: { lr: { type: 'number', default: 0.1 } },
      retries: { max: 2, backoffMs: 1000 },
      timeoutSeconds: 3600,
    })
    .step('evaluate', { command: ['python', 'eval.py'], dependsOn: ['fit'], outputs: [{ name: 'model', kind: 'model' }] })
    .build();
  assert.deepEqual(parsePipelineYaml(yaml), built);
});

test('every validation problem names the step, the field and the line', () => {
  const problems = problemsOf(() =>
    parsePipelineYaml(['name: bad', 'steps:', '  - name: a', '    command: [x]', '    dependsOn: [c]', '  - name: b', '    command: "python fit.py"', '    timeout: 3', '  - name: c', '    command: [y]', '    inputs: [{ from: a.model }]'].join('\n')),
  );
  assert.deepEqual(problems.sort(), [
    "steps.c.inputs[0].from: step 'a' declares no output 'model' (line 11)",
    'steps.b.command: expected a non-empty array of strings (argv; no shell) (line 7)',
    'steps.b.timeout: is not a known field (line 8)',
  ].sort());
  const cycle = problemsOf(() => parsePipelineYaml(['name: c', 'steps:', '  - name: a', '    command: [x]', '    dependsOn: [c]', '  - name: c', '    command: [y]', '    dependsOn: [a]'].join('\n')));
  assert.deepEqual(cycle, ['steps.a.dependsOn: cycle a → c → a (line 5)']);
});

test('YAML syntax errors and duplicate keys name the line and column', () => {
  const [syntax] = problemsOf(() => parsePipelineYaml('name: x\nsteps:\n  - name: a\n    command: [unclosed\n'));
  assert.match(syntax!, /^line \d+, column \d+: /);
  const [dup] = problemsOf(() => parsePipelineYaml('name: x\nname: y\nsteps: []\n'));
  assert.match(dup!, /^line 2, column 1: .*[Dd]uplicate|^line 2, column 1: .*unique/);
  assert.throws(() => parsePipelineYaml('- 1\n- 2\n'), /Invalid pipeline: expected a JSON object/);
});
