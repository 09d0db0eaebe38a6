import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough, Readable } from 'node:stream';
import { CliError } from './client.js';
import { readPassword } from './password-prompt.js';

/** A fake terminal: raw mode is recorded, keystrokes are written by the test, prompts are captured. */
function tty(keys: string[]) {
  const stdin = Object.assign(new PassThrough(), { isTTY: true, raw: [] as boolean[], setRawMode(r: boolean) { this.raw.push(r); } });
  let shown = '';
  const stderr = new PassThrough();
  stderr.on('data', (c: Buffer) => (shown += c.toString()));
  // Each answer arrives after its prompt, as typed keys.
  let i = 0;
  stderr.on('data', (c: Buffer) => {
    if (/: $/.test(c.toString()) && i < keys.length) setImmediate(() => stdin.write(keys[i++]!));
  });
  return { io: { stdin, stderr }, shown: () => shown, raw: stdin.raw };
}

test('on a terminal: prompted without echo (raw mode), typed twice, backspace edits', async () => {
  const t = tty(['s3cret-x\u007fX\r', 's3cret-X\r']);
  assert.equal(await readPassword(t.io, { confirm: true, prompt: 'Password: ' }), 's3cret-X');
  assert.equal(t.shown(), 'Password: \nRepeat password: \n', 'nothing typed is echoed');
  assert.deepEqual(t.raw, [true, false, true, false]);
});

test('on a terminal: a mismatch, an empty answer and Ctrl-C are refused', async () => {
  await assert.rejects(readPassword(tty(['one-pass\r', 'two-pass\r']).io, { confirm: true }), (e: unknown) => e instanceof CliError && /do not match/.test(e.message));
  await assert.rejects(readPassword(tty(['\r']).io, {}), /empty password is refused/);
  await assert.rejects(readPassword(tty(['ab\u0003']).io, {}), /Cancelled/);
});

test('from stdin: one trailing newline dropped, inner spaces kept, empty refused', async () => {
  const io = (text: string) => ({ stdin: Object.assign(Readable.from([Buffer.from(text)]), { isTTY: false }), stderr: new PassThrough() });
  assert.equal(await readPassword(io(' pass word \r\n'), {}), ' pass word ');
  assert.equal(await readPassword(io('pw\n\n'), { fromStdin: true }), 'pw\n');
  await assert.rejects(readPassword(io('\n'), {}), /No password on stdin/);
});
