/**
 * Not a test: a day of one deployment's traffic (default 200k predictions, 2 variants, plus 50k of
 * another deployment), 75% of it labeled, on SQLite and PostgreSQL. Prints actuals ingest rate
 * (10k-item batches through the service), the summary's time, and a full joined() scan.
 *
 *   node --conditions=flywheel-source --import tsx packages/server/src/domains/monitoring/test-support/measure-join.ts [predictions]
 */
import { DIALECTS } from '../../../store/test-support/stores.js';
import { createActualsFixture, predictionRows, type PredictionSpec } from './actuals-fixtures.js';

const N = Number(process.argv[2] ?? 200_000);
const DAY = 24 * 3600 * 1000;
const T = 1_763_000_000_000;
const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;

for (const dialect of DIALECTS) {
  const f = await createActualsFixture(dialect);
  try {
    const specs: PredictionSpec[] = [];
    for (let i = 0; i < N; i++) specs.push({ id: `d-${i}`, variant: i % 5 === 0 ? 'b' : 'a', ts: T + Math.floor((i * DAY) / N), p: (i % 100) / 100 });
    for (let i = 0; i < N / 4; i++) specs.push({ id: `o-${i}`, deployment: 'other', ts: T + Math.floor((i * DAY * 4) / N) });
    for (let i = 0; i < specs.length; i += 10_000) await f.predictions.insertBatch(predictionRows(specs.slice(i, i + 10_000)));

    const labeled = Math.floor(N * 0.75);
    let t0 = process.hrtime.bigint();
    for (let i = 0; i < labeled; i += 10_000) {
      const batch = [];
      for (let j = i; j < Math.min(labeled, i + 10_000); j++) batch.push({ inferenceId: `d-${j}`, value: j % 3 === 0 ? 1 : 0, timestamp: T + 1000 });
      await f.service.ingest(batch);
    }
    const ingestMs = ms(t0);

    t0 = process.hrtime.bigint();
    const s = await f.service.summary('churn', { since: T, until: T + DAY });
    const summaryMs = ms(t0);

    t0 = process.hrtime.bigint();
    let rows = 0;
    for await (const page of f.service.joined('churn', { since: T, until: T + DAY })) rows += page.length;
    const joinMs = ms(t0);

    t0 = process.hrtime.bigint();
    let bRows = 0;
    for await (const page of f.service.joined('churn', { since: T, until: T + DAY, variant: 'b' })) bRows += page.length;
    const joinBMs = ms(t0);

    console.log(JSON.stringify({
      dialect,
      predictions: N,
      actualsIngested: labeled,
      ingestMs: Math.round(ingestMs),
      ingestPerSec: Math.round(labeled / (ingestMs / 1000)),
      summaryMs: Math.round(summaryMs),
      summary: { predictions: s.predictions, withActuals: s.withActuals },
      joinedRows: rows,
      joinMs: Math.round(joinMs),
      joinRowsPerSec: Math.round(rows / (joinMs / 1000)),
      joinVariantBRows: bRows,
      joinVariantBMs: Math.round(joinBMs),
    }));
  } finally {
    await f.dispose();
  }
}
