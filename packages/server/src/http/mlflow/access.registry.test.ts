import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS } from '../../store/test-support/stores.js';
import { createAccessFixture, type AccessFixture } from './test-support/access-fixture.js';

// Issue 6 for the model registry: a team's private model (and its versions, aliases, cards) is
// invisible to other teams through the MLflow registry API and /api/v1/models; internal models
// are readable by everyone logged in and changed by their team only.

const M = '/api/2.0/mlflow';

for (const dialect of DIALECTS) {
  describe(`registered model access on ${dialect}`, () => {
    let f: AccessFixture;
    before(async () => {
      f = await createAccessFixture(dialect);
      const create = async (name: string, tags: { key: string; value: string }[] = []) => {
        const r = await f.call('alice', 'POST', `${M}/registered-models/create`, { name, tags });
        assert.equal(r.status, 200, JSON.stringify(r.body));
        const v = await f.call('alice', 'POST', `${M}/model-versions/create`, { name, source: 'mlflow-artifacts:/0/x/artifacts/model' });
        assert.equal(v.status, 200, JSON.stringify(v.body));
      };
      await create('a-model');
      await create('a-shared', [{ key: 'flywheel.visibility', value: 'internal' }]);
    });
    after(async () => f?.dispose());

    const expect = (r: { status: number; body: any }, status: number, code?: string) => { // eslint-disable-line @typescript-eslint/no-explicit-any
      assert.equal(r.status, status, JSON.stringify(r.body));
      if (code) assert.equal(r.body.error_code, code);
    };
    const names = (r: { body: { registered_models?: { name: string }[] } }) => (r.body.registered_models ?? []).map((m) => m.name);

    test('the owner team sees its private model with its ownership tags', async () => {
      const got = await f.call('alice', 'GET', `${M}/registered-models/get?name=a-model`);
      expect(got, 200);
      const tags = Object.fromEntries(got.body.registered_model.tags.map((t: { key: string; value: string }) => [t.key, t.value]));
      assert.deepEqual(tags, { 'flywheel.owner_team': String(f.teamIds['team-a']), 'flywheel.visibility': 'private' });
      expect(await f.call('alice', 'POST', `${M}/registered-models/alias`, { name: 'a-model', alias: 'champion', version: '1' }), 200);
    });

    test('another team: get, search, versions, alias and the native API all answer as if it did not exist', async () => {
      for (const who of ['bob', 'basic:bob'] as const) {
        expect(await f.call(who, 'GET', `${M}/registered-models/get?name=a-model`), 404, 'RESOURCE_DOES_NOT_EXIST');
        const s = await f.call(who, 'GET', `${M}/registered-models/search`);
        expect(s, 200);
        assert.deepEqual(names(s), ['a-shared']);
        const vs = await f.call(who, 'GET', `${M}/model-versions/search`);
        assert.deepEqual((vs.body.model_versions ?? []).map((v: { name: string }) => v.name), ['a-shared']);
        expect(await f.call(who, 'GET', `${M}/model-versions/get?name=a-model&version=1`), 404, 'RESOURCE_DOES_NOT_EXIST');
        expect(await f.call(who, 'GET', `${M}/registered-models/alias?name=a-model&alias=champion`), 404, 'RESOURCE_DOES_NOT_EXIST');
        expect(await f.call(who, 'POST', `${M}/registered-models/alias`, { name: 'a-model', alias: 'champion', version: '1' }), 404, 'RESOURCE_DOES_NOT_EXIST');
        expect(await f.call(who, 'GET', `${M}/model-versions/get-download-uri?name=a-model&version=1`), 404, 'RESOURCE_DOES_NOT_EXIST');
      }
      expect(await f.call('bob', 'GET', '/api/v1/models/a-model'), 404);
      expect(await f.call('bob', 'GET', '/api/v1/models/a-model/versions/1'), 404);
      const list = await f.call('bob', 'GET', '/api/v1/models');
      assert.deepEqual(list.body.models.map((m: { name: string }) => m.name), ['a-shared']);
    });

    test('internal: readable, not writable by another team; a viewer reads only; an admin does all', async () => {
      expect(await f.call('bob', 'GET', `${M}/registered-models/get?name=a-shared`), 200);
      expect(await f.call('bob', 'POST', `${M}/registered-models/alias`, { name: 'a-shared', alias: 'champion', version: '1' }), 403, 'PERMISSION_DENIED');
      expect(await f.call('bob', 'POST', `${M}/model-versions/create`, { name: 'a-shared', source: 's' }), 403, 'PERMISSION_DENIED');
      expect(await f.call('bob', 'PUT', '/api/v1/models/a-shared/versions/1/card', { card: { modelDetails: 'x' } }), 403);
      expect(await f.call('alice', 'PUT', '/api/v1/models/a-shared/versions/1/card', { card: { modelDetails: 'x' } }), 200);
      expect(await f.call('vera', 'GET', `${M}/registered-models/get?name=a-model`), 200);
      expect(await f.call('vera', 'POST', `${M}/registered-models/set-tag`, { name: 'a-model', key: 'k', value: 'v' }), 403, 'PERMISSION_DENIED');
      expect(await f.call('alice', 'DELETE', `${M}/registered-models/delete`, { name: 'a-model' }), 403, 'PERMISSION_DENIED');
      const s = await f.call('root', 'GET', `${M}/registered-models/search`);
      assert.deepEqual(names(s).sort(), ['a-model', 'a-shared']);
      expect(await f.call('root', 'POST', `${M}/registered-models/alias`, { name: 'a-model', alias: 'prod', version: '1' }), 200);
    });

    test('visibility changes by its tag, by a maintainer of the owner team', async () => {
      const setVis = (who: 'alice' | 'root', value: string) => f.call(who, 'POST', `${M}/registered-models/set-tag`, { name: 'a-model', key: 'flywheel.visibility', value });
      expect(await setVis('alice', 'internal'), 403, 'PERMISSION_DENIED');
      expect(await setVis('root', 'internal'), 200);
      expect(await f.call('bob', 'GET', `${M}/registered-models/get?name=a-model`), 200);
      expect(await f.call('bob', 'POST', `${M}/registered-models/alias`, { name: 'a-model', alias: 'x', version: '1' }), 403, 'PERMISSION_DENIED');
      expect(await setVis('root', 'private'), 200);
      expect(await f.call('bob', 'GET', `${M}/registered-models/get?name=a-model`), 404, 'RESOURCE_DOES_NOT_EXIST');
    });
  });
}
