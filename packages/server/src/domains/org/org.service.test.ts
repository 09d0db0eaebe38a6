import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createTestStore, DIALECTS } from '../../store/test-support/stores.js';
import type { Store } from '../../store/index.js';
import { rejectsWith } from '../../test-support/assertions.js';
import { orgMigrations } from './org.migrations.js';
import { OrgRepository } from './org.repository.js';
import { OrgService } from './org.service.js';
import { sha256Hex } from './secrets.js';
import type { Principal } from './org.types.js';

/** Cheap scrypt for tests; the default cost is exercised in passwords.test.ts. */
const FAST = { N: 1024, r: 8, p: 1 };

for (const dialect of DIALECTS) {
  describe(`OrgService on ${dialect}`, () => {
    let store: Store & { dispose(): Promise<void> };
    let org: OrgService;
    let now = 1_700_000_000_000;
    let admin: Principal;
    before(async () => {
      store = await createTestStore(dialect, [orgMigrations]);
      org = new OrgService({ repo: new OrgRepository(store.tables(), store.dialect), clock: { now: () => now }, scrypt: FAST, sessionTtlMs: 3_600_000 });
      const a = await org.bootstrapUser({ username: 'root', password: 'root-password', isAdmin: true });
      assert.equal(a.isAdmin, true);
      admin = (await org.principal((await org.checkPassword('root', 'root-password')).id))!;
    });
    after(async () => store.dispose());

    test('users: admin creates, validation names the field, duplicates refused, non-admins refused', async () => {
      const u = await org.createUser(admin, { username: 'ada', password: 'lovelace-1815', displayName: 'Ada Lovelace', email: 'ada@example.org', skills: ['statistician', 'research_scientist', 'statistician'] });
      assert.deepEqual(u, { username: 'ada', displayName: 'Ada Lovelace', email: 'ada@example.org', isAdmin: false, disabled: false, skills: ['research_scientist', 'statistician'], createdAt: now, updatedAt: now, teams: [] } as typeof u);
      const row = await store.db.selectFrom('users').select('password_hash').where('username', '=', 'ada').executeTakeFirstOrThrow();
      assert.match(row.password_hash, /^scrypt\$N=1024,r=8,p=1\$/);
      assert.ok(!row.password_hash.includes('lovelace'));
      await rejectsWith(org.createUser(admin, { username: 'ada', password: 'another-pass' }), 'ALREADY_EXISTS', /'ada' already exists/);
      await rejectsWith(org.createUser(admin, { username: 'Ada', password: 'another-pass' }), 'INVALID_INPUT', /Invalid username 'Ada'/);
      await rejectsWith(org.createUser(admin, { username: 'bob', password: 'short' }), 'INVALID_INPUT', /Invalid password: at least 8/);
      await rejectsWith(org.createUser(admin, { username: 'bob', password: 'long-enough', email: 'nope' }), 'INVALID_INPUT', /Invalid email 'nope'/);
      await rejectsWith(org.createUser(admin, { username: 'bob', password: 'long-enough', skills: ['wizard'] }), 'INVALID_INPUT', /Invalid skills\[0\] 'wizard'/);
      await rejectsWith(org.createUser(null, { username: 'bob', password: 'long-enough' }), 'UNAUTHENTICATED', /Log in to create users/);
      const ada = (await org.principal((await org.checkPassword('ada', 'lovelace-1815')).id))!;
      await rejectsWith(org.createUser(ada, { username: 'bob', password: 'long-enough' }), 'NOT_ALLOWED', /Only a platform admin may create users; 'ada'/);
      assert.equal((await store.db.selectFrom('users').select('id').where('username', '=', 'bob').execute()).length, 0, 'nothing half-written');
    });

    test('self-edit: profile and skills; isAdmin/disabled are admin-only; others are off limits', async () => {
      await org.createUser(admin, { username: 'carol', password: 'carol-pass-1' });
      const carol = (await org.principal((await org.checkPassword('carol', 'carol-pass-1')).id))!;
      now += 1000;
      const c = await org.updateUser(carol, 'carol', { displayName: 'Carol C.', skills: ['ml_engineer', 'devops'] });
      assert.equal(c.displayName, 'Carol C.');
      assert.deepEqual(c.skills, ['devops', 'ml_engineer']);
      assert.equal(c.updatedAt, now);
      await rejectsWith(org.updateUser(carol, 'carol', { isAdmin: true }), 'NOT_ALLOWED', /Only a platform admin may change isAdmin/);
      await rejectsWith(org.updateUser(carol, 'ada', { displayName: 'x' }), 'NOT_ALLOWED', /only their own profile/);
      await rejectsWith(org.updateUser(carol, 'carol', { displayName: 'x'.repeat(201) }), 'INVALID_INPUT', /Invalid displayName: at most 200/);
      await rejectsWith(org.updateUser(admin, 'root', { disabled: true }), 'INVALID_STATE', /cannot disable themselves/);
      await rejectsWith(org.updateUser(admin, 'nobody', { displayName: 'x' }), 'NOT_FOUND', /'nobody' not found/);
    });

    test('passwords: wrong password and unknown user look the same; change needs the old one', async () => {
      await org.createUser(admin, { username: 'dave', password: 'dave-pass-1' });
      await rejectsWith(org.checkPassword('dave', 'wrong-pass'), 'UNAUTHENTICATED', /^Wrong username or password\.$/);
      await rejectsWith(org.checkPassword('nobody', 'wrong-pass'), 'UNAUTHENTICATED', /^Wrong username or password\.$/);
      const dave = (await org.principal((await org.checkPassword('dave', 'dave-pass-1')).id))!;
      await rejectsWith(org.changePassword(dave, 'dave', { newPassword: 'dave-pass-2' }), 'INVALID_INPUT', /currentPassword: the current password is required/);
      await rejectsWith(org.changePassword(dave, 'dave', { currentPassword: 'nope-nope', newPassword: 'dave-pass-2' }), 'NOT_ALLOWED', /currentPassword: it does not match/);
      await rejectsWith(org.changePassword(dave, 'ada', { currentPassword: 'x', newPassword: 'dave-pass-2' }), 'NOT_ALLOWED', /only their own password/);
      const keep = await org.createSession(dave.userId);
      const other = await org.createSession(dave.userId);
      await org.changePassword(dave, 'dave', { currentPassword: 'dave-pass-1', newPassword: 'dave-pass-2' }, keep.token);
      await rejectsWith(org.checkPassword('dave', 'dave-pass-1'), 'UNAUTHENTICATED', /Wrong/);
      assert.equal((await org.checkPassword('dave', 'dave-pass-2')).username, 'dave');
      assert.equal(await org.resolveSession(keep.token), dave.userId, 'the session that changed it stays');
      assert.equal(await org.resolveSession(other.token), undefined, 'other sessions end');
      // An admin resets without the old password.
      await org.changePassword(admin, 'dave', { newPassword: 'dave-pass-3' });
      assert.equal((await org.checkPassword('dave', 'dave-pass-3')).username, 'dave');
    });

    test('a disabled user cannot log in, and loses sessions and principal; re-enabled works again', async () => {
      await org.createUser(admin, { username: 'erin', password: 'erin-pass-1' });
      const id = (await org.checkPassword('erin', 'erin-pass-1')).id;
      const s = await org.createSession(id);
      const t = await org.issueToken(id, { name: 'laptop' });
      await org.updateUser(admin, 'erin', { disabled: true });
      await rejectsWith(org.checkPassword('erin', 'erin-pass-1'), 'UNAUTHENTICATED', /'erin' is disabled/);
      assert.equal(await org.resolveSession(s.token), undefined);
      assert.deepEqual(await org.resolveToken(t.token), { userId: id }, 'the token itself is fine…');
      assert.equal(await org.principal(id), undefined, '…but a disabled account has no principal');
      assert.equal((await org.getUser('erin')).disabled, true);
      await org.updateUser(admin, 'erin', { disabled: false });
      assert.equal((await org.principal(id))?.username, 'erin');
    });

    test('API tokens: shown once, only a digest stored, listed without secrets, revoked and expired refused', async () => {
      const ada = (await org.principal((await org.checkPassword('ada', 'lovelace-1815')).id))!;
      const created = await org.createToken(ada, { name: 'ci', expiresInDays: 1 });
      assert.match(created.token, /^fw_[a-z0-9]{10}_[A-Za-z0-9_-]{43}$/);
      assert.equal(created.token.slice(3, 13), created.info.prefix);
      const row = await store.db.selectFrom('api_tokens').selectAll().where('id', '=', created.info.id).executeTakeFirstOrThrow();
      assert.equal(row.token_hash, sha256Hex(created.token));
      assert.ok(!JSON.stringify(row).includes(created.token.slice(14)), 'the secret is not stored');
      const listed = await org.listTokens(ada);
      assert.ok(!JSON.stringify(listed).includes(created.token.slice(14)), 'the secret is not listed');
      assert.deepEqual(listed.map((t) => t.name), ['ci']);
      assert.deepEqual(await org.resolveToken(created.token), { userId: ada.userId });
      assert.equal((await org.listTokens(ada))[0]!.lastUsedAt, now);
      // A wrong secret with a real prefix, a malformed token.
      const forged = created.token.slice(0, 14) + 'A'.repeat(43);
      assert.deepEqual(await org.resolveToken(forged), { refused: 'The API token is not valid.' });
      assert.match((await org.resolveToken('abc') as { refused: string }).refused, /not a Flywheel API token/);
      // Someone else's token is "not found"; the owner revokes it.
      const carol = (await org.principal((await org.checkPassword('carol', 'carol-pass-1')).id))!;
      await rejectsWith(org.revokeToken(carol, created.info.id), 'NOT_FOUND', /not found/);
      await rejectsWith(org.listTokens(carol, 'ada'), 'NOT_ALLOWED', /only their own tokens/);
      const revoked = await org.revokeToken(ada, created.info.id);
      assert.equal(revoked.revokedAt, now);
      assert.match((await org.resolveToken(created.token) as { refused: string }).refused, /'ci' .* was revoked/);
      // Expiry with the clock.
      const short = await org.createToken(ada, { name: 'short', expiresInDays: 1 });
      now += 86_400_000;
      assert.match((await org.resolveToken(short.token) as { refused: string }).refused, /'short' .* has expired/);
      await rejectsWith(org.createToken(ada, { name: '  ' }), 'INVALID_INPUT', /Invalid name: a token needs a name/);
      await rejectsWith(org.createToken(ada, { name: 'x', expiresInDays: 0 }), 'INVALID_INPUT', /Invalid expiresInDays/);
      await rejectsWith(org.createToken(null, { name: 'x' }), 'UNAUTHENTICATED', /Log in/);
      assert.equal((await org.listTokens(admin, 'ada')).length, 2, 'an admin lists anyone\'s');
    });

    test('sessions expire with the clock; expired rows are dropped', async () => {
      const id = (await org.checkPassword('ada', 'lovelace-1815')).id;
      const s = await org.createSession(id);
      assert.equal(s.expiresAt, now + 3_600_000);
      const stored = await store.db.selectFrom('sessions').selectAll().where('token_hash', '=', sha256Hex(s.token)).executeTakeFirst();
      assert.ok(stored, 'stored by digest');
      now += 3_599_999;
      assert.equal(await org.resolveSession(s.token), id);
      const s2 = await org.createSession(id);
      now += 1;
      assert.equal(await org.resolveSession(s.token), undefined, 'expired at expiresAt');
      assert.equal(await store.db.selectFrom('sessions').selectAll().where('token_hash', '=', sha256Hex(s.token)).executeTakeFirst(), undefined);
      await org.endSession(s2.token);
      assert.equal(await org.resolveSession(s2.token), undefined, 'logged out');
      assert.equal(await org.resolveSession('garbage'), undefined);
      const s3 = await org.createSession(id);
      now += 3_600_000;
      assert.ok((await org.purgeExpiredSessions()) >= 1);
      assert.equal(await org.resolveSession(s3.token), undefined);
    });

    test('password guessing is limited per username and address, for the window', async () => {
      const guarded = new OrgService({ repo: new OrgRepository(store.tables(), store.dialect), clock: { now: () => now }, scrypt: FAST, throttle: { maxFailures: 3, windowMs: 600_000 } });
      for (let i = 0; i < 3; i++) await rejectsWith(guarded.checkPassword('carol', 'guess-' + i, '10.0.0.9'), 'UNAUTHENTICATED', /Wrong/);
      await rejectsWith(guarded.checkPassword('carol', 'carol-pass-1', '10.0.0.9'), 'TOO_MANY_REQUESTS', /Too many failed logins for 'carol' from 10\.0\.0\.9; try again in 10 minutes/);
      assert.equal((await guarded.checkPassword('carol', 'carol-pass-1', '10.0.0.7')).username, 'carol', 'another address is not locked out');
      now += 600_000;
      assert.equal((await guarded.checkPassword('carol', 'carol-pass-1', '10.0.0.9')).username, 'carol', 'the window ends');
      // Success resets the count.
      for (let i = 0; i < 2; i++) await rejectsWith(guarded.checkPassword('carol', 'guess', 'x'), 'UNAUTHENTICATED', /Wrong/);
      await guarded.checkPassword('carol', 'carol-pass-1', 'x');
      for (let i = 0; i < 2; i++) await rejectsWith(guarded.checkPassword('carol', 'guess', 'x'), 'UNAUTHENTICATED', /Wrong/);
      assert.equal((await guarded.checkPassword('carol', 'carol-pass-1', 'x')).username, 'carol');
    });

    test('raised scrypt parameters rehash at the next login', async () => {
      const stronger = new OrgService({ repo: new OrgRepository(store.tables(), store.dialect), clock: { now: () => now }, scrypt: { N: 2048, r: 8, p: 1 } });
      await stronger.checkPassword('ada', 'lovelace-1815');
      const row = await store.db.selectFrom('users').select('password_hash').where('username', '=', 'ada').executeTakeFirstOrThrow();
      assert.match(row.password_hash, /^scrypt\$N=2048,r=8,p=1\$/);
      assert.equal((await org.checkPassword('ada', 'lovelace-1815')).username, 'ada', 'the old service still verifies it');
    });
  });
}
