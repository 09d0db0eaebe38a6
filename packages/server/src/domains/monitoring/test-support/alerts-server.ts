/**
 * A real HTTP server with the alerts, webhooks and labeling API over a fresh database, for
 * end-to-end tests of the CLI until main.ts wires them. Seeds predictions q-0 … q-9 of
 * deployment 'churn' (p = 0.05 + 0.1·i) and a least-confident policy (share 0.2).
 * Prints `listening on <url>`; SIGTERM closes it and drops the database.
 *
 *   node --conditions=flywheel-source --import tsx alerts-server.ts <sqlite|postgres>
 */
import type { DialectName } from '../../../store/index.js';
import { createAlertsApp } from './alerts-app.js';

const dialect = (process.argv[2] ?? 'sqlite') as DialectName;
const f = await createAlertsApp(dialect);
await f.logPredictions(Array.from({ length: 10 }, (_, i) => ({ id: `q-${i}`, ts: f.clock.t - 60_000 + i, p: 0.05 + 0.1 * i })));
await f.app.inject({ method: 'PUT', url: '/api/v1/labeling/churn/policy', payload: { strategy: 'least_confident', share: 0.2 } });
await f.app.inject({ method: 'POST', url: '/api/v1/labeling/churn/sample', payload: {} });
const url = await f.app.listen({ host: '127.0.0.1', port: 0 });
process.stdout.write(`listening on ${url}\n`);
let closing = false;
process.on('SIGTERM', () => {
  if (closing) return;
  closing = true;
  void f.dispose().finally(() => process.exit(0));
});
