import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { CONFIG_SOURCES } from './config.js';

const read = (rel: string) => readFileSync(new URL(`../../../../${rel}`, import.meta.url), 'utf8');

test('every setting of CONFIG_SOURCES is in the configuration reference (docs/configuration.md) with its flag and variable', () => {
  const doc = read('docs/configuration.md');
  const missing = CONFIG_SOURCES.filter((s) => !doc.includes(`\`${s.env}\``) || (s.flag && !doc.includes(`\`${s.flag}\``))).map((s) => s.path);
  assert.deepEqual(missing, [], 'document these settings in docs/configuration.md (and the README table)');
});
