import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DIALECTS } from '../../store/test-support/stores.js';
import { createPipelinesFixture } from './test-support/pipelines-fixture.js';

const node = process.execPath;
/** Whether `pid` is a live process: an unreaped zombie (no init reaps orphans in some containers) is dead. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]![0] !== 'Z';
  } catch {
    return false;
  }
}
/** A step running a Node script: real processes, no other language needed. */
const js = (script: string) => [node, '-e', script];
// Each step appends "<name> start|end <ms>" to a shared file, so order and overlap are visible.
const trace = (file: string, name: string, ms = 0) =>
  js(`const fs=require('fs');fs.appendFileSync(${JSON.stringify(file)},'${name} start '+Date.now()+'\\n');setTimeout(()=>{fs.appendFileSync(${JSON.stringify(file)},'${name} end '+Date.now()+'\\n')},${ms})`);

for (const dialect of DIALECTS) {
  describe(`local executor on ${dialect}`, () => {
    let fx: Awaited<ReturnType<typeof createPipelinesFixture>>;
    let dir: string;
    before(async () => {
      fx = await createPipelinesFixture(dialect);
      dir = mkdtempSync(join(tmpdir(), 'fw-pipe-'));
    });
    after(async () => {
      await fx.dispose();
      rmSync(dir, { recursive: true, force: true });
    });

    test('a diamond DAG runs in dependency order, the two branches side by side', async () => {
      const file = join(dir, 'order.txt');
      await fx.pipelines.register({
        name: 'diamond',
        steps: [
          { name: 'prep', command: trace(file, 'prep'), outputs: [{ name: 'data', kind: 'artifact' }] },
          { name: 'left', command: trace(file, 'left', 1500), inputs: [{ from: 'prep.data' }] },
          { name: 'right', command: trace(file, 'right', 1500), dependsOn: ['prep'] },
          { name: 'join', command: trace(file, 'join'), dependsOn: ['left', 'right'] },
        ],
      });
      const run = await fx.waitForRun((await fx.pipelines.startRun('diamond')).id);
      assert.equal(run.state, 'succeeded', JSON.stringify(run));
      assert.deepEqual(
        run.steps.map((s) => [s.name, s.state, s.attempt, s.exitCode]),
        [['prep', 'succeeded', 1, 0], ['left', 'succeeded', 1, 0], ['right', 'succeeded', 1, 0], ['join', 'succeeded', 1, 0]],
        'steps listed in the order of the definition',
      );
      const events = readFileSync(file, 'utf8').trim().split('\n').map((l) => l.split(' ')).map(([n, e, t]) => ({ n: n!, e: e!, t: Number(t) }));
      const at = (n: string, e: string) => events.find((x) => x.n === n && x.e === e)!.t;
      assert.ok(at('prep', 'end') <= at('left', 'start') && at('prep', 'end') <= at('right', 'start'), 'branches start after prep');
      assert.ok(at('left', 'end') <= at('join', 'start') && at('right', 'end') <= at('join', 'start'), 'join waits for both branches');
      // Parallel: each branch started before the other ended.
      assert.ok(at('left', 'start') < at('right', 'end') && at('right', 'start') < at('left', 'end'), `branches overlap: ${JSON.stringify(events)}`);
      for (const s of run.steps) assert.ok(s.computeSeconds > 0, `${s.name} has compute-seconds`);
    });

    test('a failing step with retries succeeds on its second attempt; both attempts are in its log', async () => {
      const marker = join(dir, 'marker');
      await fx.pipelines.register({
        name: 'flaky',
        steps: [{
          name: 'once',
          retries: { max: 2, backoffMs: 200 },
          command: js(`const fs=require('fs');if(!fs.existsSync(${JSON.stringify(marker)})){fs.writeFileSync(${JSON.stringify(marker)},'x');console.error('no marker yet');process.exit(3)}console.log('marker found')`),
        }],
      });
      const run = await fx.waitForRun((await fx.pipelines.startRun('flaky')).id);
      assert.equal(run.state, 'succeeded');
      assert.equal(run.steps[0]!.attempt, 2);
      assert.equal(run.steps[0]!.exitCode, 0);
      assert.ok(existsSync(marker));
      const log = await fx.pipelines.stepLog(run.id, 'once');
      assert.match(log, /--- attempt 1 ---\nno marker yet\n\[flywheel\] attempt 1 of 3 exited with code 3; retrying in 200 ms\n--- attempt 2 ---\nmarker found\n\[flywheel\] succeeded\n/);
    });

    test('a step that always fails ends the run failed after its retries and skips what depends on it', async () => {
      await fx.pipelines.register({
        name: 'broken',
        steps: [
          { name: 'bad', command: js('process.exit(7)'), retries: { max: 1, backoffMs: 0 } },
          { name: 'after', command: js(''), dependsOn: ['bad'] },
          { name: 'missing', command: ['/nonexistent/flywheel-program'] },
        ],
      });
      const run = await fx.waitForRun((await fx.pipelines.startRun('broken')).id);
      assert.equal(run.state, 'failed');
      const by = Object.fromEntries(run.steps.map((s) => [s.name, s]));
      assert.equal(by.bad!.state, 'failed');
      assert.equal(by.bad!.attempt, 2);
      assert.equal(by.bad!.exitCode, 7);
      assert.equal(by.after!.state, 'skipped');
      assert.equal(by.after!.error, "upstream step 'bad' failed");
      assert.equal(by.missing!.state, 'failed');
      assert.match(by.missing!.error!, /could not start '\/nonexistent\/flywheel-program': .*ENOENT/);
    });

    test('a timeout kills a sleeping step and its children (the process group)', async () => {
      const pidFile = join(dir, 'grandchild.pid');
      await fx.pipelines.register({
        name: 'sleepy',
        steps: [{
          name: 'nap',
          timeoutSeconds: 1,
          // A grandchild in the same group: it must die too.
          command: js(`const cp=require('child_process');const c=cp.spawn(process.execPath,['-e','setTimeout(()=>{},600000)'],{stdio:'ignore'});require('fs').writeFileSync(${JSON.stringify(pidFile)},String(c.pid));console.log('sleeping');setTimeout(()=>{},600000)`),
        }],
      });
      const started = Date.now();
      const run = await fx.waitForRun((await fx.pipelines.startRun('sleepy')).id);
      assert.ok(Date.now() - started < 30_000);
      assert.equal(run.state, 'failed');
      assert.match(run.steps[0]!.error!, /timed out after 1s; the process group was killed/);
      const pid = Number(readFileSync(pidFile, 'utf8'));
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(alive(pid), false, 'the grandchild is gone');
      assert.match(await fx.pipelines.stepLog(run.id, 'nap'), /^sleeping\n/);
    });

    test('cancel stops a running run: the running step is killed, the rest cancelled', async () => {
      await fx.pipelines.register({
        name: 'long',
        steps: [
          { name: 'forever', command: js("console.log('up');setTimeout(()=>{},600000)") },
          { name: 'next', command: js(''), dependsOn: ['forever'] },
        ],
      });
      const { id } = await fx.pipelines.startRun('long');
      for (let i = 0; (await fx.pipelines.getRun(id)).steps.find((s) => s.name === 'forever')!.state !== 'running'; i++) {
        assert.ok(i < 300, 'the step starts');
        await new Promise((r) => setTimeout(r, 100));
      }
      const cancelled = await fx.pipelines.cancelRun(id);
      assert.equal(cancelled.state, 'cancelled');
      const run = await fx.waitForRun(id);
      assert.equal(run.state, 'cancelled');
      const by = Object.fromEntries(run.steps.map((s) => [s.name, s]));
      assert.equal(by.forever!.state, 'cancelled');
      assert.equal(by.next!.state, 'cancelled');
      await assert.rejects(fx.pipelines.cancelRun(id), /already cancelled/);
      const mlrun = await fx.tracking.getRun(by.forever!.mlflowRunId!);
      assert.equal(mlrun.info.status, 'KILLED');
    });

    test('a step gets MLFLOW_RUN_ID, the tracking URI and its params; it reaches its run over HTTP', async () => {
      const envFile = join(dir, 'env.json');
      await fx.pipelines.register({
        name: 'reporter',
        steps: [{
          name: 'fit',
          params: { lr: { type: 'number', default: 0.1 }, tag: { type: 'string' } },
          env: { EXTRA: 'yes' },
          command: js(`const e=process.env;require('fs').writeFileSync(${JSON.stringify(envFile)},JSON.stringify(e));
            fetch(e.MLFLOW_TRACKING_URI+'/api/v1/runs/'+e.MLFLOW_RUN_ID)
              .then(async r=>{const b=await r.text();if(!r.ok){console.error(r.status,b);process.exit(1)}const run=JSON.parse(b);console.log('reached run',run.info.runName,run.info.status)})`),
        }],
      });
      await assert.rejects(fx.pipelines.startRun('reporter'), /params\.tag: step 'fit' requires it/);
      const run = await fx.waitForRun((await fx.pipelines.startRun('reporter', { params: { lr: '0.5', tag: 'exp1' } })).id);
      assert.equal(run.state, 'succeeded', await fx.pipelines.stepLog(run.id, 'fit'));
      const env = JSON.parse(readFileSync(envFile, 'utf8')) as Record<string, string>;
      const step = run.steps[0]!;
      assert.equal(env.MLFLOW_RUN_ID, step.mlflowRunId);
      assert.equal(env.MLFLOW_TRACKING_URI, fx.url);
      assert.equal(env.FLYWHEEL_PIPELINE_RUN_ID, run.id);
      assert.equal(env.FLYWHEEL_STEP, 'fit');
      assert.equal(env.FLYWHEEL_PARAM_LR, '0.5');
      assert.equal(env.FLYWHEEL_PARAM_TAG, 'exp1');
      assert.equal(env.EXTRA, 'yes');
      assert.equal(env.MLFLOW_TRACKING_TOKEN, undefined);
      const mlrun = await fx.tracking.getRun(step.mlflowRunId!);
      assert.equal(mlrun.info.status, 'FINISHED');
      assert.equal((await fx.tracking.getExperimentByName('reporter')).experimentId, mlrun.info.experimentId);
      const tags = Object.fromEntries(mlrun.data.tags.map((t) => [t.key, t.value]));
      assert.equal(tags['flywheel.pipeline_run_id'], run.id);
      assert.equal(tags['flywheel.step'], 'fit');
      assert.match(await fx.pipelines.stepLog(run.id, 'fit'), /^reached run fit RUNNING\n/);
    });

    test('a running step left by a dead executor is re-queued and completes (restart resume)', async () => {
      await fx.pipelines.register({ name: 'resume', steps: [{ name: 'only', command: js("console.log('done')") }] });
      // A run whose step a dead executor held: claimed under another worker id, heartbeat long ago.
      await fx.executor.stop();
      const { id } = await fx.pipelines.startRun('resume');
      const claimed = await fx.repo.claimStep(id, 'only', 'dead-worker', 1);
      assert.ok(claimed);
      await fx.executor.start();
      const run = await fx.waitForRun(id);
      assert.equal(run.state, 'succeeded');
      assert.equal(run.steps[0]!.attempt, 2);
      assert.equal(run.steps[0]!.maxAttempts, 2, 'the interrupted attempt did not use up the step\'s retries');
    });
  });
}

for (const dialect of DIALECTS) {
  describe(`local executor concurrency limit on ${dialect}`, () => {
    test('with concurrency 1 the parallel branches run one after the other', async () => {
      const fx = await createPipelinesFixture(dialect, { concurrency: 1 });
      const dir = mkdtempSync(join(tmpdir(), 'fw-pipe-c1-'));
      try {
        const file = join(dir, 'order.txt');
        await fx.pipelines.register({
          name: 'fan',
          steps: [
            { name: 'a', command: trace(file, 'a', 300) },
            { name: 'b', command: trace(file, 'b', 300) },
            { name: 'c', command: trace(file, 'c', 300) },
          ],
        });
        const run = await fx.waitForRun((await fx.pipelines.startRun('fan')).id);
        assert.equal(run.state, 'succeeded');
        const lines = readFileSync(file, 'utf8').trim().split('\n').map((l) => l.split(' ').slice(0, 2).join(' '));
        // Each start is followed by its own end before the next start.
        for (let i = 0; i < lines.length; i += 2) assert.equal(lines[i + 1], lines[i]!.replace('start', 'end'), lines.join(', '));
        assert.equal(lines.length, 6);
      } finally {
        await fx.dispose();
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
}
