/**
 * A real HTTP server with the actuals API over a fresh database, for end-to-end tests of the CLI
 * until main.ts wires monitoring. Seeds `seed` predictions of deployment 'churn' (ids s-0 …).
 * Prints `listening on <url>`; SIGTERM closes it and drops the database.
 *
 *   node --conditions=flywheel-source --import tsx actuals-server.ts <sqlite|postgres> [seed]
 */
import type { DialectName } from '../../../store/index.js';
import { createActualsApp } from './actuals-app.js';

const dialect = (process.argv[2] ?? 'sqlite') as DialectName;
const seed = Number(process.argv[3] ?? 0);
const f = await createActualsApp(dialect);
await f.logPredictions(Array.from({ length: seed }, (_, i) => ({ id: `s-${i}`, variant: i % 2 === 0 ? 'a' : 'b', ts: 1_763_000_000_000 + i })));
const url = await f.app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`listening on ${url}\n`);
let closing = false;
process.on('SIGTERM', () => {
  if (closing) return;
  closing = true;
  void f.dispose().finally(() => process.exit(0));
});
