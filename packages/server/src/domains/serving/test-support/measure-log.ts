/**
 * Not a test: entries/s appended by 64 concurrent appenders in sync mode (group commit), on SQLite
 * and PostgreSQL, and the raw insert ceiling (back-to-back insertBatch calls of the same mean batch
 * size). `node --conditions=flywheel-source --import tsx packages/server/src/domains/serving/test-support/measure-log.ts [seconds]`
 */
import { createTestStore, DIALECTS } from '../../../store/test-support/stores.js';
import { servingMigrations } from '../serving.migrations.js';
import { GroupCommitPredictionLog, type PredictionEntry } from '../prediction-log.js';
import { PredictionsRepository, type PredictionTables } from '../predictions.repository.js';

const seconds = Number(process.argv[2] ?? 3);
const inputs = JSON.stringify({ x: { type: 'float32', shape: [1, 10], data: Array.from({ length: 10 }, (_, i) => i / 7) } });
const outputs = JSON.stringify({ p: { type: 'float32', shape: [1, 1], data: [0.73] } });
let seq = 0;
const entry = (): PredictionEntry => ({ inference_id: `m-${seq++}-${Math.random().toString(36).slice(2, 10)}`, deployment: 'bench', variant: 'a', model_name: 'm', model_version: '1', ts: Date.now(), latency_us: 12, inputs, outputs, status: 0 });

for (const dialect of DIALECTS) {
  const store = await createTestStore(dialect, [servingMigrations]);
  try {
    const repo = new PredictionsRepository(store.tables<PredictionTables>(), store.dialect);
    const log = new GroupCommitPredictionLog(repo);
    let stop = false;
    const lat: number[] = [];
    const worker = async () => {
      while (!stop) {
        const t = process.hrtime.bigint();
        await log.append(entry());
        lat.push(Number(process.hrtime.bigint() - t) / 1e6);
      }
    };
    const t0 = Date.now();
    const workers = Array.from({ length: 64 }, worker);
    await new Promise((r) => setTimeout(r, seconds * 1000));
    stop = true;
    await Promise.all(workers);
    const dt = (Date.now() - t0) / 1000;
    const s = log.stats();
    const batch = Math.max(1, Math.round(s.written / s.flushes));
    lat.sort((a, b) => a - b);
    console.log(`${dialect}: sync group commit, 64 appenders: ${Math.round(s.written / dt)} entries/s, ${s.flushes} commits, mean batch ${batch}, append p50 ${lat[lat.length >> 1]!.toFixed(2)} ms p99 ${lat[Math.floor(lat.length * 0.99)]!.toFixed(2)} ms`);
    for (const size of [1, batch]) {
      let n = 0;
      const r0 = Date.now();
      while (Date.now() - r0 < seconds * 1000) {
        await repo.insertBatch(Array.from({ length: size }, entry));
        n += size;
      }
      console.log(`${dialect}: raw insertBatch(${size}) back to back: ${Math.round(n / ((Date.now() - r0) / 1000))} entries/s`);
    }
  } finally {
    await store.dispose();
  }
}
