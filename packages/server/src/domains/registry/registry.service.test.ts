import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LocalFsArtifactStore } from '../../artifacts/index.js';
import { createTestStore, DIALECTS } from '../../store/test-support/stores.js';
import type { Store } from '../../store/index.js';
import { registryMigrations } from './registry.migrations.js';
import { RegistryRepository } from './registry.repository.js';
import { RegistryService } from './registry.service.js';
import { rejectsWith } from '../../test-support/assertions.js';


const RUN = '0123456789abcdef0123456789abcdef';
const src = (run = RUN) => `mlflow-artifacts:/0/${run}/artifacts/model`;

for (const dialect of DIALECTS) {
  describe(`RegistryService on ${dialect}`, () => {
    let store: Store & { dispose(): Promise<void> };
    let svc: RegistryService;
    let now = 1_700_000_000_000;
    const artifactRoot = mkdtempSync(join(tmpdir(), 'fw-registry-'));
    before(async () => {
      store = await createTestStore(dialect, [registryMigrations]);
      svc = new RegistryService({
        repo: new RegistryRepository(store.tables(), store.dialect),
        clock: { now: () => now },
        artifacts: new LocalFsArtifactStore(artifactRoot),
      });
    });
    after(async () => {
      await store.dispose();
      rmSync(artifactRoot, { recursive: true, force: true });
    });

    test('registered models: create, duplicate, get, update, tags, rename, delete', async () => {
      const m = await svc.createRegisteredModel({ name: 'churn', tags: [{ key: 'team', value: 'growth' }], description: 'd' });
      assert.deepEqual(m, {
        name: 'churn',
        creationTimestamp: now,
        lastUpdatedTimestamp: now,
        description: 'd',
        latestVersions: [],
        tags: [{ key: 'team', value: 'growth' }],
        aliases: [],
      });
      await rejectsWith(svc.createRegisteredModel({ name: 'churn' }), 'ALREADY_EXISTS', /^Registered Model \(name=churn\) already exists\.$/);
      await rejectsWith(svc.createRegisteredModel({ name: '' }), 'INVALID_INPUT', /^Registered model name cannot be empty\.$/);
      await rejectsWith(svc.getRegisteredModel('nope'), 'NOT_FOUND', /^Registered Model with name=nope not found$/);

      now += 10;
      const u = await svc.updateRegisteredModel('churn', 'new description');
      assert.equal(u.description, 'new description');
      assert.equal(u.lastUpdatedTimestamp, now);
      await svc.setRegisteredModelTag('churn', 'owner', 'ana');
      await svc.setRegisteredModelTag('churn', 'owner', 'bo');
      await svc.deleteRegisteredModelTag('churn', 'team');
      await svc.deleteRegisteredModelTag('churn', 'never-set');
      assert.deepEqual((await svc.getRegisteredModel('churn')).tags, [{ key: 'owner', value: 'bo' }]);
      await rejectsWith(svc.setRegisteredModelTag('churn', '../x', 'v'), 'INVALID_INPUT', /Invalid tag name/);
      await rejectsWith(svc.setRegisteredModelTag('nope', 'k', 'v'), 'NOT_FOUND', /name=nope not found/);

      await svc.createModelVersion({ name: 'churn', source: src(), runId: RUN, tags: [{ key: 'k', value: 'v' }] });
      await svc.setRegisteredModelAlias('churn', 'champion', '1');
      await svc.createRegisteredModel({ name: 'other' });
      await rejectsWith(svc.renameRegisteredModel('churn', 'other'), 'ALREADY_EXISTS', /name=other\) already exists/);
      await rejectsWith(svc.renameRegisteredModel('nope', 'x'), 'NOT_FOUND', /name=nope not found/);
      const r = await svc.renameRegisteredModel('churn', 'churn-v2');
      assert.equal(r.name, 'churn-v2');
      assert.deepEqual(r.aliases, [{ alias: 'champion', version: '1' }]);
      assert.deepEqual(r.tags, [{ key: 'owner', value: 'bo' }]);
      const v = await svc.getModelVersion('churn-v2', '1');
      assert.deepEqual(v.tags, [{ key: 'k', value: 'v' }]);
      assert.deepEqual(v.aliases, ['champion']);
      await rejectsWith(svc.getRegisteredModel('churn'), 'NOT_FOUND', /name=churn not found/);

      await svc.deleteRegisteredModel('churn-v2');
      await rejectsWith(svc.getRegisteredModel('churn-v2'), 'NOT_FOUND', /not found/);
      await rejectsWith(svc.deleteRegisteredModel('churn-v2'), 'NOT_FOUND', /not found/);
      // Its versions, tags and aliases went with it: a new model of that name starts afresh.
      await svc.createRegisteredModel({ name: 'churn-v2' });
      const fresh = await svc.createModelVersion({ name: 'churn-v2', source: src() });
      assert.equal(fresh.version, '1');
      assert.deepEqual(fresh.tags, []);
      assert.deepEqual(fresh.aliases, []);
      for (const t of ['model_versions', 'model_version_tags', 'registered_model_aliases', 'registered_model_tags']) {
        const rows = await store.db.selectFrom(t).selectAll().where('name', '=', 'churn').execute();
        assert.equal(rows.length, 0, t);
      }
    });

    test('model versions: numbering, get, update, tags, delete, download uri', async () => {
      await svc.createRegisteredModel({ name: 'mv' });
      now += 5;
      const v1 = await svc.createModelVersion({ name: 'mv', source: src(), runId: RUN, description: 'first', runLink: 'http://x' });
      assert.deepEqual(v1, {
        name: 'mv',
        version: '1',
        creationTimestamp: now,
        lastUpdatedTimestamp: now,
        userId: undefined,
        currentStage: 'None',
        description: 'first',
        source: src(),
        runId: RUN,
        runLink: 'http://x',
        status: 'READY',
        statusMessage: undefined,
        tags: [],
        aliases: [],
      });
      assert.equal((await svc.getRegisteredModel('mv')).lastUpdatedTimestamp, now);
      const v2 = await svc.createModelVersion({ name: 'mv', source: src() });
      assert.equal(v2.version, '2');
      await rejectsWith(svc.createModelVersion({ name: 'nope', source: src() }), 'NOT_FOUND', /name=nope not found/);
      await rejectsWith(svc.getModelVersion('mv', '9'), 'NOT_FOUND', /^Model Version \(name=mv, version=9\) not found$/);
      await rejectsWith(svc.getModelVersion('mv', 'abc'), 'INVALID_INPUT', /must be an integer/);

      now += 5;
      const upd = await svc.updateModelVersion('mv', '2', 'second');
      assert.equal(upd.description, 'second');
      assert.equal(upd.lastUpdatedTimestamp, now);
      await svc.setModelVersionTag('mv', '2', 'ok', 'yes');
      await svc.setModelVersionTag('mv', '2', 'z', '1');
      await svc.deleteModelVersionTag('mv', '2', 'z');
      assert.deepEqual((await svc.getModelVersion('mv', '2')).tags, [{ key: 'ok', value: 'yes' }]);
      await rejectsWith(svc.setModelVersionTag('mv', '7', 'k', 'v'), 'NOT_FOUND', /version=7/);
      assert.equal(await svc.getModelVersionDownloadUri('mv', '1'), src());

      await svc.setRegisteredModelAlias('mv', 'prod', '2');
      await svc.deleteModelVersion('mv', '2');
      await rejectsWith(svc.getModelVersion('mv', '2'), 'NOT_FOUND', /version=2/);
      assert.deepEqual((await svc.getRegisteredModel('mv')).aliases, []); // the alias went with its version
      const v3 = await svc.createModelVersion({ name: 'mv', source: src() });
      assert.equal(v3.version, '3', 'deleted version numbers are not reused');
    });

    test('aliases: set, move, get by alias, reserved names, delete', async () => {
      await svc.createRegisteredModel({ name: 'al' });
      await svc.createModelVersion({ name: 'al', source: src() });
      await svc.createModelVersion({ name: 'al', source: src() });
      await svc.setRegisteredModelAlias('al', 'champion', '1');
      assert.equal((await svc.getModelVersionByAlias('al', 'champion')).version, '1');
      await svc.setRegisteredModelAlias('al', 'champion', '2');
      const byAlias = await svc.getModelVersionByAlias('al', 'champion');
      assert.equal(byAlias.version, '2');
      assert.deepEqual(byAlias.aliases, ['champion']);
      assert.deepEqual((await svc.getModelVersion('al', '1')).aliases, []);
      await rejectsWith(svc.setRegisteredModelAlias('al', 'latest', '1'), 'INVALID_INPUT', /'latest' alias name \(case insensitive\) is reserved/);
      await rejectsWith(svc.setRegisteredModelAlias('al', 'V1', '1'), 'INVALID_INPUT', /^Version alias name 'V1' is reserved\.$/);
      await rejectsWith(svc.setRegisteredModelAlias('al', 'a b', '1'), 'INVALID_INPUT', /Invalid alias name/);
      await rejectsWith(svc.setRegisteredModelAlias('al', 'x', '5'), 'NOT_FOUND', /version=5/);
      await rejectsWith(svc.getModelVersionByAlias('al', 'missing'), 'INVALID_INPUT', /^Registered model alias missing not found\.$/);
      await svc.deleteRegisteredModelAlias('al', 'champion');
      await svc.deleteRegisteredModelAlias('al', 'champion');
      await rejectsWith(svc.getModelVersionByAlias('al', 'champion'), 'INVALID_INPUT', /alias champion not found/);
    });

    test('stages: transition, archive existing, latest versions', async () => {
      await svc.createRegisteredModel({ name: 'st' });
      for (let i = 0; i < 4; i++) await svc.createModelVersion({ name: 'st', source: src() });
      await svc.transitionModelVersionStage('st', '1', 'production');
      await svc.transitionModelVersionStage('st', '2', 'Staging');
      const t = await svc.transitionModelVersionStage('st', '3', 'PRODUCTION', true);
      assert.equal(t.currentStage, 'Production');
      assert.equal((await svc.getModelVersion('st', '1')).currentStage, 'Archived');
      assert.equal((await svc.getModelVersion('st', '2')).currentStage, 'Staging');
      await rejectsWith(svc.transitionModelVersionStage('st', '1', 'Prod'), 'INVALID_INPUT', /^Invalid Model Version stage: Prod\. Value must be one of None, Staging, Production, Archived\.$/);
      await rejectsWith(svc.transitionModelVersionStage('st', '1', 'Archived', true), 'INVALID_INPUT', /not an Active stage/);
      await rejectsWith(svc.transitionModelVersionStage('st', '9', 'Staging'), 'NOT_FOUND', /version=9/);

      const latest = await svc.getLatestVersions('st');
      assert.deepEqual(latest.map((v) => [v.version, v.currentStage]), [['1', 'Archived'], ['2', 'Staging'], ['3', 'Production'], ['4', 'None']]);
      const prod = await svc.getLatestVersions('st', ['production', 'None']);
      assert.deepEqual(prod.map((v) => v.version), ['3', '4']);
      await rejectsWith(svc.getLatestVersions('st', ['bogus']), 'INVALID_INPUT', /Invalid Model Version stage: bogus/);
      await rejectsWith(svc.getLatestVersions('nope'), 'NOT_FOUND', /name=nope not found/);
      const m = await svc.getRegisteredModel('st');
      assert.deepEqual(m.latestVersions.map((v) => v.version), ['1', '2', '3', '4']);
    });

    test('search registered models: filter, order, paging', async () => {
      for (const n of ['s-a', 's-b', 's-c', 'S-D']) {
        now += 1;
        await svc.createRegisteredModel({ name: n, tags: [{ key: 'grp', value: n === 's-b' ? 'x' : 'y' }] });
      }
      assert.deepEqual((await svc.searchRegisteredModels({ filter: "name = 's-a'" })).items.map((m) => m.name), ['s-a']);
      assert.deepEqual((await svc.searchRegisteredModels({ filter: "name LIKE 's-%'" })).items.map((m) => m.name), ['s-a', 's-b', 's-c']);
      assert.deepEqual((await svc.searchRegisteredModels({ filter: "name ILIKE 's-%'" })).items.map((m) => m.name), ['S-D', 's-a', 's-b', 's-c']);
      assert.deepEqual((await svc.searchRegisteredModels({ filter: "name ILIKE 's-%' AND tags.grp = 'x'" })).items.map((m) => m.name), ['s-b']);
      assert.deepEqual((await svc.searchRegisteredModels({ filter: "tags.`grp` != 'y'" })).items.map((m) => m.name), ['s-b']);
      const byTime = await svc.searchRegisteredModels({ filter: "name ILIKE 's-%'", orderBy: ['last_updated_timestamp DESC'] });
      assert.deepEqual(byTime.items.map((m) => m.name), ['S-D', 's-c', 's-b', 's-a']);
      const byName = await svc.searchRegisteredModels({ filter: "name ILIKE 's-%'", orderBy: ['name DESC'] });
      assert.deepEqual(byName.items.map((m) => m.name), ['s-c', 's-b', 's-a', 'S-D']);
      const seen: string[] = [];
      let token: string | undefined;
      do {
        const page = await svc.searchRegisteredModels({ filter: "name ILIKE 's-%'", maxResults: 3, pageToken: token });
        assert.ok(page.items.length <= 3);
        seen.push(...page.items.map((m) => m.name));
        token = page.nextPageToken;
      } while (token);
      assert.deepEqual(seen, ['S-D', 's-a', 's-b', 's-c']);
      await rejectsWith(svc.searchRegisteredModels({ maxResults: 1001 }), 'INVALID_INPUT', /at most 1000, but got value 1001/);
      await rejectsWith(svc.searchRegisteredModels({ filter: "source = 'x'" }), 'INVALID_INPUT', /Invalid attribute key 'source'/);
      await rejectsWith(svc.searchRegisteredModels({ filter: "name = 'x" }), 'INVALID_INPUT', /Could not be parsed/);
      await rejectsWith(svc.searchRegisteredModels({ orderBy: ['bogus'] }), 'INVALID_INPUT', /Invalid order by key 'bogus'/);
      await rejectsWith(svc.searchRegisteredModels({ pageToken: 'zzz' }), 'INVALID_INPUT', /page_token/);
    });

    test('search model versions: name, run_id, IN, tags, version_number, order, paging', async () => {
      const other = 'fedcba9876543210fedcba9876543210';
      const RUN = '11111111111111111111111111111111'; // not used by the other tests
      await svc.createRegisteredModel({ name: 'sv' });
      await svc.createModelVersion({ name: 'sv', source: src(RUN), runId: RUN, tags: [{ key: 'q', value: 'good' }] });
      await svc.createModelVersion({ name: 'sv', source: src(other), runId: other });
      await svc.createModelVersion({ name: 'sv', source: src(RUN), runId: RUN });
      const names = (p: { items: { name: string; version: string }[] }) => p.items.map((v) => `${v.name}/${v.version}`);
      assert.deepEqual(names(await svc.searchModelVersions({ filter: "name = 'sv'" })), ['sv/3', 'sv/2', 'sv/1']);
      assert.deepEqual(names(await svc.searchModelVersions({ filter: `run_id = '${RUN}'` })), ['sv/3', 'sv/1']);
      assert.deepEqual(names(await svc.searchModelVersions({ filter: `run_id IN ('${other}', 'zzz')` })), ['sv/2']);
      assert.deepEqual(names(await svc.searchModelVersions({ filter: "name = 'sv' AND tags.q = 'good'" })), ['sv/1']);
      assert.deepEqual(names(await svc.searchModelVersions({ filter: "name='sv' and version_number >= 2" })), ['sv/3', 'sv/2']);
      assert.deepEqual(names(await svc.searchModelVersions({ filter: `source_path = '${src(other)}'` })), ['sv/2']);
      assert.deepEqual(names(await svc.searchModelVersions({ filter: "name = 'sv'", orderBy: ['version_number ASC'] })), ['sv/1', 'sv/2', 'sv/3']);
      const p1 = await svc.searchModelVersions({ filter: "name = 'sv'", maxResults: 2 });
      assert.deepEqual(names(p1), ['sv/3', 'sv/2']);
      const p2 = await svc.searchModelVersions({ filter: "name = 'sv'", maxResults: 2, pageToken: p1.nextPageToken });
      assert.deepEqual(names(p2), ['sv/1']);
      assert.equal(p2.nextPageToken, undefined);
      await rejectsWith(svc.searchModelVersions({ filter: "run_id LIKE 'x'" }), 'INVALID_INPUT', /Invalid comparator 'LIKE'/);
      await rejectsWith(svc.searchModelVersions({ filter: "stage = 'x'" }), 'INVALID_INPUT', /Invalid attribute key 'stage'/);
    });

    test('failed writes write nothing', async () => {
      await svc.createRegisteredModel({ name: 'atomic' });
      // A bad tag in the list fails the whole create: neither the model nor its good tag is written.
      await rejectsWith(
        svc.createRegisteredModel({ name: 'atomic2', tags: [{ key: 'ok', value: '1' }, { key: '', value: 'x' }] }),
        'INVALID_INPUT',
        /Tag names cannot be empty/,
      );
      await rejectsWith(svc.getRegisteredModel('atomic2'), 'NOT_FOUND', /atomic2/);
      await rejectsWith(
        svc.createModelVersion({ name: 'atomic', source: src(), tags: [{ key: 'k', value: 'x'.repeat(5001) }] }),
        'INVALID_INPUT',
        /exceeded length limit of 5000/,
      );
      const m = await svc.getRegisteredModel('atomic');
      assert.deepEqual(m.latestVersions, []);
      assert.equal((await svc.createModelVersion({ name: 'atomic', source: src() })).version, '1');
      const before = await svc.getModelVersion('atomic', '1');
      await rejectsWith(svc.transitionModelVersionStage('atomic', '1', 'Nope', true), 'INVALID_INPUT', /Invalid Model Version stage/);
      assert.deepEqual(await svc.getModelVersion('atomic', '1'), before);
    });
  });
}
