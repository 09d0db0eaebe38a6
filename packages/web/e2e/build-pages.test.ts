import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { DIALECTS } from '../../server/src/test-support/platform.js';
import { closeBrowser, openSession, startUiServer, type UiServer } from './harness.js';
import { seedBuild, seedLongHistory, seedManyRuns, type BuildSeed } from './build-seed.js';

after(closeBrowser);

/** A titled panel of a page (the shared Panel is a section headed by its title). */
const panel = (page: Page, title: string) => page.locator('section.panel', { has: page.getByRole('heading', { name: title, exact: true }) });

for (const dialect of DIALECTS) {
  describe(`web UI, Build pages (${dialect})`, () => {
    let server: UiServer;
    let seed: BuildSeed;
    before(async () => {
      server = await startUiServer(dialect);
      seed = await seedBuild(server);
    });
    after(() => server?.close());

    test('browse runs: the run table filters in MLflow syntax, says why a bad filter is bad, and a run shows its curve and artifacts', async () => {
      const s = await openSession(server);
      s.allow(/\/api\/v1\/runs\/search$/);
      const { page } = s;
      await page.goto('/ui/experiments');
      await page.getByRole('link', { name: 'churn-model' }).waitFor();
      await s.shot(`experiments-${dialect}`);
      await page.getByRole('link', { name: 'churn-model' }).click();
      await page.getByRole('heading', { name: 'churn-model' }).waitFor();
      const table = page.getByRole('table', { name: 'Runs' });
      await table.getByRole('row').filter({ hasText: 'baseline' }).waitFor();
      assert.equal(await table.locator('.dt-body [role=row]').count(), 3);
      // The picked columns: the first metrics and params logged, with their latest values.
      await table.getByRole('columnheader', { name: 'accuracy' }).waitFor();
      assert.match(await table.getByRole('row').filter({ hasText: 'tuned' }).innerText(), /0\.9\b[\s\S]*xgb/);
      await s.shot(`runs-table-${dialect}`);

      const filter = page.getByLabel('Filter runs (MLflow syntax)');
      await filter.fill("params.model = 'xgb' and metrics.accuracy > 0.88");
      await page.getByRole('button', { name: 'Apply' }).click();
      await page.getByText('1 run', { exact: true }).waitFor();
      assert.deepEqual(await table.locator('.dt-body [role=row] [role=cell]:nth-child(2)').allInnerTexts(), ['tuned']);
      assert.match(page.url(), /filter=/);

      await filter.fill('metrics.accuracy >>> 1');
      await page.getByRole('button', { name: 'Apply' }).click();
      const alert = page.getByRole('alert');
      await alert.waitFor();
      assert.match(await alert.innerText(), /cannot use this filter[\s\S]*comparator '>>>'/);
      await s.shot(`runs-bad-filter-${dialect}`);
      await page.getByRole('button', { name: 'Clear' }).click();
      await table.getByRole('row').filter({ hasText: 'wide' }).waitFor();

      await table.getByRole('link', { name: 'tuned' }).click();
      await page.getByRole('heading', { name: 'tuned', level: 1 }).waitFor();
      assert.match(await panel(page, 'Params (3)').innerText(), /max_depth\s+6/);
      await page.getByRole('link', { name: 'customers' }).waitFor();
      await s.shot(`run-overview-${dialect}`);
      await page.getByRole('tab', { name: 'Metric curves' }).click();
      const curve = page.getByRole('region', { name: 'Metric loss' });
      await curve.locator('canvas').waitFor();
      assert.match(await curve.innerText(), /100 points/);
      await s.shot(`run-curves-${dialect}`);

      await page.getByRole('tab', { name: 'Artifacts' }).click();
      await page.getByRole('button', { name: /notes\.txt/ }).click();
      await page.locator('pre.artifact-text', { hasText: 'trained xgb with lr=0.01' }).waitFor();
      await page.getByRole('button', { name: /eval\// }).click();
      await page.getByRole('button', { name: /confusion\.csv/ }).click();
      await page.locator('table.csv').getByRole('cell', { name: '121' }).waitFor();
      assert.deepEqual(await page.locator('table.csv th').allInnerTexts(), ['label', 'predicted_no', 'predicted_yes']);
      await s.shot(`run-artifacts-csv-${dialect}`);
      await page.getByRole('button', { name: /roc\.png/ }).click();
      const img = page.getByRole('img', { name: 'eval/roc.png' });
      await img.waitFor();
      await page.waitForFunction(() => (document.querySelector('img.artifact-image') as HTMLImageElement | null)?.naturalWidth === 1);
      await s.close();
    });

    test('compare runs: two selected runs overlay their curves, with parallel coordinates and a side-by-side table', async () => {
      const s = await openSession(server);
      const { page } = s;
      await page.goto(`/ui/experiments/${seed.experimentId}`);
      const table = page.getByRole('table', { name: 'Runs' });
      await table.getByRole('row').filter({ hasText: 'baseline' }).getByRole('checkbox').check();
      await table.getByRole('row').filter({ hasText: 'tuned' }).getByRole('checkbox').check();
      await page.getByRole('button', { name: 'Compare (2)' }).click();
      await page.getByRole('heading', { name: 'Compare 2 runs' }).waitFor();
      const curves = panel(page, 'Metric curves');
      await curves.locator('canvas').waitFor();
      const legend = await curves.locator('.u-legend').innerText();
      assert.match(legend, /baseline/);
      assert.match(legend, /tuned/);
      await page.getByRole('img', { name: /Parallel coordinates of 2 runs/ }).locator('canvas').waitFor();
      await page.getByRole('img', { name: /Scatter of/ }).locator('canvas').waitFor();
      // The params that tell the runs apart are marked; the rows read across.
      const lr = page.locator('table.compare tr', { hasText: 'params.lr' });
      assert.match(await lr.getAttribute('class') ?? '', /differs/);
      assert.match(await lr.innerText(), /0\.1\s+0\.01/);
      await s.shot(`runs-compare-${dialect}`);
      await s.close();
    });

    test("a model version's lineage draws dataset version → run → model version → deployment, each node a way to its page", async () => {
      const s = await openSession(server);
      const { page } = s;
      await page.goto('/ui/models');
      await page.getByRole('link', { name: 'churn' }).waitFor();
      await s.shot(`models-${dialect}`);
      await page.getByRole('link', { name: 'churn' }).click();
      await page.getByRole('table', { name: 'Model versions' }).getByText('pending').waitFor();
      await s.shot(`model-${dialect}`);
      await page.getByRole('link', { name: `v${seed.model.version}` }).click();
      await page.getByRole('heading', { name: `churn v${seed.model.version}` }).waitFor();
      // The signature read from the ONNX file.
      await page.getByRole('table', { name: 'Inputs' }).getByRole('cell', { name: 'float32' }).waitFor();
      await s.shot(`model-version-${dialect}`);
      await page.getByRole('tab', { name: 'Lineage' }).click();
      await page.getByRole('img', { name: /Lineage graph with 4 nodes and 3 edges/ }).locator('canvas').waitFor();
      const nodes = page.getByRole('list', { name: 'Lineage nodes' }).getByRole('listitem');
      // Listed in the order things flow.
      assert.deepEqual((await nodes.allInnerTexts()).map((t) => t.split(':')[0]), ['Dataset version', 'Run', 'Model version', 'Deployment']);
      assert.match(await nodes.nth(3).innerText(), /churn-live/);
      await s.shot(`model-lineage-${dialect}`);
      await page.getByRole('list', { name: 'Lineage nodes' }).getByRole('link', { name: 'customers v1' }).click();
      await page.getByRole('heading', { name: 'customers v1' }).waitFor();
      await s.close();
    });

    test('a model card goes from draft to review with a risk rating, and a reviewer approves the version with a comment', async () => {
      const s = await openSession(server);
      const { page } = s;
      await page.goto(`/ui/models/churn/versions/${seed.model.version}?tab=card`);
      await page.getByRole('button', { name: 'Write the model card' }).click();
      await page.getByLabel('Risk rating').selectOption('medium');
      await page.getByLabel(/^Intended use/).fill('Rank customers by churn risk for the retention team.');
      await page.getByRole('button', { name: 'Save card' }).click();
      await page.getByRole('button', { name: 'Submit for review' }).click();
      await page.locator('.workflow li.current', { hasText: 'Pending review' }).waitFor();
      await page.getByText('risk: medium').waitFor();
      await s.shot(`model-card-${dialect}`);
      await page.getByRole('tab', { name: 'Approval' }).click();
      await page.getByLabel('Your name').fill('grace');
      await page.getByLabel(/^Comment/).fill('Evaluated on the holdout; fine.');
      await page.getByRole('button', { name: 'Approve' }).click();
      await panel(page, 'History (1)').getByText('Evaluated on the holdout; fine.').waitFor();
      const approval = await server.platform.services.registry.getApproval('churn', seed.model.version);
      assert.equal(approval.current.status, 'approved');
      assert.equal(approval.current.decidedBy, 'grace');
      await s.close();
    });

    test("a dataset version's profile draws a histogram per numeric column and the top categories", async () => {
      const s = await openSession(server);
      const { page } = s;
      await page.goto('/ui/datasets');
      await page.getByRole('link', { name: 'customers', exact: true }).click();
      await page.getByRole('link', { name: 'v1' }).click();
      await page.getByRole('heading', { name: 'customers v1' }).waitFor();
      await page.getByRole('img', { name: /Histogram of age: 20 bins/ }).locator('canvas').waitFor();
      await page.getByRole('img', { name: /Most frequent values of plan: .*basic \(20\)/ }).locator('canvas').waitFor();
      assert.match(await page.getByRole('region', { name: 'churned' }).innerText(), /2 distinct values/);
      await s.shot(`dataset-profile-${dialect}`);
      await page.getByRole('tab', { name: 'Schema' }).click();
      await page.getByRole('cell', { name: 'monthly_spend' }).waitFor();
      await s.close();
    });

    test('a run, model or dataset that does not exist (or is hidden) reads as not available, not as a crash', async () => {
      const s = await openSession(server);
      s.allow(/\/api\/v1\/(runs|models|datasets)\//);
      const { page } = s;
      await page.goto('/ui/runs/0123456789abcdef0123456789abcdef');
      await page.getByRole('heading', { name: 'This run is not available to you' }).waitFor();
      await page.goto('/ui/models/no-such-model');
      await page.getByRole('heading', { name: 'This model is not available to you' }).waitFor();
      await page.goto('/ui/datasets/no-such-data/versions/3');
      await page.getByRole('heading', { name: 'This dataset version is not available to you' }).waitFor();
      await s.close();
    });

    test("a pipeline run lists its steps and shows a step's logs", async () => {
      const s = await openSession(server);
      const { page } = s;
      await page.goto('/ui/pipelines');
      await page.getByRole('link', { name: 'nightly' }).click();
      await page.getByRole('link', { name: seed.pipelineRunId.slice(0, 12) }).waitFor();
      await s.shot(`pipeline-${dialect}`);
      await page.getByRole('link', { name: seed.pipelineRunId.slice(0, 12) }).click();
      await page.getByRole('heading', { name: `Run ${seed.pipelineRunId.slice(0, 12)}` }).waitFor();
      await page.getByRole('button', { name: 'Logs of prep' }).click();
      await panel(page, 'Logs: prep').getByText('prepared 60 rows').waitFor();
      await page.getByRole('button', { name: 'Logs of fit' }).click();
      await panel(page, 'Logs: fit').getByText('warning: small data').waitFor();
      await s.shot(`pipeline-run-${dialect}`);
      await s.close();
    });
  });
}

describe('web UI at real sizes (sqlite)', () => {
  let server: UiServer;
  let experimentId: string;
  let longRun: string;
  before(async () => {
    server = await startUiServer('sqlite');
    experimentId = await seedManyRuns(server, 10_000);
    longRun = await seedLongHistory(server, experimentId, 100_000);
  });
  after(() => server?.close());

  test('a run table of 10,000 runs renders a screenful of rows and scrolls to the last run', async () => {
    const s = await openSession(server);
    const { page } = s;
    const t0 = Date.now();
    await page.goto(`/ui/experiments/${experimentId}`);
    await page.getByText('10,001 runs').waitFor({ timeout: 30_000 });
    const loaded = Date.now() - t0;
    const body = page.getByRole('table', { name: 'Runs' }).locator('.dt-body');
    const domRows = await body.locator('[role=row]').count();
    assert.ok(domRows > 10 && domRows < 80, `only the visible rows are in the DOM (${domRows})`);
    // Sort by a metric column, then scroll to the end: the last row is the lowest accuracy.
    await page.getByRole('columnheader', { name: 'accuracy' }).getByRole('button').click();
    await page.getByRole('columnheader', { name: 'accuracy' }).getByRole('button').click();
    await body.evaluate((el) => el.scrollTo(0, el.scrollHeight));
    await body.locator('[role=row][aria-rowindex="10002"]').waitFor();
    assert.ok((await body.locator('[role=row]').count()) < 80, 'still a screenful after scrolling');
    await s.shot('runs-table-10k');
    // One frame budget per scroll step on a shared 2-core machine is generous; the point is no stall.
    const frame = await body.evaluate(async (el) => {
      const times: number[] = [];
      for (let i = 0; i < 30; i++) {
        const a = performance.now();
        el.scrollTop = (el.scrollHeight * i) / 30;
        await new Promise((r) => requestAnimationFrame(() => r(null)));
        times.push(performance.now() - a);
      }
      return Math.max(...times);
    });
    console.log(`10,000 runs: table shown after ${loaded} ms, ${domRows} rows in the DOM, slowest scroll frame ${frame.toFixed(0)} ms`);
    assert.ok(frame < 500, `scrolling stays responsive (slowest frame ${frame.toFixed(0)} ms)`);
    await s.close();
  });

  test('a metric history of 100,000 points is drawn downsampled', async () => {
    const s = await openSession(server);
    const { page } = s;
    const t0 = Date.now();
    await page.goto(`/ui/runs/${longRun}?tab=metrics`);
    const curve = page.getByRole('region', { name: 'Metric loss' });
    await curve.getByText('100,000 points').waitFor({ timeout: 30_000 });
    await curve.locator('canvas').waitFor();
    console.log(`100,000-point curve drawn after ${Date.now() - t0} ms`);
    // A step range redraws that part from the full history: 1,001 points, no longer downsampled.
    await curve.getByLabel('From step').fill('50000');
    await curve.getByLabel('To step').fill('51000');
    await curve.getByText('100,000 points, 1,001 in range · drag to zoom').waitFor();
    await curve.getByRole('img', { name: 'loss by step, 1001 points' }).waitFor();
    await s.shot('run-curve-100k');
    await s.close();
  });
});
