import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS } from '../../server/src/test-support/platform.js';
import { closeBrowser, openSession, startUiServer, type UiServer } from './harness.js';
import { seedDeployment, sendTraffic } from './operate-seed.js';

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
  });
}
