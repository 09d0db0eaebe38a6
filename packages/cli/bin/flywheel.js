#!/usr/bin/env node
// The `flywheel` command. A built checkout runs dist/; when there is no build, or the sources
// have changed since it (a development checkout), it runs the TypeScript sources through tsx,
// so `npx flywheel` never runs stale code.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const dist = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const packages = fileURLToPath(new URL('../../', import.meta.url));

function newestSource(dir, newest = 0) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name === 'dist') continue;
    const p = join(dir, entry.name);
    if (entry.isDirectory()) newest = newestSource(p, newest);
    else if (entry.name.endsWith('.ts')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

const srcDirs = ['contract', 'server', 'sdk', 'cli'].map((p) => join(packages, p, 'src')).filter((d) => existsSync(d));
const stale = !existsSync(dist) || (srcDirs.length > 0 && Math.max(...srcDirs.map((d) => newestSource(d))) > statSync(dist).mtimeMs);

if (!stale) {
  await import(new URL('../dist/bin.js', import.meta.url).href);
} else {
  const src = fileURLToPath(new URL('../src/bin.ts', import.meta.url));
  // tsx resolved from this package, so the command works from any directory.
  const tsx = import.meta.resolve('tsx');
  const child = spawn(process.execPath, ['--conditions=flywheel-source', '--import', tsx, src, ...process.argv.slice(2)], { stdio: 'inherit' });
  // Signals reach the real process (a process manager's SIGTERM must stop the server, not orphan it).
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => {
    if (signal) {
      process.removeAllListeners(signal);
      process.kill(process.pid, signal);
    }
    else process.exit(code ?? 1);
  });
}
