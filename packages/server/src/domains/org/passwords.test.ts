import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_SCRYPT, hashPassword, needsRehash, parseHash, verifyPassword } from './passwords.js';
import { apiTokenPrefix, digestEquals, newApiToken, sha256Hex } from './secrets.js';

test('the default cost: N=2^14 stored with the hash; right and wrong passwords; salted', async () => {
  const a = await hashPassword('correct horse battery');
  const b = await hashPassword('correct horse battery');
  assert.match(a, /^scrypt\$N=16384,r=8,p=1\$[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}$/);
  assert.notEqual(a, b, 'a fresh salt each time');
  assert.equal(await verifyPassword('correct horse battery', a), true);
  assert.equal(await verifyPassword('correct horse batterY', a), false);
  assert.equal(await verifyPassword('', a), false);
  assert.equal(needsRehash(a), false);
  assert.equal(needsRehash(a, { ...DEFAULT_SCRYPT, N: 2 ** 15 }), true);
});

test('unicode passwords are normalised (NFC); tampered or foreign hashes never verify', async () => {
  const h = await hashPassword('caf\u00e9-caf\u00e9', { N: 1024, r: 8, p: 1 });
  assert.equal(await verifyPassword('cafe\u0301-cafe\u0301', h), true);
  assert.equal(await verifyPassword('x', 'plaintext'), false);
  assert.equal(parseHash('scrypt$N=1073741824,r=8,p=1$AAAA$AAAA'), undefined, 'absurd cost refused');
  assert.equal(parseHash('scrypt$N=1000,r=8,p=1$AAAA$AAAA'), undefined, 'N must be a power of two');
  assert.equal(await verifyPassword('x', h.replace(/\$[^$]+$/, '$AAAA')), false, 'short key');
});

test('API tokens: fw_<prefix>_<secret>, prefix recoverable, digest compare', () => {
  const t = newApiToken();
  assert.equal(apiTokenPrefix(t.token), t.prefix);
  assert.equal(t.hash, sha256Hex(t.token));
  assert.equal(apiTokenPrefix('fw_short_x'), undefined);
  assert.equal(digestEquals(t.hash, sha256Hex(t.token)), true);
  assert.equal(digestEquals(t.hash, sha256Hex('other')), false);
  assert.equal(digestEquals('', ''), false);
  assert.notEqual(newApiToken().token, t.token);
});
