/**
 * Dataset profiling benchmark: profiles a generated CSV (default 1,000,000 rows × 20 columns: 15
 * numeric, 5 categorical) and prints rows/s beside two ceilings measured in the same run on the
 * same file: reading + hashing the bytes alone, and reading + hashing + parsing with csv-parse
 * (what profiling does, minus the profile).
 *
 *   node --conditions=flywheel-source --import tsx bench/datasets/profile.ts
 *   node --conditions=flywheel-source --import tsx bench/datasets/profile.ts --rows 200000
 */
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream, mkdtempSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import os from 'node:os';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { performance } from 'node:perf_hooks';
import { parse } from 'csv-parse';
import { profileCsvFile } from '../../packages/server/src/domains/datasets/dataset-readers.js';
import { seededRandom } from '../../packages/server/src/lib/seeded-random.js';

const { values: args } = parseArgs({ options: { rows: { type: 'string', default: '1000000' } } });
const ROWS = Number(args.rows);
const NUMERIC = 15;
const CATEGORICAL = 5;


async function generate(path: string): Promise<void> {
  const rand = seededRandom(42);
  const out = createWriteStream(path);
  const header = [...Array.from({ length: NUMERIC }, (_, i) => `num_${i}`), ...Array.from({ length: CATEGORICAL }, (_, i) => `cat_${i}`)];
  const cats = Array.from({ length: CATEGORICAL }, (_, i) => Array.from({ length: 5 * 10 ** (i % 3) }, (_, k) => `c${i}_${k}`));
  let buf = header.join(',') + '\n';
  for (let r = 0; r < ROWS; r++) {
    const cells: string[] = [];
    for (let j = 0; j < NUMERIC; j++) {
      const u = rand();
      // a mix: integers, floats with 4 decimals, and ~1% missing
      cells.push(u < 0.01 ? '' : j % 3 === 0 ? String(Math.floor(u * 1000)) : (u * 100 - 50).toFixed(4));
    }
    for (let j = 0; j < CATEGORICAL; j++) {
      const options = cats[j]!;
      cells.push(options[Math.floor(rand() ** 2 * options.length)]!);
    }
    buf += cells.join(',') + '\n';
    if (buf.length > 1 << 20) {
      if (!out.write(buf)) await once(out, 'drain');
      buf = '';
    }
  }
  out.end(buf);
  await once(out, 'finish');
}

async function hashOnly(path: string): Promise<void> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  hash.digest('hex');
}

async function parseOnly(path: string): Promise<number> {
  const hash = createHash('sha256');
  let rows = -1;
  await pipeline(
    createReadStream(path, { highWaterMark: 1 << 20 }),
    new Transform({ transform(c: Buffer, _e, cb) { hash.update(c); cb(null, c); } }),
    parse({ bom: true, skip_empty_lines: true }),
    async (records: AsyncIterable<string[]>) => {
      for await (const record of records) if (record.length) rows++;
    },
  );
  return rows;
}

async function time<T>(fn: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await fn();
  return { ms: performance.now() - t0, value };
}

const dir = mkdtempSync(join(os.tmpdir(), 'fw-bench-datasets-'));
try {
  const path = join(dir, 'data.csv');
  const gen = await time(() => generate(path));
  const mb = statSync(path).size / 1e6;
  console.log(`generated ${ROWS.toLocaleString('en')} rows × ${NUMERIC + CATEGORICAL} columns, ${mb.toFixed(1)} MB in ${(gen.ms / 1000).toFixed(1)} s`);
  console.log(`${os.cpus()[0]?.model ?? 'cpu'}, node ${process.version}\n`);

  const hashed = await time(() => hashOnly(path));
  const parsed = await time(() => parseOnly(path));
  const profiled = await time(() => profileCsvFile(path));
  if (parsed.value !== ROWS || profiled.value.rowCount !== ROWS) throw new Error(`row count mismatch: ${parsed.value} / ${profiled.value.rowCount}`);

  const rate = (ms: number) => Math.round(ROWS / (ms / 1000)).toLocaleString('en').padStart(12);
  const mbps = (ms: number) => (mb / (ms / 1000)).toFixed(0).padStart(5);
  console.log('                                      rows/s    MB/s   seconds');
  console.log(`read + sha256 (ceiling)          ${rate(hashed.ms)}   ${mbps(hashed.ms)}   ${(hashed.ms / 1000).toFixed(2)}`);
  console.log(`read + sha256 + csv-parse (ceil) ${rate(parsed.ms)}   ${mbps(parsed.ms)}   ${(parsed.ms / 1000).toFixed(2)}`);
  console.log(`profileCsvFile (full profile)    ${rate(profiled.ms)}   ${mbps(profiled.ms)}   ${(profiled.ms / 1000).toFixed(2)}`);
  console.log(`\nprofile / parse ceiling: ${((parsed.ms / profiled.ms) * 100).toFixed(0)}%; heap used after: ${(process.memoryUsage().heapUsed / 1e6).toFixed(0)} MB`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
