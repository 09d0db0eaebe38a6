import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// The pipelines routes and a local executor on a real socket over a fresh store of each dialect.
import { createPipelinesFixture } from '../../server/src/domains/pipelines/test-support/pipelines-fixture.js';
import { DIALECTS } from '../../server/src/store/test-support/stores.js';
import type { CliError } from './client.js';
import { parseParams, pipelineCommand } from './pipeline.command.js';
import { runInProcess } from './test-support/run-in-process.js';

const run = (args: string[]) =>
  runInProcess(pipelineCommand, args);

const js = (script: string) => [process.execPath, '-e', script];

test('--param parsing', () => {
  assert.deepEqual(parseParams(['lr=0.1', 'fit.tag=a=b']), { lr: '0.1', 'fit.tag': 'a=b' });
  assert.throws(() => parseParams(['lr']), /expected name=value/);
});

for (const dialect of DIALECTS) {
  describe(`flywheel pipeline on ${dialect}`, () => {
    let fx: Awaited<ReturnType<typeof createPipelinesFixture>>;
    let dir: string;
    before(async () => {
      fx = await createPipelinesFixture(dialect);
      dir = mkdtempSync(join(tmpdir(), 'fw-cli-pipe-'));
    });
    after(async () => {
      await fx.dispose();
      rmSync(dir, { recursive: true, force: true });
    });

    test('register a file, run with params and --wait, status and logs; a bad file is refused naming step and field', async () => {
      const file = join(dir, 'train.json');
      writeFileSync(file, JSON.stringify({
        name: 'train',
        steps: [
          { name: 'prep', command: js("console.log('prepared')") },
          { name: 'fit', dependsOn: ['prep'], params: { lr: { type: 'number', default: 0.1 } }, command: js("console.log('lr='+process.env.FLYWHEEL_PARAM_LR)") },
        ],
      }));
      assert.match((await run(['pipeline', 'register', file, '--url', fx.url])).out, /Registered pipeline train version 1 \(2 steps\)/);
      assert.match((await run(['pipeline', 'register', file, '--url', fx.url])).out, /Unchanged: pipeline train version 1/);
      assert.match((await run(['pipeline', 'list', '--url', fx.url])).out, /train\s+1\s+2/);

      const bad = join(dir, 'bad.json');
      writeFileSync(bad, JSON.stringify({ name: 'bad', steps: [{ name: 'fit', command: ['x'], dependsOn: ['prepp'] }] }));
      await assert.rejects(run(['pipeline', 'register', bad, '--url', fx.url]), (e: CliError) => /steps\.fit\.dependsOn\[0\]: step 'prepp' does not exist/.test(e.message) && e.exitCode === 1);
      await assert.rejects(run(['pipeline', 'register', join(dir, 'x.yaml'), '--url', fx.url]), (e: CliError) => /Cannot read .*x\.yaml: no such file/.test(e.message) && e.exitCode === 2);

      const waited = await run(['pipeline', 'run', 'train', '--param', 'lr=0.3', '--wait', '--interval-ms', '100', '--url', fx.url]);
      assert.equal(waited.code, 0, waited.out);
      assert.match(waited.out, /Started run ([0-9a-f]{32}) of train v1\./);
      assert.match(waited.out, /prep: succeeded\n[^]*fit: succeeded\n/, 'progress lines, in dependency order');
      assert.match(waited.out, /\[succeeded\]/);
      const id = /Started run ([0-9a-f]{32})/.exec(waited.out)![1]!;

      const status = await run(['pipeline', 'status', id, '--url', fx.url]);
      assert.match(status.out, new RegExp(`run ${id} {2}train v1 {2}\\[succeeded\\]`));
      assert.match(status.out, /fit\s+succeeded\s+1\/1\s+0\s/);
      assert.match((await run(['pipeline', 'logs', id, 'fit', '--url', fx.url])).out, /^lr=0\.3\n\[flywheel\] succeeded\n$/);

      const noWait = await run(['pipeline', 'run', 'train', '--json', '--url', fx.url]);
      const started = JSON.parse(noWait.out) as { id: string; state: string };
      assert.equal(started.state, 'queued');
      await fx.waitForRun(started.id);
    });

    test('a YAML definition registers and runs like JSON; its errors name step, field and line', async () => {
      const file = join(dir, 'etl.yaml');
      writeFileSync(file, [
        '# the same model as JSON',
        'name: etl',
        'steps:',
        '  - name: extract',
        `    command: [${JSON.stringify(process.execPath)}, -e, "console.log('rows', 3)"]`,
        '    outputs: [{ name: data, kind: artifact }]',
        '  - name: load',
        `    command: [${JSON.stringify(process.execPath)}, -e, "console.log('loaded', process.env.FLYWHEEL_PARAM_TARGET)"]`,
        '    inputs: [{ from: extract.data }]',
        '    params:',
        '      target: { type: string, default: warehouse }',
        '',
      ].join('\n'));
      assert.match((await run(['pipeline', 'register', file, '--url', fx.url])).out, /Registered pipeline etl version 1 \(2 steps\)/);
      const r = await run(['pipeline', 'run', 'etl', '--wait', '--interval-ms', '100', '--url', fx.url]);
      assert.equal(r.code, 0, r.out);
      const id = /Started run ([0-9a-f]{32})/.exec(r.out)![1]!;
      assert.match((await run(['pipeline', 'logs', id, 'load', '--url', fx.url])).out, /^loaded warehouse\n/);

      const bad = join(dir, 'bad.yml');
      writeFileSync(bad, ['name: etl2', 'steps:', '  - name: extract', '    command: [x]', '  - name: load', '    command: [y]', '    inputs:', '      - from: extractt.data', '    retries: { max: two }', ''].join('\n'));
      await assert.rejects(run(['pipeline', 'register', bad, '--url', fx.url]), (e: CliError) =>
        /steps\.load\.retries\.max: expected an integer from 0 to 20, got 'two' \(line 9\)/.test(e.message) && /steps\.load\.inputs\[0\]\.from: step 'extractt' does not exist \(line 8\)/.test(e.message));
      const broken = join(dir, 'broken.yaml');
      writeFileSync(broken, 'name: x\nsteps:\n  - name: a\n    command: [unclosed\n');
      await assert.rejects(run(['pipeline', 'register', broken, '--url', fx.url]), (e: CliError) => /Invalid pipeline YAML: line \d+, column \d+/.test(e.message));
    });

    test('resume a failed run, see its cause and cached steps; add, list, inspect and remove a trigger; cost', async () => {
      const flag = join(dir, 'fixed-flag');
      const file = join(dir, 'flaky.json');
      writeFileSync(file, JSON.stringify({ name: 'flaky', steps: [
        { name: 'a', command: js("console.log('a')") },
        { name: 'b', dependsOn: ['a'], command: js(`process.exit(require('fs').existsSync(${JSON.stringify(flag)})?0:7)`) },
      ] }));
      await run(['pipeline', 'register', file, '--url', fx.url]);
      const failed = await run(['pipeline', 'run', 'flaky', '--wait', '--interval-ms', '100', '--url', fx.url]);
      assert.equal(failed.code, 1);
      const id = /Started run ([0-9a-f]{32})/.exec(failed.out)![1]!;
      writeFileSync(flag, '');
      const resumed = await run(['pipeline', 'resume', id, '--wait', '--interval-ms', '100', '--url', fx.url]);
      assert.equal(resumed.code, 0, resumed.out);
      assert.match(resumed.out, new RegExp(`Resumed run ${id} as run [0-9a-f]{32} of flaky v1 \\(1 steps carried over\\)`));
      assert.match(resumed.out, new RegExp(`\\[succeeded\\]  \\(resume runId=${id}\\)`));
      assert.match(resumed.out, /a\s+succeeded \(cached\)/);

      const added = await run(['pipeline', 'trigger', 'add', 'flaky', 'nightly', '--schedule', '0 3 * * *', '--url', fx.url]);
      assert.match(added.out, /Added trigger nightly \(schedule\) to flaky; next due \d{4}-\d\d-\d\dT03:00:00\.000Z\./);
      await assert.rejects(run(['pipeline', 'trigger', 'add', 'flaky', 'x', '--url', fx.url]), (e: CliError) => /exactly one of/.test(e.message) && e.exitCode === 2);
      await assert.rejects(run(['pipeline', 'trigger', 'add', 'flaky', 'bad', '--schedule', '* *', '--url', fx.url]), (e: CliError) => /spec\.cron: expected 5 fields/.test(e.message));
      assert.match((await run(['pipeline', 'trigger', 'list', 'flaky', '--url', fx.url])).out, /nightly\s+schedule\s+0 3 \* \* \*/);
      assert.match((await run(['pipeline', 'trigger', 'firings', 'flaky', 'nightly', '--url', fx.url])).out, /Not fired yet\./);
      assert.match((await run(['pipeline', 'trigger', 'rm', 'flaky', 'nightly', '--url', fx.url])).out, /Removed trigger nightly of flaky\./);
      assert.match((await run(['pipeline', 'trigger', 'list', 'flaky', '--url', fx.url])).out, /No triggers\./);

      const cost = await run(['pipeline', 'cost', 'flaky', '--json', '--url', fx.url]);
      const costs = (JSON.parse(cost.out) as { costs: { pipeline: string; stepsRun: number; stepsCached: number; computeSeconds: number }[] }).costs;
      assert.deepEqual(costs.map((c) => [c.pipeline, c.stepsRun, c.stepsCached]), [['flaky', 3, 1]]);
      assert.ok(costs[0]!.computeSeconds > 0);
    });

    test('--wait exits 1 when the run fails; cancel refuses a finished run', async () => {
      const file = join(dir, 'fails.json');
      writeFileSync(file, JSON.stringify({ name: 'fails', steps: [{ name: 'boom', command: js('process.exit(4)') }] }));
      await run(['pipeline', 'register', file, '--url', fx.url]);
      const r = await run(['pipeline', 'run', 'fails', '--wait', '--interval-ms', '100', '--url', fx.url]);
      assert.equal(r.code, 1);
      assert.match(r.out, /boom\s+failed\s+1\/1\s+4\s.*exited with code 4/);
      const id = /Started run ([0-9a-f]{32})/.exec(r.out)![1]!;
      await assert.rejects(run(['pipeline', 'cancel', id, '--url', fx.url]), (e: CliError) => /already failed/.test(e.message));
    });
  });
}
