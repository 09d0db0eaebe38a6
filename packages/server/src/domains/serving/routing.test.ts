import { test } from 'node:test';
import assert from 'node:assert/strict';
import { rendezvousPick, unitHash, weightedRandomPick } from './routing.js';

const keys = Array.from({ length: 20000 }, (_, i) => `user-${i}`);
const shares = (vs: { name: string; weight: number }[]) => {
  const n = new Map<string, number>();
  for (const k of keys) {
    const v = rendezvousPick(vs, k)!.name;
    n.set(v, (n.get(v) ?? 0) + 1);
  }
  return n;
};

test('routing: unitHash is in (0, 1) and stable', () => {
  for (const k of keys.slice(0, 1000)) {
    const u = unitHash('a', k);
    assert.ok(u > 0 && u < 1);
    assert.equal(u, unitHash('a', k));
  }
});

test('routing: weighted rendezvous splits keys by weight', () => {
  const n = shares([{ name: 'a', weight: 20 }, { name: 'b', weight: 30 }, { name: 'c', weight: 50 }]);
  assert.ok(Math.abs(n.get('a')! / keys.length - 0.2) < 0.02, String(n.get('a')));
  assert.ok(Math.abs(n.get('b')! / keys.length - 0.3) < 0.02, String(n.get('b')));
  assert.ok(Math.abs(n.get('c')! / keys.length - 0.5) < 0.02, String(n.get('c')));
});

test('routing: two variants, 50/50 → 80/20: only keys of the shrinking variant move, and only as many as must', () => {
  const before = [{ name: 'a', weight: 50 }, { name: 'b', weight: 50 }];
  const after = [{ name: 'a', weight: 80 }, { name: 'b', weight: 20 }];
  let moved = 0;
  for (const k of keys) {
    const x = rendezvousPick(before, k)!.name;
    const y = rendezvousPick(after, k)!.name;
    if (x === y) continue;
    moved++;
    assert.equal(x, 'b', `key ${k} moved away from the growing variant`);
  }
  assert.ok(Math.abs(moved / keys.length - 0.3) < 0.02, String(moved));
});

test('routing: three variants: no key leaves a growing variant or joins a shrinking one', () => {
  const before = [{ name: 'a', weight: 40 }, { name: 'b', weight: 30 }, { name: 'c', weight: 30 }];
  const after = [{ name: 'a', weight: 60 }, { name: 'b', weight: 10 }, { name: 'c', weight: 30 }];
  for (const k of keys) {
    const x = rendezvousPick(before, k)!.name;
    const y = rendezvousPick(after, k)!.name;
    if (x === y) continue;
    assert.notEqual(x, 'a', `key ${k} left the growing variant`);
    assert.notEqual(y, 'b', `key ${k} joined the shrinking variant`);
  }
});

test('routing: weight 0 never wins; weighted random follows weights', () => {
  assert.equal(rendezvousPick([{ name: 'a', weight: 0 }, { name: 'b', weight: 100 }], 'k')!.name, 'b');
  assert.equal(rendezvousPick([{ name: 'a', weight: 0 }], 'k'), undefined);
  let r = 0;
  const seq = () => (r++ % 10) / 10;
  const n = { a: 0, b: 0 };
  for (let i = 0; i < 1000; i++) n[weightedRandomPick([{ name: 'a' as const, weight: 30 }, { name: 'b' as const, weight: 70 }], seq)!.name]++;
  assert.deepEqual(n, { a: 300, b: 700 });
});
