import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DIALECTS } from '../../store/test-support/stores.js';
import { createPipelinesFixture } from './test-support/pipelines-fixture.js';

const js = (script: string) => [process.execPath, '-e', script];
// A step logging a metric into its MLflow run the way an MLflow client does.
const logMetric = (key: string, valueExpr: string) =>
  `fetch(process.env.MLFLOW_TRACKING_URI+'/api/2.0/mlflow/runs/log-metric',{method:'POST',headers:{'content-type':'application/json'},body:JSON.stringify({run_id:process.env.MLFLOW_RUN_ID,key:${JSON.stringify(key)},value:${valueExpr},timestamp:Date.now(),step:0})}).then(r=>{if(!r.ok)process.exit(3)})`;

for (const dialect of DIALECTS) {
  describe(`pipeline artifacts, caching and resume on ${dialect}`, () => {
    let fx: Awaited<ReturnType<typeof createPipelinesFixture>>;
    let dir: string;
    before(async () => {
      fx = await createPipelinesFixture(dialect);
      dir = mkdtempSync(join(tmpdir(), 'fw-pipe-cache-'));
    });
    after(async () => {
      await fx.dispose();
      rmSync(dir, { recursive: true, force: true });
    });

    test('an artifact output reaches its dependants; an identical second run is served from cache; a changed parameter re-runs what it changes', async () => {
      const ran = join(dir, 'ran.txt');
      const mark = (step: string) => `require('fs').appendFileSync(${JSON.stringify(ran)},${JSON.stringify(step)}+'\\n');`;
      await fx.pipelines.register({
        name: 'etl',
        steps: [
          {
            name: 'prep',
            params: { n: { type: 'number', default: 3 } },
            outputs: [{ name: 'data', kind: 'artifact' }],
            command: js(`${mark('prep')}const fs=require('fs'),o=process.env.FLYWHEEL_OUTPUT_DATA;fs.mkdirSync(o+'/sub');const n=Number(process.env.FLYWHEEL_PARAM_N);fs.writeFileSync(o+'/rows.csv',Array.from({length:n},(_,i)=>i).join('\\n'));fs.writeFileSync(o+'/sub/meta.json','{}')`),
          },
          {
            name: 'fit',
            inputs: [{ from: 'prep.data' }],
            outputs: [{ name: 'rows', kind: 'metric' }],
            command: js(`${mark('fit')}const fs=require('fs'),d=process.env.FLYWHEEL_INPUT_PREP_DATA;if(!fs.existsSync(d+'/sub/meta.json'))process.exit(5);const rows=fs.readFileSync(d+'/rows.csv','utf8').split('\\n').length;console.log('rows',rows);${logMetric('rows', 'rows')}`),
          },
          { name: 'report', inputs: [{ from: 'fit.rows' }], command: js(`${mark('report')}console.log('report',process.env.FLYWHEEL_INPUT_FIT_ROWS)`) },
          { name: 'always', cache: false, dependsOn: ['report'], command: js(mark('always')) },
        ],
      });
      const first = await fx.waitForRun((await fx.pipelines.startRun('etl')).id);
      assert.equal(first.state, 'succeeded', JSON.stringify(first.steps));
      const by1 = Object.fromEntries(first.steps.map((s) => [s.name, s]));
      const data = by1.prep!.outputs!.data as { kind: string; path: string; files: number; digest: string };
      assert.equal(data.kind, 'artifact');
      assert.equal(data.files, 2);
      assert.match(data.digest, /^[0-9a-f]{64}$/);
      assert.equal(await fx.artifacts.exists(`${data.path}/rows.csv`), true, 'the output is in the artifact store');
      assert.deepEqual(by1.fit!.inputs, [{ from: 'prep.data', output: data }], 'lineage in: the upstream output as produced');
      assert.deepEqual(by1.fit!.outputs, { rows: { kind: 'metric', value: 3 } });
      assert.match(await fx.pipelines.stepLog(first.id, 'report'), /^report 3\n/);
      assert.ok(first.steps.every((s) => !s.cached));

      const second = await fx.waitForRun((await fx.pipelines.startRun('etl')).id);
      assert.equal(second.state, 'succeeded');
      const by2 = Object.fromEntries(second.steps.map((s) => [s.name, s]));
      for (const name of ['prep', 'fit', 'report']) {
        assert.equal(by2[name]!.cached, true, name);
        assert.equal(by2[name]!.cachedFrom, first.id);
        assert.equal(by2[name]!.mlflowRunId, by1[name]!.mlflowRunId, 'no new MLflow run');
        assert.equal(by2[name]!.computeSeconds, 0);
        assert.deepEqual(by2[name]!.outputs, by1[name]!.outputs);
      }
      assert.equal(by2.always!.cached, false, 'cache: false always runs');
      assert.match(await fx.pipelines.stepLog(second.id, 'prep'), new RegExp(`\\[flywheel\\] cached: .*run ${first.id}`));
      assert.deepEqual(readFileSync(ran, 'utf8').trim().split('\n'), ['prep', 'fit', 'report', 'always', 'always']);

      const third = await fx.waitForRun((await fx.pipelines.startRun('etl', { params: { n: 4 } })).id);
      assert.equal(third.state, 'succeeded');
      assert.ok(third.steps.every((s) => !s.cached), 'a new parameter changes prep, whose new output changes fit, whose new metric changes report');
      assert.match(await fx.pipelines.stepLog(third.id, 'report'), /^report 4\n/);
    });

    test('a step declaring a metric it never logged fails, naming the output', async () => {
      await fx.pipelines.register({ name: 'nometric', steps: [{ name: 'fit', outputs: [{ name: 'auc', kind: 'metric' }], command: js('') }] });
      const run = await fx.waitForRun((await fx.pipelines.startRun('nometric')).id);
      assert.equal(run.state, 'failed');
      assert.match(run.steps[0]!.error!, /its declared outputs: metric 'auc' was not logged/);
    });

    test('resume: a new run carries the succeeded steps over and runs the failed one and what follows', async () => {
      const ran = join(dir, 'resume-ran.txt');
      const fixed = join(dir, 'fixed');
      const mark = (step: string) => `require('fs').appendFileSync(${JSON.stringify(ran)},${JSON.stringify(step)}+'\\n');`;
      await fx.pipelines.register({
        name: 'flaky',
        steps: [
          { name: 'a', outputs: [{ name: 'out', kind: 'artifact' }], command: js(`${mark('a')}require('fs').writeFileSync(process.env.FLYWHEEL_OUTPUT_OUT+'/x','x')`) },
          { name: 'b', inputs: [{ from: 'a.out' }], cache: false, command: js(`${mark('b')}if(!require('fs').existsSync(${JSON.stringify(fixed)}))process.exit(9);console.log(require('fs').readFileSync(process.env.FLYWHEEL_INPUT_A_OUT+'/x','utf8'))`) },
          { name: 'c', dependsOn: ['b'], cache: false, command: js(mark('c')) },
        ],
      });
      const failed = await fx.waitForRun((await fx.pipelines.startRun('flaky')).id);
      assert.equal(failed.state, 'failed');
      assert.deepEqual(failed.steps.map((s) => s.state), ['succeeded', 'failed', 'skipped']);
      writeFileSync(fixed, '');
      const resumed = await fx.pipelines.resumeRun(failed.id);
      assert.equal(resumed.resumedFrom, failed.id);
      assert.deepEqual(resumed.cause, { kind: 'resume', runId: failed.id });
      const done = await fx.waitForRun(resumed.id);
      assert.equal(done.state, 'succeeded', JSON.stringify(done.steps));
      assert.deepEqual(done.steps.map((s) => [s.name, s.state, s.cached]), [['a', 'succeeded', true], ['b', 'succeeded', false], ['c', 'succeeded', false]]);
      assert.equal(done.steps[0]!.cachedFrom, failed.id);
      assert.match(await fx.pipelines.stepLog(done.id, 'b'), /^x\n/, "b read a's output from the original run");
      assert.deepEqual(readFileSync(ran, 'utf8').trim().split('\n'), ['a', 'b', 'b', 'c'], 'a ran once');
      assert.equal((await fx.pipelines.getRun(failed.id)).state, 'failed', 'the original run stays as it was');
      await assert.rejects(fx.pipelines.resumeRun(done.id), /is succeeded; only a failed or cancelled run can be resumed/);
    });
  });
}
