import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { DIALECTS } from '../../store/test-support/stores.js';
import { createAccessFixture, type AccessFixture } from '../../http/mlflow/test-support/access-fixture.js';

// Issue 6 for datasets: a team's private dataset (its versions, files, datasheets) is invisible to
// other teams — get, list, versions, download — and internal ones are readable but not writable.

const CSV = 'a,b\n1,2\n3,4\n';

for (const dialect of DIALECTS) {
  describe(`dataset access on ${dialect}`, () => {
    let f: AccessFixture;
    before(async () => {
      f = await createAccessFixture(dialect);
    });
    after(async () => f?.dispose());

    const expect = (r: { status: number; body: any }, status: number) => assert.equal(r.status, status, JSON.stringify(r.body)); // eslint-disable-line @typescript-eslint/no-explicit-any
    const upload = (who: 'alice' | 'bob' | 'vera' | 'multi', name: string, query = '') =>
      f.platform.app.inject({ method: 'POST', url: `/api/v1/datasets/${name}/versions?format=csv${query}`, headers: { authorization: `Bearer ${f.tokens[who]}`, 'content-type': 'text/csv' }, payload: CSV });

    test('created by a member: private to their team, shown with its owner', async () => {
      const c = await f.call('alice', 'POST', '/api/v1/datasets', { name: 'a-data' });
      expect(c, 201);
      assert.equal(c.body.ownerTeam, f.teamIds['team-a']);
      assert.equal(c.body.visibility, 'private');
      expect(await f.call('alice', 'POST', '/api/v1/datasets', { name: 'a-open', visibility: 'internal' }), 201);
      assert.equal((await upload('alice', 'a-data')).statusCode, 201);
      // A first upload creates the dataset, owned the same way.
      assert.equal((await upload('alice', 'a-new')).statusCode, 201);
      const got = await f.call('alice', 'GET', '/api/v1/datasets/a-new');
      assert.equal(got.body.ownerTeam, f.teamIds['team-a']);
      assert.equal(got.body.visibility, 'private');
    });

    test('another team: get, versions, download and list answer as if it did not exist', async () => {
      for (const url of ['/api/v1/datasets/a-data', '/api/v1/datasets/a-data/versions', '/api/v1/datasets/a-data/versions/1', '/api/v1/datasets/a-data/versions/1/download']) {
        expect(await f.call('bob', 'GET', url), 404);
        expect(await f.call('basic:bob', 'GET', url), 404);
      }
      assert.equal((await upload('bob', 'a-data')).statusCode, 404);
      const list = await f.call('bob', 'GET', '/api/v1/datasets');
      assert.deepEqual(list.body.datasets.map((d: { name: string }) => d.name), ['a-open']);
      const mine = await f.call('alice', 'GET', '/api/v1/datasets');
      assert.deepEqual(mine.body.datasets.map((d: { name: string }) => d.name), ['a-data', 'a-new', 'a-open']);
      // The artifact proxy does not hand out dataset files to restricted callers either.
      expect(await f.call('bob', 'GET', '/api/2.0/mlflow-artifacts/artifacts/datasets'), 404);
    });

    test('internal: readable, not writable by others; a viewer reads only; several teams must name one', async () => {
      expect(await f.call('bob', 'GET', '/api/v1/datasets/a-open'), 200);
      assert.equal((await upload('bob', 'a-open')).statusCode, 403);
      expect(await f.call('vera', 'GET', '/api/v1/datasets/a-data/versions/1/download'), 200);
      assert.equal((await upload('vera', 'a-data')).statusCode, 403);
      expect(await f.call('vera', 'PUT', '/api/v1/datasets/a-data/versions/1/datasheet', { motivation: 'x' }), 403);
      const multi = await f.call('multi', 'POST', '/api/v1/datasets', { name: 'm-data' });
      expect(multi, 400);
      assert.match(multi.body.error.message, /ownerTeam/);
      expect(await f.call('multi', 'POST', '/api/v1/datasets', { name: 'm-data', ownerTeam: 'team-b' }), 201);
      assert.equal((await upload('multi', 'm-new')).statusCode, 400);
      assert.equal((await upload('multi', 'm-new', '&ownerTeam=team-a')).statusCode, 201);
      const all = await f.call('root', 'GET', '/api/v1/datasets');
      assert.equal(all.body.datasets.length, 5);
    });
  });
}
