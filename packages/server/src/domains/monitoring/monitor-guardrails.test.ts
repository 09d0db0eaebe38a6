import { test } from 'node:test';
import assert from 'node:assert/strict';
import { monitorGuardrails } from './monitor-guardrails.js';
import { InMemoryMetricSeries } from './test-support/alerts-fixtures.js';

test("a monitor guardrail reads the canary's latest closed window in the step, the worst feature for per-feature metrics", async () => {
  const series = new InMemoryMetricSeries();
  const [psi, accuracy] = monitorGuardrails(series, ['psi', 'accuracy']);
  const step = { since: 1_000_000, until: 2_000_000 };
  assert.equal(await psi!.evaluate('churn', 'c', step), null, 'no window closed yet: the step waits');
  series.add({ metric: 'psi', variant: 'c', column: 'age', windowEnd: 900_000, value: 9 }); // before the step
  series.add({ metric: 'psi', variant: 'c', column: 'age', windowEnd: 1_500_000, value: 0.05 });
  series.add({ metric: 'psi', variant: 'c', column: 'age', windowEnd: 1_800_000, value: 0.12 });
  series.add({ metric: 'psi', variant: 'c', column: 'plan', windowEnd: 1_800_000, value: 0.31 });
  series.add({ metric: 'psi', variant: 'a', column: 'plan', windowEnd: 1_800_000, value: 0.9 }); // another variant
  series.add({ metric: 'psi', variant: 'c', column: 'plan', group: 'x', windowEnd: 1_800_000, value: 0.95 }); // a group slice
  series.add({ metric: 'psi', deployment: 'other', variant: 'c', column: 'plan', windowEnd: 1_800_000, value: 0.97 });
  assert.equal(await psi!.evaluate('churn', 'c', step), 0.31);
  series.add({ metric: 'accuracy', variant: 'c', windowEnd: 1_700_000, value: 0.81 });
  series.add({ metric: 'accuracy', variant: 'c', windowEnd: 2_000_000, value: 0.74 });
  assert.equal(await accuracy!.evaluate('churn', 'c', step), 0.74, 'a window closing at the evaluation time counts');
});
