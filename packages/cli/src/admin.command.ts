import { InvalidArgumentError, type Command } from 'commander';
import { ConfigError, loadConfig, type Config } from '@flywheel/server/config';
import { CliError, EXIT } from './client.js';
import { output } from './output.js';
import { processIo, readPassword, type PasswordIo } from './password-prompt.js';

/** What `admin create` needs from the server: create a platform admin in the configured store. */
export type CreateAdmin = (config: Config, input: { username: string; password: string; displayName?: string }) => Promise<{ username: string; isAdmin: boolean; migrated: string[] }>;

/** The server's createFirstAdmin with the platform's migrations (the platform is loaded only for this command). */
const serverCreateAdmin: CreateAdmin = async (config, input) => {
  const { createFirstAdmin, MIGRATIONS } = await import('@flywheel/server');
  return createFirstAdmin(config, MIGRATIONS, input);
};

const USERNAME_RE = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const username = (v: string) => {
  if (!USERNAME_RE.test(v)) throw new InvalidArgumentError('1–64 lowercase letters, digits, ".", "_" or "-", starting with a letter or digit.');
  return v;
};

/** `flywheel admin …`: administration straight on the store, for what the API cannot do yet (the first admin). */
export function adminCommand(program: Command, deps: { createAdmin?: CreateAdmin; io?: () => PasswordIo } = {}): void {
  const admin = program.command('admin').description('Administer the platform directly on its store (run on the server machine).');
  admin
    .command('create')
    .description('Create a platform admin in the store the server uses (the first admin: there is no default password).')
    .requiredOption('--username <name>', 'the new admin\'s username', username)
    .option('--display-name <name>', 'display name (default: the username)')
    .option('--password-stdin', 'read the password from stdin instead of prompting')
    .option('--data-dir <dir>', 'data directory, as for `flywheel server` (default ~/.flywheel)')
    .option('--database-url <url>', 'sqlite: (default) or postgres://…, as for `flywheel server`')
    .option('--json', 'print JSON')
    .addHelpText('after', `
The store is found like \`flywheel server\` finds it: the flags, then FLYWHEEL_HOME / FLYWHEEL_DATABASE_URL.
On a terminal the password is prompted twice without echo; otherwise it is read from stdin.

Examples:
  $ flywheel admin create --username ada
  $ printf %s "$ADMIN_PASSWORD" | flywheel admin create --username ada --password-stdin --database-url postgres://…`)
    .action(async (opts: { username: string; displayName?: string; passwordStdin?: boolean; dataDir?: string; databaseUrl?: string; json?: boolean }) => {
      let config: Config;
      try {
        config = loadConfig({ dataDir: opts.dataDir, databaseUrl: opts.databaseUrl }, process.env);
      } catch (e) {
        if (e instanceof ConfigError) throw new CliError(e.message, EXIT.usage);
        throw e;
      }
      const password = await readPassword((deps.io ?? processIo)(), { fromStdin: opts.passwordStdin, confirm: true, prompt: `Password for '${opts.username}': ` });
      let created;
      try {
        created = await (deps.createAdmin ?? serverCreateAdmin)(config, { username: opts.username, password, ...(opts.displayName ? { displayName: opts.displayName } : {}) });
      } catch (e) {
        if (e instanceof CliError) throw e;
        const code = (e as { code?: string }).code;
        throw new CliError(`${e instanceof Error ? e.message : String(e)}${code ? ` (${code})` : ''}`, EXIT.failed);
      }
      output(opts.json, { username: created.username, isAdmin: created.isAdmin, migrated: created.migrated }, () =>
        `created platform admin '${created.username}'. Log in with: flywheel login --url http://<server>:${config.server.port} --username ${created.username}`);
    });
}
