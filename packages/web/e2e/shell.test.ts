import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS } from '../../server/src/test-support/platform.js';
import { closeBrowser, openSession, startUiServer, type UiServer } from './harness.js';

after(closeBrowser);

for (const dialect of DIALECTS) {
  describe(`web UI shell (${dialect})`, () => {
    let server: UiServer;
    before(async () => {
      server = await startUiServer(dialect);
    });
    after(() => server?.close());

    test('a loopback server opens on the overview for anonymous callers, with a getting-started guide', async () => {
      const s = await openSession(server);
      await s.page.goto('/');
      assert.match(s.page.url(), /\/ui\/$/);
      await s.page.getByRole('heading', { name: 'Overview' }).waitFor();
      await s.page.getByRole('heading', { name: 'Getting started' }).waitFor();
      assert.match(await s.page.locator('.sidebar .who').innerText(), /anonymous/);
      await s.shot(`overview-${dialect}`);
      await s.close();
    });

    test('logging in with a wrong password says so; with the right one the user is shown, and logout ends it', async () => {
      await server.platform.services.org.bootstrapUser({ username: 'ada', password: 'correct horse battery', isAdmin: true });
      const s = await openSession(server);
      s.allow(/\/api\/v1\/auth\/login$/);
      await s.page.goto('/ui/login');
      await s.page.getByLabel('Username').fill('ada');
      await s.page.getByLabel('Password').fill('wrong password!');
      await s.page.getByRole('button', { name: 'Log in' }).click();
      await s.page.getByRole('alert').waitFor();
      assert.match(await s.page.getByRole('alert').innerText(), /password|invalid|incorrect/i);
      await s.page.getByLabel('Password').fill('correct horse battery');
      await s.page.getByRole('button', { name: 'Log in' }).click();
      await s.page.getByRole('heading', { name: 'Overview' }).waitFor();
      assert.match(await s.page.locator('.sidebar .who').innerText(), /ada/);
      await s.page.getByRole('button', { name: 'Log out' }).click();
      await s.page.locator('.sidebar .who', { hasText: 'anonymous' }).waitFor();
      await s.close();
    });

    test('the sidebar search opens the catalog with the query', async () => {
      const s = await openSession(server);
      await s.page.goto('/ui/');
      await s.page.getByRole('searchbox', { name: 'Search the catalog' }).fill('churn');
      await s.page.getByRole('searchbox', { name: 'Search the catalog' }).press('Enter');
      await s.page.waitForURL(/\/ui\/org\/catalog\?q=churn$/);
      await s.page.getByRole('heading', { name: /Catalog/ }).first().waitFor();
      await s.close();
    });

    test('an unknown page says so, and a deep link is served by the app', async () => {
      const s = await openSession(server);
      await s.page.goto('/ui/no/such/page');
      await s.page.getByRole('heading', { name: 'Not found' }).waitFor();
      await s.close();
    });
  });
}

describe('web UI on a server closed to anonymous callers', () => {
  let server: UiServer;
  before(async () => {
    server = await startUiServer('sqlite', { anonymous: 'off' });
    await server.platform.services.org.bootstrapUser({ username: 'grace', password: 'another good password', isAdmin: false });
  });
  after(() => server?.close());

  test('shows the login page first and returns to the page asked for', async () => {
    const s = await openSession(server);
    await s.page.goto('/ui/no-such-page');
    await s.page.getByRole('heading', { name: /Flywheel/ }).waitFor();
    assert.match(s.page.url(), /\/ui\/login\?next=/);
    await s.page.getByLabel('Username').fill('grace');
    await s.page.getByLabel('Password').fill('another good password');
    await s.page.getByRole('button', { name: 'Log in' }).click();
    await s.page.getByRole('heading', { name: 'Not found' }).waitFor();
    assert.match(s.page.url(), /\/ui\/no-such-page$/);
    await s.close();
  });
});
