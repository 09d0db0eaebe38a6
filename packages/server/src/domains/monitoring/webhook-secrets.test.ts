import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createTestPlatform, DIALECTS } from '../../test-support/platform.js';
import { systemClock } from '../../lib/clock.js';
import { AlertsRepository } from './alerts.repository.js';
import { WebhookNotifier } from './webhook-notifier.js';
import { WebhooksService } from './webhooks.service.js';
import { SecretBox, loadOrCreateKeyFile } from './webhook-secret-box.js';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifyWebhook } from './webhook-signature.js';

describe('SecretBox and the key file', () => {
  test('seals, opens, binds to the row, names the key it needs', async () => {
    const box = new SecretBox('k'.repeat(40));
    const sealed = box.seal('whsec_abc', 'wh_1');
    assert.match(sealed, new RegExp(`^enc:v1:${box.keyId}:`));
    assert.ok(!sealed.includes('whsec_abc'));
    assert.notEqual(box.seal('whsec_abc', 'wh_1'), sealed, 'a fresh IV each time');
    assert.equal(box.open(sealed, 'wh_1'), 'whsec_abc');
    assert.equal(box.open('legacy-clear-secret', 'wh_1'), 'legacy-clear-secret');
    assert.throws(() => box.open(sealed, 'wh_2'), /changed or copied from another webhook/);
    const tampered = sealed.slice(0, -3) + (sealed.endsWith('A') ? 'BBB' : 'AAA');
    assert.throws(() => box.open(tampered, 'wh_1'), /does not decrypt/);
    assert.throws(() => new SecretBox('l'.repeat(40)).open(sealed, 'wh_1'), new RegExp(`another server key \\(id ${box.keyId}`));
    assert.throws(() => new SecretBox('short'), /at least 32 characters/);
  });

  test('the key file is created once, private, and shared by processes starting together', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fw-key-'));
    try {
      const path = join(dir, 'nested', 'secret.key');
      const keys = await Promise.all(Array.from({ length: 8 }, () => loadOrCreateKeyFile(path)));
      assert.equal(new Set(keys).size, 1);
      assert.match(keys[0]!, /^[0-9a-f]{64}$/);
      assert.equal(statSync(path).mode & 0o777, 0o600);
      assert.equal(await loadOrCreateKeyFile(path), keys[0]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

for (const dialect of DIALECTS) {
  describe(`webhook secrets at rest on ${dialect}`, () => {
    let fw: Awaited<ReturnType<typeof createTestPlatform>>;
    let receiver: Server;
    let receiverUrl: string;
    const received: { headers: IncomingHttpHeaders; body: string }[] = [];
    before(async () => {
      receiver = createServer((req, res) => {
        let body = '';
        req.on('data', (c: Buffer) => (body += c.toString('utf8')));
        req.on('end', () => {
          received.push({ headers: req.headers, body });
          res.writeHead(204).end();
        });
      });
      await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
      receiverUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hook`;
      fw = await createTestPlatform(dialect);
    });
    after(async () => {
      await fw.dispose();
      await new Promise((r) => receiver.close(r));
    });
    const raw = async (id: string) => (await fw.store.db.selectFrom('webhooks').select('secret').where('id', '=', id).executeTakeFirstOrThrow()).secret as string;
    // The platform's key: no FLYWHEEL_SECRET_KEY in tests, so the key file in its data directory.
    const platformBox = async () => new SecretBox(await loadOrCreateKeyFile(join(dirname((fw.artifacts as unknown as { root: string }).root), 'secret.key')));
    let rules = 0;
    const fire = async (webhookId: string, box: SecretBox) => {
      const rule = await fw.services.alerts.create({ name: `r${++rules}`, deployment: 'd', metric: 'psi', condition: { op: '>', threshold: 1 }, window: { points: 1 }, notify: [webhookId] });
      const r = await fw.app.inject({ method: 'POST', url: `/api/v1/alerts/${rule.id}/test` });
      assert.equal(r.statusCode, 200, r.body);
      const before = received.length;
      await new WebhookNotifier({ repo: new AlertsRepository(fw.store.tables(), fw.store.dialect), clock: systemClock, secrets: box }).runOnce();
      return received.slice(before);
    };

    test('a secret is stored encrypted, never shown again, and deliveries are signed with the clear secret', async () => {
      const secret = 'a-secret-of-sixteen-chars';
      const r = await fw.app.inject({ method: 'POST', url: '/api/v1/webhooks', payload: { name: 'ops', url: receiverUrl, secret } });
      assert.equal(r.statusCode, 201, r.body);
      const hook = r.json();
      assert.equal(hook.secret, secret, 'shown once, in the answer that creates it');
      const stored = await raw(hook.id);
      assert.ok(SecretBox.isSealed(stored), stored);
      assert.ok(!stored.includes(secret));
      assert.ok(!(await fw.app.inject({ method: 'GET', url: '/api/v1/webhooks' })).body.includes(secret));

      const [got] = await fire(hook.id, await platformBox());
      assert.ok(got, 'delivered');
      assert.ok(verifyWebhook(secret, got.headers[SIGNATURE_HEADER] as string, got.headers[TIMESTAMP_HEADER] as string, got.body, Math.floor(Date.now() / 1000)));

      const patched = await fw.app.inject({ method: 'PATCH', url: `/api/v1/webhooks/${hook.id}`, payload: { secret: 'another-secret-of-16+' } });
      assert.equal(patched.statusCode, 200, patched.body);
      assert.ok(SecretBox.isSealed(await raw(hook.id)));
      const [again] = await fire(hook.id, await platformBox());
      assert.ok(verifyWebhook('another-secret-of-16+', again!.headers[SIGNATURE_HEADER] as string, again!.headers[TIMESTAMP_HEADER] as string, again!.body, Math.floor(Date.now() / 1000)));
    });

    test('secrets stored in clear before are encrypted once; a server with another key refuses to sign', async () => {
      const repo = new AlertsRepository(fw.store.tables(), fw.store.dialect);
      const now = Date.now();
      await repo.insertWebhook({ id: 'wh_legacy', name: 'legacy', url: receiverUrl, secret: 'legacy-secret-in-clear', enabled: 1, created_at: now, updated_at: now });
      const service = new WebhooksService({ repo, clock: systemClock, secrets: await platformBox() });
      assert.equal(await service.encryptStoredSecrets(), 1);
      assert.equal(await service.encryptStoredSecrets(), 0);
      assert.ok(SecretBox.isSealed(await raw('wh_legacy')));
      const [got] = await fire('wh_legacy', await platformBox());
      assert.ok(verifyWebhook('legacy-secret-in-clear', got!.headers[SIGNATURE_HEADER] as string, got!.headers[TIMESTAMP_HEADER] as string, got!.body, Math.floor(Date.now() / 1000)));

      const wrong = await fire('wh_legacy', new SecretBox('not-the-key-this-server-was-started-with'));
      assert.deepEqual(wrong, [], 'nothing is sent unsigned or signed with garbage');
      const deliveries = await fw.app.inject({ method: 'GET', url: '/api/v1/webhooks/wh_legacy/deliveries' });
      const last = (deliveries.json().deliveries as { lastError: string | null }[])[0];
      assert.match(String(last?.lastError), /another server key/);
    });
  });
}
