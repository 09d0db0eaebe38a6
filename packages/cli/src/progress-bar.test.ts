import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ProgressBar } from './progress-bar.js';

test('the bar counts bytes through its stream and draws only on a terminal', async () => {
  let tty = '';
  const bar = new ProgressBar('uploading x.csv', 3_000_000, { isTTY: true, write: (s: string) => ((tty += s), true) });
  let through = 0;
  await pipeline(
    Readable.from([Buffer.alloc(1_000_000), Buffer.alloc(2_000_000)]),
    bar.counter(),
    new Writable({
      write(chunk: Buffer, _e, cb) {
        through += chunk.length;
        cb();
      },
    }),
  );
  bar.done('done');
  assert.equal(through, 3_000_000, 'every byte passes through unchanged');
  assert.match(tty, /uploading x\.csv \[#{24}\] 100% 3\.0\/3\.0 MB done\n$/);
  assert.equal(new ProgressBar('half', 10, { write: () => true }, false).render(10), 'half [----------]   0% 0.0/0.0 MB');
  let piped = '';
  const quiet = new ProgressBar('quiet', 10, { isTTY: false, write: (s: string) => ((piped += s), true) });
  quiet.tick(10);
  quiet.done('done');
  assert.equal(piped, '', 'nothing is drawn in a pipe or a log');
});
