import { hostname } from 'node:os';
import type { Command } from 'commander';
import { ApiClient, CliError, EXIT } from './client.js';
import { output } from './output.js';
import { processIo, readPassword, type PasswordIo } from './password-prompt.js';

import { normaliseUrl, profilePath, readProfile, writeProfile } from './profile.js';

export { profilePath, readProfile, tokenFor, writeProfile } from './profile.js';
export type { Profile, ServerProfile } from './profile.js';

interface LoginResponse {
  user: { username: string; displayName: string; isAdmin: boolean };
  token: { token: string; id: number; name: string; expiresAt: number | null };
}

/** `flywheel login`: exchanges a username and password for an API token, saved in the profile. */
export function loginCommand(program: Command, deps: { io?: () => PasswordIo; profilePath?: () => string } = {}): void {
  program
    .command('login')
    .description('Log in to a Flywheel server: creates an API token and saves it in ~/.config/flywheel/profile.json (mode 0600).')
    .requiredOption('--username <name>', 'your username')
    .option('--url <url>', 'server URL (default FLYWHEEL_URL or http://127.0.0.1:5000)')
    .option('--password-stdin', 'read the password from stdin instead of prompting')
    .option('--token-name <name>', 'name of the token, shown in `GET /api/v1/tokens` (default cli@<hostname>)')
    .option('--expires-in-days <n>', 'the token expires after n days (default: never; revoke it with DELETE /api/v1/tokens/<id>)')
    .option('--json', 'print JSON (without the token)')
    .addHelpText('after', `
The password is sent once, to create the token; only the token is saved. The profile holds one token
per server URL; the file is created with mode 0600 in a 0700 folder ($XDG_CONFIG_HOME/flywheel when set).

Examples:
  $ flywheel login --url https://flywheel.example.org --username ada
  $ printf %s "$PASSWORD" | flywheel login --url http://10.0.0.5:5000 --username ci --password-stdin --token-name ci-runner`)
    .action(async (opts: { username: string; url?: string; passwordStdin?: boolean; tokenName?: string; expiresInDays?: string; json?: boolean }) => {
      let expiresInDays: number | undefined;
      if (opts.expiresInDays !== undefined) {
        expiresInDays = Number(opts.expiresInDays);
        if (!Number.isInteger(expiresInDays) || expiresInDays < 1) throw new CliError(`--expires-in-days must be a whole number of days ≥ 1 (got "${opts.expiresInDays}").`, EXIT.usage);
      }
      const client = new ApiClient(opts.url);
      const password = await readPassword((deps.io ?? processIo)(), { fromStdin: opts.passwordStdin, prompt: `Password for '${opts.username}' at ${client.baseUrl}: ` });
      const tokenName = opts.tokenName ?? `cli@${hostname()}`.slice(0, 100);
      const res = await client.request<LoginResponse>('POST', '/api/v1/auth/login', {
        json: { username: opts.username, password, issue: 'token', tokenName, ...(expiresInDays ? { expiresInDays } : {}) },
      });
      const path = (deps.profilePath ?? profilePath)();
      const profile = await readProfile(path);
      const url = normaliseUrl(client.baseUrl);
      profile.servers[url] = { username: res.user.username, token: res.token.token, tokenId: res.token.id, tokenName: res.token.name, savedAt: new Date().toISOString() };
      profile.current = url;
      await writeProfile(profile, path);
      output(opts.json, { url, username: res.user.username, tokenId: res.token.id, tokenName: res.token.name, profile: path }, () =>
        `logged in to ${url} as '${res.user.username}'${res.user.isAdmin ? ' (platform admin)' : ''}; token '${res.token.name}' saved in ${path}`);
    });
}
