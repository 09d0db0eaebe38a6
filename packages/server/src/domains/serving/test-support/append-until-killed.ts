/**
 * Child process of the durability test (not a test): opens the SQLite file in argv[2], appends
 * predictions in sync mode from 32 concurrent appenders forever, and prints each inference id once
 * `append` has resolved. The parent SIGKILLs it mid-stream and checks every printed id is stored.
 */
import { openStore, migrateToLatest } from '../../../store/index.js';
import { servingMigrations } from '../serving.migrations.js';
import { GroupCommitPredictionLog } from '../prediction-log.js';
import { PredictionsRepository, type PredictionTables } from '../predictions.repository.js';

const file = process.argv[2]!;
const store = await openStore({ databaseUrl: `sqlite:${file}`, dataDir: '.' });
await migrateToLatest(store, [servingMigrations]);
const log = new GroupCommitPredictionLog(new PredictionsRepository(store.tables<PredictionTables>(), store.dialect));
let n = 0;
const worker = async (w: number) => {
  for (;;) {
    const id = `w${w}-${n++}`;
    await log.append({ inference_id: id, deployment: 'd', variant: 'a', model_name: 'm', model_version: '1', ts: Date.now(), latency_us: 10, inputs: '{"x":[1,2,3]}', outputs: '{"p":[0.5]}', status: 0 });
    process.stdout.write(`${id}\n`); // synchronous on pipes on Linux: printed means acknowledged
  }
};
process.stdout.write('ready\n');
await Promise.all(Array.from({ length: 32 }, (_, w) => worker(w)));
