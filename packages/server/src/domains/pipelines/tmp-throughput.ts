import { spawn } from 'node:child_process';
import { createPipelinesFixture } from './test-support/pipelines-fixture.js';
const N = 60;
for (const dialect of ['sqlite', 'postgres'] as const) {
  const fx = await createPipelinesFixture(dialect, { concurrency: 2, pollMs: 1000, flushMs: 500 });
  await fx.pipelines.register({ name: 'empty', steps: Array.from({ length: N }, (_, i) => ({ name: `s${i}`, command: ['true'], cache: false })) });
  const t0 = Date.now();
  const run = await fx.waitForRun((await fx.pipelines.startRun('empty')).id, 300_000);
  const s = (Date.now() - t0) / 1000;
  console.log(dialect, run.state, `${N} empty steps in ${s.toFixed(2)} s = ${(N / s).toFixed(1)} steps/s (local executor, concurrency 2)`);
  await fx.dispose();
}
const t1 = Date.now();
let next = 0;
await Promise.all([0, 1].map(async () => {
  while (next < N) {
    next++;
    await new Promise((r) => spawn('true').once('exit', r));
  }
}));
const c = (Date.now() - t1) / 1000;
console.log(`ceiling: ${N} spawns of true, 2 at a time, in ${c.toFixed(2)} s = ${(N / c).toFixed(0)}/s`);
