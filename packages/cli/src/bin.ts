import { CommanderError } from 'commander';
import { CliError, EXIT } from './client.js';
import { buildProgram } from './program.js';

try {
  await buildProgram().parseAsync(process.argv);
} catch (e) {
  if (e instanceof CommanderError) {
    // Commander has printed the message (or the help / version) already.
    process.exit(e.exitCode === 0 ? EXIT.ok : EXIT.usage);
  }
  if (e instanceof CliError) {
    process.stderr.write(`flywheel: ${e.message}\n`);
    process.exit(e.exitCode);
  }
  process.stderr.write(`flywheel: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(EXIT.failed);
}
