import { InvalidArgumentError, Option, type Command } from 'commander';
import { ApiClient } from './client.js';
import { URL_OPTION, when } from './experiments.command.js';
import { output } from './output.js';
import { processIo, readPassword, type PasswordIo } from './password-prompt.js';
import { table } from './table.js';

interface TeamNode {
  name: string;
  parent: string | null;
  description: string;
  createdAt: number;
  updatedAt: number;
  children: TeamNode[];
}
interface Team {
  name: string;
  parent: string | null;
  description: string;
  createdAt: number;
  updatedAt: number;
  members: { username: string; displayName: string; role: string }[];
  children: string[];
}
interface User {
  username: string;
  displayName: string;
  email: string | null;
  isAdmin: boolean;
  disabled: boolean;
  skills: string[];
  createdAt: number;
  updatedAt: number;
  teams?: { team: string; role: string }[];
}

type Common = { url?: string; json?: boolean };
/** The roles of org/org.types.ts TEAM_ROLES, checked here so that a typo is a usage error. */
const ROLES = ['admin', 'maintainer', 'member', 'viewer'];
const teamPath = (name: string, rest = '') => `/api/v1/teams/${encodeURIComponent(name)}${rest}`;
const userPath = (username: string) => `/api/v1/users/${encodeURIComponent(username)}`;

/** The tree as rows, sub-teams indented under their parent. */
function treeRows(nodes: TeamNode[], depth = 0): string[][] {
  return nodes.flatMap((n) => [[`${'  '.repeat(depth)}${n.name}`, n.description.split('\n')[0]!.slice(0, 70)], ...treeRows(n.children, depth + 1)]);
}

function renderTeam(t: Team): string {
  const lines = [
    t.name,
    ...(t.description ? [`  ${t.description}`] : []),
    `  parent:     ${t.parent ?? '(top level)'}`,
    `  sub-teams:  ${t.children.join(', ') || '(none)'}`,
    `  created:    ${when(t.createdAt)}`,
    '',
    t.members.length ? table(['USERNAME', 'NAME', 'ROLE'], t.members.map((m) => [m.username, m.displayName, m.role])) : 'No members.',
  ];
  return lines.join('\n');
}

function renderUser(u: User): string {
  return [
    `${u.username}  (${u.displayName})${u.isAdmin ? '  PLATFORM ADMIN' : ''}${u.disabled ? '  DISABLED' : ''}`,
    `  email:    ${u.email ?? '(none)'}`,
    `  skills:   ${u.skills.join(', ') || '(none)'}`,
    `  teams:    ${(u.teams ?? []).map((t) => `${t.team} (${t.role})`).join(', ') || '(none)'}`,
    `  created:  ${when(u.createdAt)}`,
  ].join('\n');
}

/** `flywheel team list|show|create|add-member|remove-member`. */
export function teamCommand(program: Command): void {
  const team = program
    .command('team')
    .description('Teams: a tree of teams whose members own experiments, models, datasets and projects.')
    .addHelpText('after', `
Examples:
  $ flywheel team list
  $ flywheel team create recsys --parent ml --description "Recommendations"
  $ flywheel team add-member recsys alice --role maintainer
  $ flywheel team show recsys`);

  team
    .command('list')
    .description('Every team as a tree')
    .option(...URL_OPTION)
    .option('--json', 'print JSON')
    .addHelpText('after', `
Examples:
  $ flywheel team list
  $ flywheel team list --json`)
    .action(async (opts: Common) => {
      const res = await new ApiClient(opts.url).request<{ teams: TeamNode[] }>('GET', '/api/v1/teams');
      output(opts.json, res, () => (res.teams.length === 0 ? 'No teams.' : table(['TEAM', 'DESCRIPTION'], treeRows(res.teams))));
    });

  team
    .command('show')
    .description('Show a team with its members and sub-teams')
    .argument('<name>')
    .option(...URL_OPTION)
    .option('--json', 'print JSON')
    .addHelpText('after', `
Examples:
  $ flywheel team show recsys
  $ flywheel team show recsys --json | jq -r '.members[].username'`)
    .action(async (name: string, opts: Common) => {
      const t = await new ApiClient(opts.url).request<Team>('GET', teamPath(name));
      output(opts.json, t, () => renderTeam(t));
    });

  team
    .command('create')
    .description('Create a team (platform admins; team admins under a team they administer)')
    .argument('<name>')
    .option('--parent <team>', 'the team it belongs under (default: top level)')
    .option('--description <text>', 'what the team does')
    .option(...URL_OPTION)
    .option('--json', 'print JSON')
    .addHelpText('after', `
Examples:
  $ flywheel team create ml --description "Machine learning"
  $ flywheel team create recsys --parent ml`)
    .action(async (name: string, opts: Common & { parent?: string; description?: string }) => {
      const t = await new ApiClient(opts.url).request<Team>('POST', '/api/v1/teams', {
        json: { name, ...(opts.parent ? { parent: opts.parent } : {}), ...(opts.description !== undefined ? { description: opts.description } : {}) },
      });
      output(opts.json, t, () => `Created team ${t.name}${t.parent ? ` under ${t.parent}` : ''}.`);
    });

  team
    .command('add-member')
    .description("Add a member to a team, or change a member's role (team admins, platform admins)")
    .argument('<team>')
    .argument('<username>')
    .addOption(new Option('--role <role>', 'admin: manages the team; maintainer: changes its work; member: works in it; viewer: reads').choices(ROLES).makeOptionMandatory())
    .option(...URL_OPTION)
    .option('--json', 'print JSON')
    .addHelpText('after', `
Examples:
  $ flywheel team add-member recsys alice --role maintainer
  $ flywheel team add-member recsys bob --role viewer`)
    .action(async (teamName: string, username: string, opts: Common & { role: string }) => {
      const t = await new ApiClient(opts.url).request<Team>('PUT', teamPath(teamName, `/members/${encodeURIComponent(username)}`), { json: { role: opts.role } });
      output(opts.json, t, () => `${username} is now ${opts.role} of ${t.name}.`);
    });

  team
    .command('remove-member')
    .description('Remove a member from a team (team admins, platform admins)')
    .argument('<team>')
    .argument('<username>')
    .option(...URL_OPTION)
    .option('--json', 'print JSON')
    .addHelpText('after', `
Examples:
  $ flywheel team remove-member recsys bob`)
    .action(async (teamName: string, username: string, opts: Common) => {
      const t = await new ApiClient(opts.url).request<Team>('DELETE', teamPath(teamName, `/members/${encodeURIComponent(username)}`));
      output(opts.json, t, () => `Removed ${username} from ${t.name}.`);
    });
}

const USERNAME_RE = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const usernameArg = (v: string) => {
  if (!USERNAME_RE.test(v)) throw new InvalidArgumentError('1–64 lowercase letters, digits, ".", "_" or "-", starting with a letter or digit.');
  return v;
};
const skillList = (v: string) => v.split(',').map((s) => s.trim()).filter(Boolean);

/** `flywheel user list|show|create`; `io` is where `create` reads the password (a stream in tests). */
export function userCommand(program: Command, deps: { io?: () => PasswordIo } = {}): void {
  const user = program
    .command('user')
    .description('Users: accounts that log in, with their skills and teams.')
    .addHelpText('after', `
Examples:
  $ flywheel user list
  $ flywheel user create alice --skills ml_engineer,data_scientist
  $ printf %s "$PASSWORD" | flywheel user create bob --admin --password-stdin
  $ flywheel user show alice`);

  user
    .command('list')
    .description('List users by username')
    .option(...URL_OPTION)
    .option('--json', 'print JSON')
    .addHelpText('after', `
Examples:
  $ flywheel user list
  $ flywheel user list --json | jq -r '.users[] | select(.isAdmin) | .username'`)
    .action(async (opts: Common) => {
      const client = new ApiClient(opts.url);
      const users: User[] = [];
      let pageToken: string | undefined;
      do {
        const page = await client.request<{ users: User[]; nextPageToken?: string }>('GET', '/api/v1/users', { query: { maxResults: '1000', pageToken } });
        users.push(...page.users);
        pageToken = page.nextPageToken;
      } while (pageToken);
      output(opts.json, { users }, () =>
        users.length === 0 ? 'No users.' : table(['USERNAME', 'NAME', 'ADMIN', 'DISABLED', 'SKILLS'], users.map((u) => [u.username, u.displayName, u.isAdmin ? 'yes' : '', u.disabled ? 'yes' : '', u.skills.join(',')])),
      );
    });

  user
    .command('show')
    .description('Show a user with their teams and skills')
    .argument('<username>')
    .option(...URL_OPTION)
    .option('--json', 'print JSON')
    .addHelpText('after', `
Examples:
  $ flywheel user show alice`)
    .action(async (username: string, opts: Common) => {
      const u = await new ApiClient(opts.url).request<User>('GET', userPath(username));
      output(opts.json, u, () => renderUser(u));
    });

  user
    .command('create')
    .description('Create a user (platform admins). The password is prompted twice without echo, or read from stdin')
    .argument('<username>', 'lowercase letters, digits, ".", "_" or "-"', usernameArg)
    .option('--admin', 'make them a platform admin')
    .option('--skills <list>', 'comma-separated, e.g. ml_engineer,data_scientist', skillList)
    .option('--display-name <name>', 'display name (default: the username)')
    .option('--email <email>', 'email address')
    .option('--password-stdin', 'read the password from stdin instead of prompting')
    .option(...URL_OPTION)
    .option('--json', 'print JSON')
    .addHelpText('after', `
On a terminal the password is prompted twice without echo; otherwise it is read from stdin.

Examples:
  $ flywheel user create alice --skills ml_engineer
  $ printf %s "$PASSWORD" | flywheel user create bob --admin --password-stdin`)
    .action(async (username: string, opts: Common & { admin?: boolean; skills?: string[]; displayName?: string; email?: string; passwordStdin?: boolean }) => {
      const password = await readPassword((deps.io ?? processIo)(), { fromStdin: opts.passwordStdin, confirm: true, prompt: `Password for '${username}': ` });
      const u = await new ApiClient(opts.url).request<User>('POST', '/api/v1/users', {
        json: {
          username,
          password,
          ...(opts.admin ? { isAdmin: true } : {}),
          ...(opts.skills ? { skills: opts.skills } : {}),
          ...(opts.displayName ? { displayName: opts.displayName } : {}),
          ...(opts.email ? { email: opts.email } : {}),
        },
      });
      output(opts.json, u, () => `Created ${u.isAdmin ? 'platform admin' : 'user'} '${u.username}'. They log in with: flywheel login --username ${u.username}`);
    });
}
