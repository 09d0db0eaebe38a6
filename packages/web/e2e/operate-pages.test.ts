import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS } from '../../server/src/test-support/platform.js';
import { closeBrowser, openSession, startUiServer, type UiServer } from './harness.js';
import { seedDeployment, seedMonitor, seedOrganization, sendTraffic } from './operate-seed.js';

after(closeBrowser);

for (const dialect of DIALECTS) {
  describe(`operate and organization pages (${dialect})`, () => {
    let server: UiServer;
    before(async () => {
      server = await startUiServer(dialect);
      await seedDeployment(server);
      await sendTraffic(server, 12, { prefix: 'warm' });
      await seedOrganization(server);
    });
    after(() => server?.close());

    test('deployments: change the traffic split in the UI; a refused split shows the server message verbatim; live charts fill from /metrics', async () => {
      const s = await openSession(server);
      await s.page.goto('/ui/deployments');
      await s.page.getByRole('heading', { name: 'Deployments', level: 1 }).waitFor();
      await s.shot(`deployments-${dialect}`);
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
      await s.page.getByRole('link', { name: 'churn drift' }).waitFor();
      await s.shot(`monitors-${dialect}`);
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

      // Evaluating the last hour from the page writes a second window: the figures become a chart.
      await s.page.getByRole('button', { name: 'Evaluate the last window now' }).click();
      await s.page.getByRole('status').filter({ hasText: /Evaluated the last 60 min: \d+ rows, \d+ points written/ }).waitFor();
      await s.page.getByRole('img', { name: /accuracy per window and variant/ }).waitFor();
      assert.equal((await server.platform.services.monitors.metrics(m.id, { metric: 'row_count', column: null, variant: null, group: null, since: m.since, until: Date.now() + 1 })).length, 2);

      // An alert rule over the monitor's drift share fires; the alerts page shows it and its history.
      const rule = await server.platform.app.inject({
        method: 'POST',
        url: '/api/v1/alerts',
        payload: { name: 'f0-drift', deployment: 'churn-live', monitorId: m.id, metric: 'drift_share', column: null, variant: null, group: null, condition: { op: '>', threshold: 0.05 }, window: { points: 1 }, aggregation: 'latest', minSampleSize: 1, severity: 'warning' },
      });
      assert.equal(rule.statusCode, 201, rule.body);
      const evaluated = await server.platform.app.inject({ method: 'POST', url: `/api/v1/alerts/${(rule.json() as { id: string }).id}/evaluate` });
      assert.equal((evaluated.json() as { transition: string }).transition, 'fired', evaluated.body);
      await s.page.getByRole('link', { name: 'Alerts' }).click();
      const row = s.page.locator('.panel', { hasText: 'Rules' }).getByRole('row', { name: /f0-drift/ });
      await row.waitFor();
      assert.match(await row.innerText(), /firing[\s\S]*drift_share[\s\S]*> 0\.05/);
      await s.page.getByRole('table').nth(1).getByText('fired').waitFor();
      await s.shot(`alerts-${dialect}`);
      await s.close();
    });

    test('deployments: canary progress by step and the shadow comparison', async () => {
      const { deployments } = server.platform.services;
      await deployments.create({
        name: 'churn-canary',
        config: {
          variants: [
            { name: 'stable', model: { name: 'churn', version: '1' }, role: 'primary', weight: 100 },
            { name: 'next', model: { name: 'churn', version: '2' }, role: 'canary', weight: 0 },
            { name: 'mirror', model: { name: 'churn', version: '2' }, role: 'shadow', weight: 0 },
          ],
        },
      });
      const started = await server.platform.app.inject({
        method: 'POST',
        url: '/api/v1/deployments/churn-canary/rollouts',
        payload: { canary: 'next', steps: [{ weight: 10, hold: { requests: 1000 } }, { weight: 50, hold: { seconds: 600 } }, { weight: 100, hold: { seconds: 60 } }], guardrails: { maxErrorRate: 0.05, minRequests: 10 } },
      });
      assert.equal(started.statusCode, 201, started.body);
      for (let i = 0; i < 15; i++) {
        const res = await server.platform.app.inject({ method: 'POST', url: '/v2/models/churn-canary/infer', payload: { id: `canary-${i}`, inputs: [{ name: 'x', shape: [1, 10], datatype: 'FP32', data: [[0.1 * i, 1, -1, 0.5, 0, 0.2, -0.3, 1, 0, 0.4]] }] } });
        assert.equal(res.statusCode, 200, res.body);
      }
      const s = await openSession(server);
      await s.page.goto('/ui/deployments/churn-canary');
      const steps = s.page.getByRole('list', { name: 'Rollout steps' });
      await steps.waitFor();
      assert.equal(await steps.locator('li[aria-current="step"] .ops-step-weight').innerText(), '10 %');
      assert.match(await s.page.locator('.panel', { hasText: 'Canary rollouts' }).innerText(), /Canary next\s*running — step 1 of 3, at 10 % of traffic/);
      assert.match(await s.page.getByRole('note').innerText(), /rollout of next is running[\s\S]*stops the rollout/);
      const shadow = s.page.locator('.panel', { hasText: 'Shadow comparison' });
      await shadow.getByRole('row', { name: /mirror/ }).waitFor();
      // Shadow copies run after the answer: wait until the report has counted them.
      await s.page.waitForFunction(async () => {
        const r = await fetch('/api/v1/deployments/churn-canary/shadow').then((x) => x.json());
        return r.shadows[0]?.counts.completed >= 15;
      });
      await shadow.getByRole('button', { name: 'Refresh' }).click();
      await shadow.getByRole('row', { name: /mirror\s+15/ }).waitFor();
      await s.shot(`deployment-canary-${dialect}`);
      await s.close();
    });

    test('organization: the projects board flags the overdue POC; a project whose gate passes moves, one whose gate fails lists the unmet conditions', async () => {
      const s = await openSession(server);
      await s.page.goto('/ui/org/projects');
      const board = s.page.getByRole('list', { name: 'Projects by stage' });
      await board.waitFor();
      const poc = s.page.getByRole('listitem').filter({ has: s.page.getByRole('heading', { name: /^POC/ }) });
      assert.match(await poc.innerText(), /legacy-poc\s*overdue/);
      await s.shot(`projects-${dialect}`);

      await s.page.getByRole('link', { name: 'churn-poc' }).click();
      await s.page.getByRole('heading', { name: 'churn-poc', level: 1 }).waitFor();
      await s.page.getByText('gate passes').waitFor();
      assert.match(await s.page.locator('.org-checklist').innerText(), /business challenge stated[\s\S]*POC end date in the future/);
      await s.page.getByLabel('Reason (optional)').fill('kick-off');
      await s.page.getByRole('button', { name: 'Move to POC' }).click();
      await s.page.getByRole('status').filter({ hasText: 'Moved to POC.' }).waitFor();
      await s.page.getByRole('heading', { name: 'Gate: POC → Pilot' }).waitFor();
      assert.equal((await server.platform.services.projects.get('churn-poc')).stage, 'poc');
      assert.equal(await s.page.locator('.org-stages li[aria-current="step"]').innerText(), 'POC');
      assert.equal((await server.platform.services.projects.history('churn-poc'))[0]!.reason, 'kick-off');
      await s.shot(`project-${dialect}`);

      s.allow(/\/api\/v1\/projects\/fraud-idea\/stage$/);
      await s.page.goto('/ui/org/projects/fraud-idea');
      await s.page.getByText(/condition\(s\) unmet/).waitFor();
      await s.page.getByRole('button', { name: 'Move to POC' }).click();
      const refusal = s.page.getByRole('alert', { name: 'Stage change refused' });
      await refusal.waitFor();
      const unmet = await refusal.locator('.org-unmet li').allInnerTexts();
      assert.deepEqual(unmet.map((t) => t.split(':')[0]), ['business challenge stated', 'business value stated', 'success metric named', 'the data exists', 'POC end date in the future (time-boxed)']);
      assert.match(unmet[0]!, /businessCase.businessChallenge is empty/);
      assert.equal((await server.platform.services.projects.get('fraud-idea')).stage, 'idea');
      await s.close();
    });

    test('organization: teams with skills, budgets, policies, catalog search, scorecards; the audit log shows the actions above and an intact chain', async () => {
      const s = await openSession(server);
      await s.page.goto('/ui/org/teams');
      await s.page.getByRole('link', { name: 'ml-core' }).click();
      const members = s.page.getByRole('table', { name: 'Members of ml-core' });
      await members.waitFor();
      assert.match(await members.innerText(), /Ada Lovelace[\s\S]*admin[\s\S]*data scientist[\s\S]*ml engineer/);
      await s.shot(`teams-${dialect}`);

      await s.page.getByRole('link', { name: 'Budgets and cost' }).click();
      await s.page.getByRole('row', { name: /ml-core-monthly/ }).waitFor();
      await s.page.getByRole('combobox', { name: /^Team/ }).selectOption('ml-core');
      await s.page.locator('.org-spend').waitFor();
      await s.shot(`budgets-${dialect}`);

      await s.page.getByRole('link', { name: 'Policies' }).click();
      assert.match(await s.page.getByRole('row', { name: /champion-gate/ }).innerText(), /setting a model alias[\s\S]*alias champion[\s\S]*the model card is Approved/);
      await s.shot(`policies-${dialect}`);

      await s.page.getByRole('link', { name: 'Catalog search' }).click();
      await s.page.locator('main').getByLabel('Search the catalog').fill('churn');
      await s.page.getByRole('status').filter({ hasText: /match/ }).waitFor();
      const results = await s.page.locator('.org-results li').allInnerTexts();
      assert.ok(results.some((r) => /project\s+churn-poc/.test(r)), results.join('\n'));
      assert.ok(results.some((r) => /model\s+churn\b/.test(r)), results.join('\n'));
      await s.shot(`catalog-${dialect}`);
      await s.page.getByRole('link', { name: 'churn-poc' }).click();
      await s.page.getByRole('heading', { name: 'churn-poc', level: 1 }).waitFor();

      await s.page.getByRole('link', { name: 'Scorecards' }).click();
      await s.page.getByRole('heading', { name: 'Scorecards and maturity' }).waitFor();
      await s.page.getByRole('button', { name: 'Assess now' }).click();
      await s.page.getByRole('heading', { name: /^Maturity, assessed/ }).waitFor();
      await s.shot(`scorecards-${dialect}`);
      await s.page.getByRole('link', { name: 'churn', exact: true }).click();
      await s.page.getByRole('heading', { name: 'Scorecard: churn' }).waitFor();
      await s.page.getByRole('button', { name: 'Score now' }).click();
      await s.page.getByRole('heading', { name: /^ML Test Score/ }).waitFor();
      await s.shot(`scorecard-${dialect}`);

      await s.page.getByRole('link', { name: 'Audit log' }).click();
      await s.page.getByRole('status').filter({ hasText: 'chain intact' }).waitFor();
      await s.page.getByLabel('Resource').fill('project:churn-poc');
      await s.page.getByRole('button', { name: 'Filter' }).click();
      await s.page.waitForURL(/resource=project%3Achurn-poc/);
      // The filtered list replaces the full one: wait for the stage change, then nothing else may show.
      await s.page.waitForFunction(() => {
        const rows = [...document.querySelectorAll('table.org-audit tbody tr')];
        return rows.length > 0 && rows.every((r) => r.textContent?.includes('project:churn-poc'));
      });
      const text = (await s.page.locator('table.org-audit tbody tr').allInnerTexts()).join('\n');
      assert.match(text, /project\.stage_changed[\s\S]*project:churn-poc[\s\S]*project\.created/);
      assert.doesNotMatch(text, /fraud-idea|deployment:/);
      await s.page.getByRole('button', { name: 'Clear' }).click();
      await s.page.getByLabel('Action').fill('deployment.*');
      await s.page.getByRole('button', { name: 'Filter' }).click();
      // The traffic change made in the first test, shown as what changed.
      const updated = s.page.locator('table.org-audit tbody tr', { hasText: 'deployment:churn-live' }).filter({ hasText: 'deployment.updated' });
      await updated.waitFor();
      assert.match(await updated.innerText(), /config\.variants\[0\]\.weight: 50 → 80[\s\S]*config\.variants\[1\]\.weight: 50 → 20/);
      await s.shot(`audit-${dialect}`);
      await s.close();
    });

    test('a signed-in user who is not a platform admin sees the audit log as not available to them, not as an error', async () => {
      const s = await openSession(server);
      // No allow(): the page must not even ask for the audit log (a 403 would fail the session).
      await s.page.goto('/ui/login');
      await s.page.getByLabel('Username').fill('bob');
      await s.page.getByLabel('Password').fill('bob has a long password');
      await s.page.getByRole('button', { name: 'Log in' }).click();
      await s.page.locator('.sidebar .who', { hasText: 'bob' }).waitFor();
      assert.equal(await s.page.getByRole('link', { name: 'Audit log' }).count(), 0, 'the nav hides what a non-admin may not read');
      await s.page.goto('/ui/org/audit');
      await s.page.getByRole('heading', { name: 'Not available to you' }).waitFor();
      assert.equal(await s.page.getByRole('alert').count(), 0);
      // The rest of the organization stays readable.
      await s.page.getByRole('link', { name: 'Projects' }).click();
      await s.page.getByRole('link', { name: 'churn-poc' }).waitFor();
      await s.close();
    });
  });
}

describe('operate and organization pages on an empty platform', () => {
  let server: UiServer;
  before(async () => {
    server = await startUiServer('sqlite');
  });
  after(() => server?.close());

  test('every page says what to do first, without an error', async () => {
    const s = await openSession(server);
    const pages: [string, string | RegExp][] = [
      ['/ui/deployments', 'No deployments yet'],
      ['/ui/monitoring/monitors', 'No monitors yet'],
      ['/ui/monitoring/alerts', 'No alert rules'],
      ['/ui/monitoring/labeling', 'Nothing to label yet'],
      ['/ui/org/projects', 'No projects yet'],
      ['/ui/org/teams', 'No teams yet'],
      ['/ui/org/budgets', 'No budgets yet'],
      ['/ui/org/scorecards', 'Not assessed yet'],
      ['/ui/org/policies', 'No policies yet'],
      ['/ui/org/catalog', 'Search by name, description, owner team or tag'],
    ];
    for (const [url, heading] of pages) {
      await s.page.goto(url);
      await s.page.getByRole('heading', { name: heading }).waitFor();
    }
    await s.page.goto('/ui/org/audit');
    await s.page.getByText(/No entry matches yet/).waitFor();
    await s.page.getByRole('status').filter({ hasText: 'chain intact' }).waitFor();
    await s.page.goto('/ui/monitoring/labeling/nowhere');
    await s.page.getByTestId('queue-pending').waitFor();
    assert.equal(await s.page.getByTestId('queue-pending').innerText(), '0');
    await s.close();
  });
});
