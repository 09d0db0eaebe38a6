import { CliError, EXIT } from './client.js';

/** Where a command reads a password from; process.stdin/stderr by default, a stream in tests. */
export interface PasswordIo {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown };
  stderr: NodeJS.WritableStream;
}

export const processIo = (): PasswordIo => ({ stdin: process.stdin, stderr: process.stderr });

/** Reads all of stdin and drops one trailing newline (`echo pw | flywheel …`). */
async function readAll(stdin: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stdin) chunks.push(Buffer.isBuffer(c) ? c : Buffer.from(String(c)));
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/** Prompts on the terminal without echoing what is typed. */
function promptHidden(question: string, io: PasswordIo): Promise<string> {
  const { stdin, stderr } = io;
  return new Promise((resolve, reject) => {
    stderr.write(question);
    let value = '';
    const done = (err?: Error) => {
      stdin.removeListener('data', onData);
      stdin.setRawMode?.(false);
      stdin.pause();
      stderr.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: Buffer | string) => {
      for (const ch of String(chunk)) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return done();
        if (ch === '\u0003') return done(new CliError('Cancelled.', EXIT.failed));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else value += ch;
      }
    };
    stdin.setRawMode?.(true);
    stdin.setEncoding?.('utf8');
    stdin.on('data', onData);
    stdin.resume();
  });
}

/**
 * A password from a terminal prompt (no echo; typed twice when `confirm`) or, when stdin is not a
 * terminal or `fromStdin` is set, from stdin. An empty password is refused: there are no defaults.
 */
export async function readPassword(io: PasswordIo, opts: { fromStdin?: boolean | undefined; confirm?: boolean; prompt?: string }): Promise<string> {
  let password: string;
  if (opts.fromStdin || !io.stdin.isTTY) {
    password = await readAll(io.stdin);
    if (password === '') throw new CliError('No password on stdin: an empty password is refused (pipe one in, or run on a terminal to be prompted).', EXIT.usage);
  } else {
    password = await promptHidden(opts.prompt ?? 'Password: ', io);
    if (password === '') throw new CliError('An empty password is refused.', EXIT.usage);
    if (opts.confirm && (await promptHidden('Repeat password: ', io)) !== password) throw new CliError('The passwords do not match.', EXIT.usage);
  }
  return password;
}
