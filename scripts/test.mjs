#!/usr/bin/env node
// Runs every *.test.ts under packages/ and bench/ through node:test with tsx. Node 20's test
// runner neither expands globs nor descends into a folder it is given, so the files are listed
// here explicitly. Extra arguments are passed to `node --test` (e.g. a file to run alone).
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
const skip = new Set(['node_modules', 'dist', '.git']);

function find(dir, out = []) {
  for (const name of readdirSync(dir)) {
    if (skip.has(name)) continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) find(p, out);
    else if (name.endsWith('.test.ts')) out.push(relative(root, p));
  }
  return out;
}

const args = process.argv.slice(2);
const files = args.some((a) => a.endsWith('.ts')) ? [] : find(join(root, 'packages')).sort();
if (!args.length && files.length === 0) {
  console.error('no test files found');
  process.exit(1);
}
const r = spawnSync(
  process.execPath,
  ['--conditions=flywheel-source', '--import', 'tsx', '--test', '--test-concurrency=2', ...args, ...files],
  { stdio: 'inherit', cwd: root },
);
process.exit(r.status ?? 1);
