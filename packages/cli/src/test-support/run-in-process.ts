import { Command } from 'commander';

const isTestRunnerFrame = (b: Uint8Array): boolean => b.length > 6 && b[5] === 0xff && b[6]! >= 0x0d && b[6]! <= 0x20;

/**
 * Runs `flywheel <args>` in this process with the commands `register` adds; returns what it
 * printed and the exit code it set (commands set process.exitCode rather than exit).
 */
export async function runInProcess(register: (program: Command) => void, args: string[]): Promise<{ out: string; code: number }> {
  const program = new Command('flywheel').exitOverride();
  register(program);
  let out = '';
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    // node:test's child reports through stdout too, as frames of a 1-byte marker, a 4-byte size and
    // v8-serialized data (0xFF, version): those go through to the runner; the command's output is captured.
    if (typeof chunk !== 'string' && isTestRunnerFrame(chunk)) return (write as (c: Uint8Array, ...r: unknown[]) => boolean)(chunk, ...rest);
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
