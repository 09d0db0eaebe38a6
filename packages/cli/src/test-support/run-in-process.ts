import { Command } from 'commander';

/**
 * Runs `flywheel <args>` in this process with the commands `register` adds; returns what it
 * printed and the exit code it set (commands set process.exitCode rather than exit).
 */
export async function runInProcess(register: (program: Command) => void, args: string[]): Promise<{ out: string; code: number }> {
  const program = new Command('flywheel').exitOverride();
  register(program);
  let out = '';
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    out += typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    return true;
  }) as typeof process.stdout.write;
  try {
    await program.parseAsync(args, { from: 'user' });
  } finally {
    process.stdout.write = write;
  }
  const code = Number(process.exitCode ?? 0);
  process.exitCode = 0;
  return { out, code };
}
