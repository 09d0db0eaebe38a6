#!/usr/bin/env node
// The `flywheel` command. A built checkout runs dist/; a fresh one (before `npm run build`)
// runs the TypeScript sources through tsx, so `npx flywheel` works either way.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const dist = new URL('../dist/bin.js', import.meta.url);
if (existsSync(fileURLToPath(dist))) {
  await import(dist.href);
} else {
  const src = fileURLToPath(new URL('../src/bin.ts', import.meta.url));
  const r = spawnSync(process.execPath, ['--conditions=flywheel-source', '--import', 'tsx', src, ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
