import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError } from 'commander';
// The whole platform on a real socket over a fresh store of each dialect.
import { createTestPlatform, DIALECTS } from '../../server/src/test-support/platform.js';
import type { CliError } from './client.js';
import { experimentsCommand } from './experiments.command.js';
import { runsCommand } from './runs.command.js';
import { modelsCommand } from './models.command.js';
import { teamCommand, userCommand } from './team.command.js';
import { runInProcess } from './test-support/run-in-process.js';

/** The JSON a command printed (the test runner may have written its own bytes before it). */
const jsonOf = <T>(out: string) => JSON.parse(out.slice(out.search(/^[{[]$/m))) as T;

const run = (args: string[]) =>
  runInProcess((program) => {
    experimentsCommand(program);
    runsCommand(program);
  }, args);

/** A call of the MLflow REST API, the way a Python training script logs its runs. */
async function mlflow<T>(url: string, path: string, body: unknown): Promise<T> {
  const res = await fetch(`${url}/api/2.0/mlflow/${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${process.env.FLYWHEEL_TOKEN}` }, body: JSON.stringify(body) });
  assert.equal(res.status, 200, await res.clone().text());
  return (await res.json()) as T;
}

for (const dialect of DIALECTS) {
  describe(`flywheel experiments and runs on ${dialect}`, () => {
    let fw: Awaited<ReturnType<typeof createTestPlatform>>;
    let url: string;
    const savedToken = process.env.FLYWHEEL_TOKEN;
    before(async () => {
      fw = await createTestPlatform(dialect);
      url = await fw.app.listen({ host: '127.0.0.1', port: 0 });
      const { org, teams } = fw.services;
      await org.bootstrapUser({ username: 'ada', password: 'ada-password', isAdmin: true });
      await org.bootstrapUser({ username: 'alice', password: 'alice-password' });
      const root = { userId: 0, username: 'root', isAdmin: true, teams: [] };
      await teams.createTeam(root, { name: 'growth' });
      await teams.setMember(root, 'growth', 'alice', 'member');
      process.env.FLYWHEEL_TOKEN = (await org.issueToken((await org.checkPassword('alice', 'alice-password')).id, { name: 'cli' })).token;
    });
    after(async () => {
      if (savedToken === undefined) delete process.env.FLYWHEEL_TOKEN;
      else process.env.FLYWHEEL_TOKEN = savedToken;
      await fw.dispose();
    });

    test('experiments create, list, show by name and id; --json; a duplicate name is refused with exit 1', async () => {
      const created = await run(['experiments', 'create', 'churn', '--owner-team', 'growth', '--visibility', 'private', '--url', url]);
      assert.match(created.out, /Created experiment churn \(id \d+, private\)\.$/m);
      // Without flags: owned by alice's only team, private.
      assert.match((await run(['experiments', 'create', 'fraud', '--url', url])).out, /Created experiment fraud \(id \d+, private\)/);
      await run(['experiments', 'create', 'open', '--visibility', 'internal', '--url', url]);

      await assert.rejects(run(['experiments', 'create', 'churn', '--url', url]), (e: CliError) => /churn/.test(e.message) && /already exists/i.test(e.message) && e.exitCode === 1);
      await assert.rejects(run(['experiments', 'create', 'x', '--owner-team', 'nobody', '--url', url]), (e: CliError) => /nobody/.test(e.message) && e.exitCode === 1);

      const list = await run(['experiments', 'list', '--url', url]);
      assert.match(list.out, /ID\s+NAME\s+VISIBILITY\s+CREATED/);
      assert.match(list.out, /\d+\s+churn\s+private\s+\d{4}-\d\d-\d\d /);
      assert.match(list.out, /\d+\s+fraud\s+private/);
      assert.match(list.out, /\d+\s+open\s+internal/);
      const json = jsonOf<{ experiments: { name: string; experimentId: string }[] }>((await run(['experiments', 'list', '--filter', "name LIKE 'chu%'", '--json', '--url', url])).out);
      assert.deepEqual(json.experiments.map((e) => e.name), ['churn']);
      const id = json.experiments[0]!.experimentId;

      const byName = await run(['experiments', 'show', 'churn', '--url', url]);
      assert.match(byName.out, new RegExp(`^churn {2}\\(id ${id}\\)`));
      assert.match(byName.out, /visibility: {2}private/);
      assert.match(byName.out, /No runs yet\./);
      const byId = jsonOf<{ name: string }>((await run(['experiments', 'show', id, '--json', '--url', url])).out);
      assert.equal(byId.name, 'churn');

      await assert.rejects(run(['experiments', 'show', 'nope', '--url', url]), (e: CliError) => /No experiment with the name 'nope'/.test(e.message) && e.exitCode === 1);
      await assert.rejects(run(['experiments', 'list', '--filter', 'name ~ 1', '--url', url]), (e: CliError) => e.exitCode === 1 && /INVALID_INPUT|invalid/i.test(e.message));
    });

    test('runs search with a filter, order and chosen columns; show; metric history; errors', async () => {
      const exp = await mlflow<{ experiment_id: string }>(url, 'experiments/create', { name: 'ranker' });
      const ids: string[] = [];
      for (const [i, auc] of [0.75, 0.91, 0.85].entries()) {
        const r = await mlflow<{ run: { info: { run_id: string } } }>(url, 'runs/create', { experiment_id: exp.experiment_id, run_name: `trial-${i}`, start_time: 1_700_000_000_000 + i * 1000 });
        const runId = r.run.info.run_id;
        ids.push(runId);
        await mlflow(url, 'runs/log-batch', {
          run_id: runId,
          params: [{ key: 'lr', value: String(0.1 / (i + 1)) }],
          metrics: [
            { key: 'auc', value: auc, timestamp: 1_700_000_000_000, step: 0 },
            ...[0.9, 0.5, 0.2].map((v, step) => ({ key: 'loss', value: v + i, timestamp: 1_700_000_000_000 + step, step })),
          ],
        });
        await mlflow(url, 'runs/update', { run_id: runId, status: 'FINISHED', end_time: 1_700_000_100_000 });
      }

      const top = await run(['runs', 'search', '--experiment', 'ranker', '--filter', 'metrics.auc > 0.8', '--order-by', 'metrics.auc DESC', '--url', url]);
      assert.match(top.out, /RUN ID\s+NAME\s+STATUS\s+START\s+metrics\.auc/);
      const rows = top.out.trim().split('\n').slice(2);
      assert.deepEqual(rows.map((l) => l.split(/\s+/)[1]), ['trial-1', 'trial-2'], 'only auc > 0.8, best first');
      assert.match(rows[0]!, new RegExp(`^${ids[1]}\\s+trial-1\\s+FINISHED\\s+2023-11-14 22:13:21\\s+0\\.91$`));

      const cols = await run(['runs', 'search', '--experiment', exp.experiment_id, '--columns', 'metrics.auc,params.lr', '--order-by', 'attributes.start_time ASC', '--max-results', '2', '--url', url]);
      assert.match(cols.out, /START\s+metrics\.auc\s+params\.lr/);
      assert.match(cols.out, /trial-0\s+FINISHED\s+\S+ \S+\s+0\.75\s+0\.1\n/);
      assert.match(cols.out, /More runs than 2: raise --max-results/);

      const json = jsonOf<{ runs: { info: { runId: string } }[] }>((await run(['runs', 'search', '--experiment', 'ranker', '--filter', "params.lr = '0.1'", '--json', '--url', url])).out);
      assert.deepEqual(json.runs.map((r) => r.info.runId), [ids[0]]);
      assert.match((await run(['runs', 'search', '--experiment', 'ranker', '--filter', 'metrics.auc > 0.99', '--url', url])).out, /No runs match\./);

      const show = await run(['runs', 'show', ids[1]!, '--url', url]);
      assert.match(show.out, new RegExp(`^trial-1 {2}\\(${ids[1]}\\) {2}FINISHED`));
      assert.match(show.out, /Params:\nKEY\s+VALUE\n-+\s+-+\nlr\s+0\.05/);
      assert.match(show.out, /auc\s+0\.91\s+0\n/);
      assert.match(show.out, /loss\s+1\.2\s+2/);
      assert.equal(jsonOf<{ info: { runName: string } }>((await run(['runs', 'show', ids[1]!, '--json', '--url', url])).out).info.runName, 'trial-1');

      const history = await run(['runs', 'metric', ids[2]!, 'loss', '--url', url]);
      assert.match(history.out, /STEP\s+VALUE\s+TIME/);
      assert.deepEqual(history.out.trim().split('\n').slice(2).map((l) => l.split(/\s+/).slice(0, 2).join(' ')), ['0 2.9', '1 2.5', '2 2.2']);
      const hjson = jsonOf<{ metrics: { value: number }[] }>((await run(['runs', 'metric', ids[2]!, 'loss', '--json', '--url', url])).out);
      assert.deepEqual(hjson.metrics.map((m) => m.value), [2.9, 2.5, 2.2]);
      assert.match((await run(['runs', 'metric', ids[2]!, 'f1', '--url', url])).out, /has no metric 'f1'/);

      // Refusals by the server: exit 1 with its message.
      await assert.rejects(run(['runs', 'search', '--experiment', 'ranker', '--filter', 'metrics.auc >> 1', '--url', url]), (e: CliError) => e.exitCode === 1 && /filter|invalid/i.test(e.message) && !/The server answered/.test(e.message));
      await assert.rejects(run(['runs', 'show', 'f'.repeat(32), '--url', url]), (e: CliError) => e.exitCode === 1 && /not found|does not exist/i.test(e.message));
      await assert.rejects(run(['runs', 'search', '--experiment', 'nope', '--url', url]), (e: CliError) => e.exitCode === 1 && /No experiment with the name 'nope'/.test(e.message));
      // Usage errors: exit 2 before any request.
      await assert.rejects(run(['runs', 'search', '--experiment', 'ranker', '--columns', 'auc', '--url', url]), (e: CliError) => e.exitCode === 2 && /--columns 'auc'/.test(e.message));
      await assert.rejects(run(['runs', 'search', '--experiment', 'ranker', '--max-results', '0', '--url', url]), (e: CliError) => e.exitCode === 2 && /--max-results '0'/.test(e.message));
      await assert.rejects(run(['runs', 'search', '--url', url]), (e: unknown) => e instanceof CommanderError && /--experiment/.test(e.message));
    });
  });
}

test('an unreachable server is exit 3', async () => {
  await assert.rejects(run(['experiments', 'list', '--url', 'http://127.0.0.1:9']), (e: CliError) => e.exitCode === 3 && /Cannot reach the Flywheel server/.test(e.message));
});

test('every experiments, runs, models, team and user command has examples, --url and --json', () => {
  const program = new Command('flywheel');
  for (const register of [experimentsCommand, runsCommand, modelsCommand, teamCommand, userCommand]) register(program);
  const leaves = program.commands.flatMap((group) => group.commands.map((c) => [`${group.name()} ${c.name()}`, c] as const));
  assert.equal(leaves.length, 3 + 3 + 8 + 5 + 3);
  for (const [name, cmd] of leaves) {
    let help = '';
    cmd.configureOutput({ writeOut: (s) => (help += s) });
    cmd.outputHelp();
    assert.match(help, /Examples:\n\s+\$ flywheel /, `${name} --help has examples`);
    assert.match(help, /--url <url>/, `${name} takes --url`);
    assert.match(help, /--json/, `${name} takes --json`);
  }
});

// The installed command: help with examples, and a usage error's exit code.
test('the flywheel binary: runs search --help shows examples; a bad --visibility exits 2', () => {
  const bin = fileURLToPath(new URL('./bin.ts', import.meta.url));
  const flywheel = (...args: string[]) => spawnSync(process.execPath, ['--conditions=flywheel-source', '--import', 'tsx', bin, ...args], { encoding: 'utf8', timeout: 60_000 });
  const help = flywheel('runs', 'search', '--help');
  assert.equal(help.status, 0, help.stderr);
  assert.match(help.stdout, /Examples:\n\s+\$ flywheel runs search --experiment churn/);
  const bad = flywheel('experiments', 'create', 'x', '--visibility', 'public', '--url', 'http://127.0.0.1:9');
  assert.equal(bad.status, 2, bad.stderr);
  assert.match(bad.stderr, /--visibility.*public.*private, internal/s);
});
