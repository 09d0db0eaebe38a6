import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CliError, EXIT } from './client.js';
import { configFromFlags, parseModelRef, parseShadow, parseSince, parseVariant, parseWeight, withWeights } from './deploy-config.js';
import { parseSteps, renderRollout } from './deploy-rollout.command.js';
import { invocationBody, renderPredictions, requestOf } from './predict.command.js';

const usageError = (fn: () => unknown, re: RegExp) =>
  assert.throws(fn, (e: unknown) => e instanceof CliError && e.exitCode === EXIT.usage && re.test(e.message));

test('model refs, variants, shadows and weights parse from the right, so model names may hold colons', () => {
  assert.deepEqual(parseModelRef('churn:3'), { name: 'churn', version: '3' });
  assert.deepEqual(parseModelRef('team:churn:12'), { name: 'team:churn', version: '12' });
  usageError(() => parseModelRef('churn'), /--model 'churn': expected <model>:<version>/);
  usageError(() => parseModelRef('churn:0'), /expected/);

  assert.deepEqual(parseVariant('a=churn:3:90'), { name: 'a', model: { name: 'churn', version: '3' }, role: 'primary', weight: 90 });
  assert.deepEqual(parseVariant('b=churn:4:12.5:canary'), { name: 'b', model: { name: 'churn', version: '4' }, role: 'canary', weight: 12.5 });
  usageError(() => parseVariant('b=churn:4:10:boss'), /role must be one of primary, canary, shadow/);
  usageError(() => parseVariant('b=churn:4:101'), /weight must be 0..100/);
  usageError(() => parseVariant('b=churn:4'), /expected <name>=<model>:<version>:<weight>/);

  assert.deepEqual(parseShadow('s=churn:5'), { name: 's', model: { name: 'churn', version: '5' }, role: 'shadow', weight: 0 });
  assert.deepEqual(parseShadow('s=churn:5:0.25'), { name: 's', model: { name: 'churn', version: '5' }, role: 'shadow', weight: 0, sample: 0.25 });
  usageError(() => parseShadow('s=churn:5:1.5'), /expected <name>=<model>:<version>\[:<sample 0..1>\]/);

  assert.deepEqual(parseWeight('a=90'), ['a', 90]);
  usageError(() => parseWeight('a'), /expected <variant>=<weight 0..100>/);
  usageError(() => parseWeight('a=190'), /expected/);
});

test('create: --model is one primary; --variant a split; --shadow and --routing-header added', () => {
  assert.deepEqual(configFromFlags({ model: 'churn:3' }), { variants: [{ name: 'primary', model: { name: 'churn', version: '3' }, role: 'primary', weight: 100 }] });
  const c = configFromFlags({ variant: ['a=churn:3:90', 'b=churn:4:10:canary'], shadow: ['s=churn:5:0.5'], routingHeader: 'x-user' });
  assert.deepEqual(c.variants.map((v) => [v.name, v.role, v.weight, v.sample]), [['a', 'primary', 90, undefined], ['b', 'canary', 10, undefined], ['s', 'shadow', 0, 0.5]]);
  assert.deepEqual(c.routingKey, { header: 'x-user' });
  usageError(() => configFromFlags({}), /needs a model/);
  usageError(() => configFromFlags({ model: 'churn:3', variant: ['a=churn:3:100'] }), /either --model .* or --variant/);
  usageError(() => configFromFlags({ variant: ['a=churn:3:50', 'a=churn:4:50'] }), /'a' is named twice/);
});

test('update keeps what the flags do not mention, including fields the CLI has no flag for', () => {
  const base = {
    variants: [
      { name: 'a', model: { name: 'churn', version: '3' }, role: 'primary', weight: 100 },
      { name: 'ext', runtime: 'http', endpoint: { url: 'http://m:8080', protocol: 'mlflow' }, role: 'shadow', weight: 0 },
    ],
    routingKey: { header: 'x-user' },
    guardrails: { maxErrorRate: 0.01 },
  };
  const newRouted = configFromFlags({ model: 'churn:4' }, base);
  assert.deepEqual(newRouted.variants.map((v) => v.name), ['primary', 'ext']);
  assert.deepEqual(newRouted.variants[1]!.endpoint, { url: 'http://m:8080', protocol: 'mlflow' });
  assert.deepEqual(newRouted.guardrails, { maxErrorRate: 0.01 });
  assert.deepEqual(newRouted.routingKey, { header: 'x-user' });
  assert.deepEqual(configFromFlags({ clearShadows: true }, base).variants.map((v) => v.name), ['a']);
  assert.deepEqual(configFromFlags({ shadow: ['s=churn:5'] }, base).variants.map((v) => v.name), ['a', 's']);
  usageError(() => configFromFlags({}, base), /Nothing to change/);
});

test('--file takes the config alone or wrapped as the API takes it, and refuses to mix with flags', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fw-deploy-cfg-'));
  try {
    const config = { variants: [{ name: 'a', model: { name: 'churn', version: 3 }, role: 'primary', weight: 100 }] };
    writeFileSync(join(dir, 'plain.json'), JSON.stringify(config));
    writeFileSync(join(dir, 'wrapped.json'), JSON.stringify({ name: 'churn', config }));
    writeFileSync(join(dir, 'bad.json'), '{"variants": [');
    writeFileSync(join(dir, 'empty.json'), '{"routingKey": {}}');
    assert.deepEqual(configFromFlags({ file: join(dir, 'plain.json') }), config);
    assert.deepEqual(configFromFlags({ file: join(dir, 'wrapped.json') }), config);
    usageError(() => configFromFlags({ file: join(dir, 'bad.json') }), /is not valid JSON/);
    usageError(() => configFromFlags({ file: join(dir, 'empty.json') }), /"variants" list/);
    usageError(() => configFromFlags({ file: join(dir, 'nope.json') }), /Cannot read/);
    usageError(() => configFromFlags({ file: join(dir, 'plain.json'), model: 'churn:3' }), /--file replaces the whole config/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('set-weights changes only the named variants and refuses unknown ones (exit 1: the deployment has no such variant)', () => {
  const config = { variants: [{ name: 'a', weight: 90, role: 'primary' }, { name: 'b', weight: 10, role: 'canary' }, { name: 's', weight: 0, role: 'shadow' }] };
  assert.deepEqual(withWeights(config, [['a', 50], ['b', 50]]).variants.map((v) => v.weight), [50, 50, 0]);
  assert.throws(() => withWeights(config, [['c', 10]]), (e: unknown) => e instanceof CliError && e.exitCode === EXIT.failed && /No variant 'c' .*a, b, s/.test(e.message));
});

test('--since: spans, ISO dates and epoch ms', () => {
  const now = Date.UTC(2026, 0, 2, 12);
  assert.equal(parseSince('15m', now), now - 15 * 60_000);
  assert.equal(parseSince('2d', now), now - 2 * 86_400_000);
  assert.equal(parseSince('2026-01-01T00:00:00Z', now), Date.UTC(2026, 0, 1));
  assert.equal(parseSince('1767225600000', now), 1767225600000);
  usageError(() => parseSince('yesterday', now), /--since 'yesterday'/);
});

test('predict bodies: rows become dataframe_records or instances; MLflow bodies pass through', () => {
  assert.deepEqual(invocationBody([{ f0: 1 }, { f0: 2 }]), { dataframe_records: [{ f0: 1 }, { f0: 2 }] });
  assert.deepEqual(invocationBody([[1, 2], [3, 4]]), { instances: [[1, 2], [3, 4]] });
  assert.deepEqual(invocationBody({ f0: 1 }), { dataframe_records: [{ f0: 1 }] });
  const split = { dataframe_split: { columns: ['f0'], data: [[1]] } };
  assert.equal(invocationBody(split), split);
  usageError(() => invocationBody([]), /empty list/);
  usageError(() => invocationBody(3), /must be a JSON list of rows/);
  assert.match(renderPredictions([[0.25], [0.75]]), /row\s+prediction\n-+\s+-+\n0\s+0\.25\n1\s+0\.75/);
  assert.match(renderPredictions({ p: [[0.5]], label: ['yes'] }), /row\s+p\s+label\n.*\n0\s+0\.5\s+yes/);
});

test('--help on deploy, every deploy subcommand and predict shows examples', async () => {
  const { buildProgram } = await import('./program.js');
  const program = buildProgram();
  const deploy = program.commands.find((c) => c.name() === 'deploy')!;
  const predict = program.commands.find((c) => c.name() === 'predict')!;
  const subs = deploy.commands.map((c) => c.name());
  assert.deepEqual(subs.sort(), ['create', 'delete', 'list', 'predictions', 'revisions', 'rollback', 'rollout', 'set-weights', 'shadow', 'show', 'update']);
  const rollout = deploy.commands.find((c) => c.name() === 'rollout')!;
  assert.deepEqual(rollout.commands.map((c) => c.name()).sort(), ['abort', 'list', 'pause', 'resume', 'show', 'start']);
  for (const cmd of [deploy, predict, ...deploy.commands, ...rollout.commands]) {
    let text = '';
    cmd.configureOutput({ writeOut: (s) => (text += s) });
    cmd.outputHelp();
    assert.match(text, /Examples:\n {2}\$ flywheel /, cmd.name());
    assert.match(text, /--url <url>|Commands:/, cmd.name());
  }
});

test('rollout steps: a weight held for a time and/or a request count', () => {
  assert.deepEqual(parseSteps('5@10m,25@1000req,50@30s+200req,100'), [
    { weight: 5, hold: { seconds: 600 } },
    { weight: 25, hold: { requests: 1000 } },
    { weight: 50, hold: { seconds: 30, requests: 200 } },
    { weight: 100, hold: {} },
  ]);
  usageError(() => parseSteps('5@soon'), /hold 'soon' is neither a duration/);
  usageError(() => parseSteps('five'), /--steps 'five': expected <weight>\[@<hold>\]/);
});

test('a rollout renders its state, the current step and its events', () => {
  const at = Date.UTC(2026, 10, 23, 12);
  const text = renderRollout({
    id: 'r1', deployment: 'churn', canary: 'b', state: 'rolled_back', currentStep: 2, currentWeight: 25, requestsInStep: 140,
    steps: [{ weight: 5, hold: { seconds: 600 } }, { weight: 25, hold: { requests: 1000 } }, { weight: 100, hold: {} }],
    guardrails: { maxErrorRate: 0.01 }, reason: 'error rate 0.04 > 0.01', createdAt: at, updatedAt: at,
    events: [{ seq: 1, at, type: 'guardrail_breached', actor: 'controller', step: 2, detail: { errorRate: 0.04 } }],
  });
  assert.match(text, /^rollout r1 of churn: canary b {2}rolled_back {2}step 2\/3 at 25% \(140 requests in step\)/);
  assert.match(text, /reason: error rate 0.04 > 0.01/);
  assert.match(text, /→\s+2\s+25%\s+1000 req/);
  assert.match(text, /2026-11-23 12:00:00Z\s+guardrail_breached\s+2\s+controller\s+\{"errorRate":0.04\}/);
});

test('predict input: --data or --file (CSV as text/csv, JSON shaped like --data), exactly one of them', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fw-predict-'));
  try {
    writeFileSync(join(dir, 'rows.csv'), 'f0,f1\n1,2\n');
    writeFileSync(join(dir, 'rows.json'), '[[1, 2]]');
    assert.deepEqual(requestOf({ file: join(dir, 'rows.csv') }), { body: 'f0,f1\n1,2\n', contentType: 'text/csv' });
    assert.deepEqual(requestOf({ file: join(dir, 'rows.json') }), { body: '{"instances":[[1,2]]}', contentType: 'application/json' });
    assert.deepEqual(requestOf({ data: '{"f0": 1}' }), { body: '{"dataframe_records":[{"f0":1}]}', contentType: 'application/json' });
    usageError(() => requestOf({}), /exactly one of --data/);
    usageError(() => requestOf({ data: '[]', file: join(dir, 'rows.csv') }), /exactly one of --data/);
    usageError(() => requestOf({ file: join(dir, 'missing.csv') }), /Cannot read/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
