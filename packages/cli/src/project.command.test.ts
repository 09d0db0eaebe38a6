import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
// The projects and audit routes on a real socket over a fresh store of each dialect.
import { createProjectsPlatform, ADMIN } from '../../server/src/domains/projects/test-support/projects-fixture.js';
import { createProjectsApp } from '../../server/src/domains/projects/test-support/projects-app.js';
import { DIALECTS } from '../../server/src/store/test-support/stores.js';
import { CliError } from './client.js';
import { projectCommand } from './project.command.js';
import { auditCommand } from './audit.command.js';
import { runInProcess } from './test-support/run-in-process.js';

const run = (args: string[]) =>
  runInProcess((program) => {
    projectCommand(program);
    auditCommand(program);
  }, args);

for (const dialect of DIALECTS) {
  describe(`flywheel project and audit on ${dialect}`, () => {
    let fw: Awaited<ReturnType<typeof createProjectsPlatform>>;
    let app: FastifyInstance;
    let url: string;
    let dir: string;
    before(async () => {
      dir = mkdtempSync(join(tmpdir(), 'fw-cli-project-'));
      fw = await createProjectsPlatform(dialect);
      app = await createProjectsApp({ org: fw.services.org, projects: fw.projects, audit: fw.audit });
      url = await app.listen({ host: '127.0.0.1', port: 0 });
    });
    after(async () => {
      await app.close();
      await fw.dispose();
      rmSync(dir, { recursive: true, force: true });
    });

    test('create --file, list, show, gate, stage (refused, then passing), audit list/export/verify, tamper detection', async () => {
      await fw.services.teams.createTeam(ADMIN, { name: 'retention' });
      const file = join(dir, 'churn.json');
      writeFileSync(file, JSON.stringify({ name: 'churn', ownerTeam: 'retention', businessCase: { businessChallenge: 'churn is 4%/month', successMetric: 'recall_at_10', riskRating: 'medium' } }));
      assert.match((await run(['project', 'create', '--file', file, '--url', url])).out, /Created project churn \(stage idea\)/);

      const bad = join(dir, 'bad.json');
      writeFileSync(bad, JSON.stringify({ name: 'x', businessCase: { riskRating: 'extreme' } }));
      await assert.rejects(run(['project', 'create', '-f', bad, '--url', url]), (e: CliError) => /businessCase.riskRating/.test(e.message) && e.exitCode === 1);

      const list = await run(['project', 'list', '--url', url]);
      assert.match(list.out, /NAME\s+STAGE\s+OWNER/);
      assert.match(list.out, /churn\s+idea\s+retention/);

      const show = await run(['project', 'show', 'churn', '--url', url]);
      assert.match(show.out, /churn {2}\[idea\]/);
      assert.match(show.out, /successMetric: recall_at_10/);

      const gate = await run(['project', 'gate', 'churn', '--to', 'poc', '--url', url]);
      assert.equal(gate.code, 1);
      assert.match(gate.out, /churn: idea → poc {2}BLOCKED/);
      assert.match(gate.out, /✗ business value stated: businessCase.businessValue is empty/);
      assert.match(gate.out, /✓ business challenge stated/);

      await assert.rejects(run(['project', 'stage', 'churn', 'poc', '--url', url]), (e: CliError) => {
        assert.match(e.message, /cannot move from idea to poc: 3 conditions unmet/);
        assert.match(e.message, /businessValue: businessCase.businessValue is empty; dataExists: businessCase.dataExists is not answered; pocEndDate: pocEndDate is not set/);
        return e.exitCode === 1;
      });

      const patch = join(dir, 'patch.json');
      writeFileSync(patch, JSON.stringify({ businessCase: { businessValue: '€2M/year', dataExists: true }, pocEndDate: '2026-02-28' }));
      await run(['project', 'update', 'churn', '-f', patch, '--url', url]);
      assert.equal((await run(['project', 'gate', 'churn', '--to', 'poc', '--url', url])).code, 0);
      const moved = await run(['project', 'stage', 'churn', 'poc', '--reason', 'CoE approved', '--url', url]);
      assert.match(moved.out, /PASSES/);
      assert.match(moved.out, /Project churn is now in poc\./);

      fw.advance(90 * 86_400_000);
      assert.match((await run(['project', 'list', '--overdue', '--url', url])).out, /churn\s+poc \(OVERDUE\)/);
      const json = JSON.parse((await run(['project', 'show', 'churn', '--json', '--url', url])).out) as { overdue: boolean; stage: string };
      assert.deepEqual([json.stage, json.overdue], ['poc', true]);

      const audit = await run(['audit', 'list', '--resource', 'project:churn', '--url', url]);
      assert.match(audit.out, /SEQ\s+TIME\s+ACTOR\s+ACTION/);
      for (const a of ['project.created', 'project.stage_refused', 'project.updated', 'project.stage_changed']) assert.match(audit.out, new RegExp(a.replace('.', '\\.')));
      const csv = join(dir, 'audit.csv');
      await run(['audit', 'export', '--format', 'csv', '-o', csv, '--action', 'project.*', '--url', url]);
      const rows = readFileSync(csv, 'utf8').trim().split('\n');
      assert.equal(rows[0], 'seq,ts,actor,action,resourceType,resourceId,team,source,before,after,prevHash,hash');
      assert.equal(rows.length, 1 + 4);
      const jsonl = await run(['audit', 'export', '--url', url]);
      assert.deepEqual(jsonl.out.trim().split('\n').map((l) => (JSON.parse(l) as { seq: number }).seq), [1, 2, 3, 4]);

      const ok = await run(['audit', 'verify', '--url', url]);
      assert.equal(ok.code, 0);
      assert.match(ok.out, /Audit chain verified: 4 entries, last seq 4/);

      if (dialect === 'postgres') await sql`DROP TRIGGER audit_log_no_change ON audit_log`.execute(fw.store.db);
      else await sql`DROP TRIGGER audit_log_no_update`.execute(fw.store.db);
      await sql`UPDATE audit_log SET after_json = ${'{"stage":"production"}'} WHERE seq = 4`.execute(fw.store.db);
      const broken = await run(['audit', 'verify', '--url', url]);
      assert.equal(broken.code, 1);
      assert.match(broken.out, /Audit chain BROKEN at seq 4: its content does not match its hash/);
    });
  });
}
