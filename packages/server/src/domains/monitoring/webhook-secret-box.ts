import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';
import { link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { DomainError } from '@flywheel/contract';

const PREFIX = 'enc:v1:';
/** Shortest server key accepted: 32 characters (e.g. `openssl rand -hex 32` gives 64). */
export const MIN_SERVER_KEY_LENGTH = 32;

/**
 * Encrypts webhook signing secrets at rest with AES-256-GCM under a key derived (HKDF-SHA256) from
 * the server key. Stored form: `enc:v1:<key id>:<iv>:<ciphertext>:<tag>` (base64url). The row's
 * webhook id is authenticated with it, so a secret copied onto another row does not decrypt. The
 * key id (8 hex digits of a hash of the derived key) names the key a secret needs, so a server
 * started with another key says so instead of signing with garbage.
 *
 * @example
 *   const box = new SecretBox(config.auth.secretKey ?? await loadOrCreateKeyFile(join(dataDir, 'secret.key')));
 *   const stored = box.seal('whsec_…', webhookId); box.open(stored, webhookId) === 'whsec_…'
 */
export class SecretBox {
  private readonly key: Buffer;
  readonly keyId: string;

  constructor(serverKey: string) {
    if (serverKey.length < MIN_SERVER_KEY_LENGTH) throw new Error(`the server key must be at least ${MIN_SERVER_KEY_LENGTH} characters`);
    this.key = Buffer.from(hkdfSync('sha256', serverKey, 'flywheel', 'webhook secrets v1', 32));
    this.keyId = createHash('sha256').update(this.key).digest('hex').slice(0, 8);
  }

  /** True when `stored` is in the encrypted form (rows written before encryption are clear). */
  static isSealed(stored: string): boolean {
    return stored.startsWith(PREFIX);
  }

  seal(secret: string, boundTo: string): string {
    const iv = randomBytes(12);
    const c = createCipheriv('aes-256-gcm', this.key, iv);
    c.setAAD(Buffer.from(boundTo));
    const body = Buffer.concat([c.update(secret, 'utf8'), c.final()]);
    return `${PREFIX}${this.keyId}:${iv.toString('base64url')}:${body.toString('base64url')}:${c.getAuthTag().toString('base64url')}`;
  }

  /** The clear secret; a clear (legacy) value is returned as it is. */
  open(stored: string, boundTo: string): string {
    if (!SecretBox.isSealed(stored)) return stored;
    const [kid, iv, body, tag] = stored.slice(PREFIX.length).split(':');
    if (!kid || iv === undefined || body === undefined || !tag) throw new DomainError('INTERNAL', 'A stored webhook secret is malformed.');
    if (kid !== this.keyId) {
      throw new DomainError('UNAVAILABLE', `The webhook secret was encrypted with another server key (id ${kid}; this server's is ${this.keyId}): start the server with the key used before (FLYWHEEL_SECRET_KEY, or the same <data-dir>/secret.key).`);
    }
    try {
      const d = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
      d.setAAD(Buffer.from(boundTo));
      d.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([d.update(Buffer.from(body, 'base64url')), d.final()]).toString('utf8');
    } catch {
      throw new DomainError('INTERNAL', 'A stored webhook secret does not decrypt: it was changed or copied from another webhook.');
    }
  }
}

/**
 * The server key kept in `path` (created with 32 random bytes, mode 0600, when missing). Several
 * processes starting at once agree on one key: the file appears whole or not at all (link(2) of
 * a finished temporary file fails when another process won).
 */
export async function loadOrCreateKeyFile(path: string): Promise<string> {
  try {
    return (await readFile(path, 'utf8')).trim();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
  try {
    await link(tmp, path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  } finally {
    await unlink(tmp).catch(() => undefined);
  }
  return (await readFile(path, 'utf8')).trim();
}
