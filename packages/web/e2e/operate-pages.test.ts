import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS } from '../../server/src/test-support/platform.js';
import { closeBrowser, openSession, startUiServer, type UiServer } from './harness.js';
import { seedDeployment, seedMonitor, sendTraffic } from './operate-seed.js';

after(closeBrowser);

for (const dialect of DIALECTS) {
  describe(`operate and organization pages (${dialect})`, () => {
    let server: UiServer;
    before(async () => {
      server = await startUiServer(dialect);
      await seedDeployment(server);
      await sendTraffic(server, 12, { prefix: 'warm' });
    });
    after(() => server?.close());

    test('deployments: change the traffic split in the UI; a refused split shows the server message verbatim; live charts fill from /metrics', async () => {
      const s = await openSession(server);
      await s.page.goto('/ui/deployments');
      await s.page.getByRole('heading', { name: 'Deployments', level: 1 }).waitFor();
      await s.page.getByRole('link', { name: 'churn-live' }).click();
      await s.page.getByRole('heading', { name: 'churn-live', level: 1 }).waitFor();
      await s.page.getByRole('heading', { name: 'Recent predictions' }).waitFor();
      await s.page.locator('.ops-predictions tbody tr').first().waitFor();

      // A split that does not sum to 100: the server's own words are shown.
      const refused = await server.platform.app.inject({
        method: 'PUT',
        url: '/api/v1/deployments/churn-live',
        payload: { config: { variants: [{ name: 'a', model: { name: 'churn', version: '1' }, role: 'primary', weight: 70 }, { name: 'b', model: { name: 'churn', version: '2' }, role: 'primary', weight: 50 }] } },
      });
      assert.equal(refused.statusCode, 400);
      const serverMessage = (refused.json() as { error: { message: string } }).error.message;
      s.allow(/\/api\/v1\/deployments\/churn-live$/);
      await s.page.getByLabel('Weight of a').fill('70');
      await s.page.getByRole('button', { name: 'Save traffic split' }).click();
      const alert = s.page.getByRole('alert').filter({ hasText: 'The server refused the change' });
      await alert.waitFor();
      assert.equal(await alert.locator('.refusal-message').innerText(), serverMessage);
      assert.equal((await server.platform.services.deployments.get('churn-live')).revision, 1, 'nothing changed on a refusal');

      await s.page.getByLabel('Weight of a').fill('80');
      await s.page.getByLabel('Weight of b').fill('20');
      await s.page.getByRole('button', { name: 'Save traffic split' }).click();
      await s.page.getByRole('status').filter({ hasText: 'revision 2 is live' }).waitFor();
      const d = await server.platform.services.deployments.get('churn-live');
      assert.equal(d.revision, 2);
      assert.deepEqual(Object.fromEntries(d.config.variants.map((v) => [v.name, v.weight])), { a: 80, b: 20 });

      // Traffic between two scrapes: the rate table shows requests per second for the variants.
      await sendTraffic(server, 20, { prefix: 'live' });
      await s.page.waitForFunction(() => Number(document.querySelector('[data-testid="rate-a"]')?.textContent) > 0, undefined, { timeout: 10_000 }).catch(async () => {
        await sendTraffic(server, 20, { prefix: 'live2' });
        await s.page.waitForFunction(() => Number(document.querySelector('[data-testid="rate-a"]')?.textContent) > 0, undefined, { timeout: 10_000 });
      });
      await s.page.locator('.ops-chart-grid .chart').first().waitFor();
      await s.shot(`deployment-${dialect}`);

      // One-click rollback: revision 3 carries revision 1's 50/50.
      await s.page.getByRole('button', { name: 'Roll back to the previous revision' }).click();
      await s.page.getByText('Revision 3 ·').waitFor();
      const rolled = await server.platform.services.deployments.get('churn-live');
      assert.deepEqual(Object.fromEntries(rolled.config.variants.map((v) => [v.name, v.weight])), { a: 50, b: 50 });
      await s.close();
    });

    test('labeling queue: sample predictions, label one with the number keys, skip one with S; the label is stored as the actual', async () => {
      const s = await openSession(server);
      await s.page.goto('/ui/monitoring/labeling');
      await s.page.getByRole('link', { name: 'churn-live' }).click();
      await s.page.getByRole('heading', { name: 'Labeling: churn-live' }).waitFor();
      await s.page.getByLabel('Strategy').selectOption('random');
      await s.page.getByLabel('Share of predictions').fill('1');
      await s.page.getByRole('button', { name: 'Save policy and sample now' }).click();
      await s.page.getByRole('status').filter({ hasText: /queued \d+ new items/ }).waitFor();
      await s.page.waitForFunction(() => Number(document.querySelector('[data-testid="queue-pending"]')?.textContent) >= 12);

      await s.page.getByLabel('Reviewer name').fill('rita');
      await s.page.getByRole('button', { name: 'Start reviewing as rita' }).click();
      const first = s.page.locator('article.ops-item');
      await first.waitFor();
      const itemId = Number((await first.getAttribute('aria-label'))!.replace('Item ', ''));
      const item = await server.platform.services.labeling.get(itemId);
      assert.equal(item.state, 'claimed');
      assert.equal(item.claimedBy, 'rita');
      await s.shot(`labeling-${dialect}`);

      await s.page.keyboard.press('2');
      await s.page.getByRole('status').filter({ hasText: `Labeled item ${itemId} as 1.` }).waitFor();
      const actual = await server.platform.app.inject({ method: 'GET', url: `/api/v1/actuals/${encodeURIComponent(item.inferenceId)}` });
      assert.equal(actual.statusCode, 200, actual.body);
      assert.equal((actual.json() as { value: unknown }).value, 1);
      assert.equal((await server.platform.services.labeling.get(itemId)).state, 'labeled');

      // The next item loaded by itself; S skips it.
      await s.page.locator(`article.ops-item:not([aria-label="Item ${itemId}"])`).waitFor();
      const secondId = Number((await s.page.locator('article.ops-item').getAttribute('aria-label'))!.replace('Item ', ''));
      await s.page.keyboard.press('s');
      await s.page.getByRole('status').filter({ hasText: `Skipped item ${secondId}.` }).waitFor();
      assert.equal((await server.platform.services.labeling.get(secondId)).state, 'skipped');
      await s.page.getByRole('button', { name: 'Refresh' }).click();
      await s.page.waitForFunction(() => document.querySelector('[data-testid="queue-labeled"]')?.textContent === '1');
      await s.close();
    });

    test("monitoring: a monitor's page shows quality per variant, drift per feature with its test and decision, histograms, fairness", async () => {
      const m = await seedMonitor(server);
      const s = await openSession(server);
      await s.page.goto('/ui/monitoring');
      await s.page.getByRole('link', { name: 'churn drift' }).click();
      await s.page.getByRole('heading', { name: 'churn drift', level: 1 }).waitFor();
      const f0 = s.page.locator('.ops-drift-table tbody tr', { has: s.page.getByRole('button', { name: 'f0', exact: true }) });
      await f0.waitFor();
      assert.match(await f0.innerText(), /Kolmogorov–Smirnov[\s\S]*drift/);
      const f1 = s.page.locator('.ops-drift-table tbody tr', { has: s.page.getByRole('button', { name: 'f1', exact: true }) });
      assert.match(await f1.innerText(), /no drift/);
      const f9 = s.page.locator('.ops-drift-table tbody tr', { has: s.page.getByRole('button', { name: 'f9', exact: true }) });
      assert.match(await f9.innerText(), /chi-square/);
      await s.page.getByRole('img', { name: /Histogram of f0/ }).locator('canvas').waitFor();
      // One window so far: its figures per variant (a chart starts with the second window).
      const accuracy = s.page.getByRole('table', { name: /accuracy per window and variant/ });
      await accuracy.waitFor();
      assert.match(await accuracy.innerText(), /all traffic[\s\S]*\ba\b[\s\S]*\bb\b/);
      await s.page.getByRole('heading', { name: /Fairness per group of f9/ }).waitFor();
      await s.page.locator('table', { hasText: 'Selection rate' }).locator('tbody tr').nth(1).waitFor();
      const points = await server.platform.services.monitors.metrics(m.id, { metric: 'accuracy', column: null, variant: null, group: null, since: m.since, until: m.until + 1 });
      assert.equal(points.length, 1);
      await s.shot(`monitor-${dialect}`);
      await s.close();
    });
  });
}
