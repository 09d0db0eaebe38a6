import { test } from 'node:test';
import assert from 'node:assert/strict';
import { artifactUrl, parseCsv } from './artifacts.js';

test('CSV previews read quoted fields, doubled quotes, separators and newlines inside quotes, and CRLF', () => {
  const rows = parseCsv('name,note\r\n"Smith, Ada","said ""hi""\nthen left"\r\nBob,\n', ',', 10);
  assert.deepEqual(rows, [
    ['name', 'note'],
    ['Smith, Ada', 'said "hi"\nthen left'],
    ['Bob', ''],
  ]);
  assert.deepEqual(parseCsv('a\tb\n1\t2', '\t', 10), [['a', 'b'], ['1', '2']]);
});

test('a CSV preview stops reading after the rows it shows (plus one, to know there are more)', () => {
  const text = ['h', ...Array.from({ length: 1000 }, (_, i) => String(i))].join('\n');
  assert.equal(parseCsv(text, ',', 5).length, 6);
});

test("a run's files are fetched through the artifact proxy; artifacts stored elsewhere have no URL", () => {
  assert.equal(artifactUrl('mlflow-artifacts:/3/abc/artifacts', 'eval/roc curve.png'), '/api/2.0/mlflow-artifacts/artifacts/3/abc/artifacts/eval/roc%20curve.png');
  assert.equal(artifactUrl('mlflow-artifacts://server:5000/3/abc/artifacts/', 'notes.txt'), '/api/2.0/mlflow-artifacts/artifacts/3/abc/artifacts/notes.txt');
  assert.equal(artifactUrl('s3://bucket/3/abc/artifacts', 'notes.txt'), null);
});
