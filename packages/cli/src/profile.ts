import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { CliError, EXIT } from './client.js';

/** One server's credentials in the profile. */
export interface ServerProfile {
  username: string;
  /** An API token (fw_…): the file is mode 0600 because of it. */
  token: string;
  tokenId: number;
  tokenName: string;
  savedAt: string;
}

/**
 * ~/.config/flywheel/profile.json: API tokens per server URL, and the server `flywheel login`
 * last logged in to. Other commands send the token of the URL they talk to.
 */
export interface Profile {
  current?: string;
  servers: Record<string, ServerProfile>;
}

/** Where the profile lives: `$XDG_CONFIG_HOME/flywheel/profile.json`, else `~/.config/flywheel/profile.json`. */
export function profilePath(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'flywheel', 'profile.json');
}

export async function readProfile(path = profilePath()): Promise<Profile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { servers: {} };
    throw e;
  }
  try {
    const p = JSON.parse(text) as Profile;
    return { ...(p.current ? { current: p.current } : {}), servers: p.servers && typeof p.servers === 'object' ? p.servers : {} };
  } catch {
    throw new CliError(`The profile ${path} is not valid JSON; delete it and run 'flywheel login' again.`, EXIT.failed);
  }
}

/** The saved token for `url` (normalised like the API client does), if any. */
export async function tokenFor(url: string, path = profilePath()): Promise<string | undefined> {
  return (await readProfile(path)).servers[normaliseUrl(url)]?.token;
}

export const normaliseUrl = (url: string) => url.replace(/\/+$/, '');

/** Writes the profile readable by its owner only: a temp file created 0600, then renamed over. */
export async function writeProfile(profile: Profile, path = profilePath()): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(profile, null, 2)}\n`, { mode: 0o600 });
  // The mode of writeFile applies only when it creates the file; a leftover temp keeps its own.
  await chmod(tmp, 0o600);
  await rename(tmp, path);
}
