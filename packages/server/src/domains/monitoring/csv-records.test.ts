import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csvRecords } from './csv-records.js';

test('plain, quoted, escaped quotes, CRLF, BOM, blank lines, embedded newlines with start lines', () => {
  const text = '\uFEFFid,value\r\na,1\r\n\r\n"b,c","say ""hi"""\n"multi\nline",[1]\nlast,\n';
  assert.deepEqual(csvRecords(text), [
    { fields: ['id', 'value'], line: 1 },
    { fields: ['a', '1'], line: 2 },
    { fields: ['b,c', 'say "hi"'], line: 4 },
    { fields: ['multi\nline', '[1]'], line: 5 },
    { fields: ['last', ''], line: 7 },
  ]);
  assert.deepEqual(csvRecords('x,"y"'), [{ fields: ['x', 'y'], line: 1 }]);
  assert.deepEqual(csvRecords(''), []);
  assert.deepEqual(csvRecords('"",""\n'), [{ fields: ['', ''], line: 1 }]);
});

test('malformed quoting is INVALID_INPUT naming the line', () => {
  assert.throws(() => csvRecords('a,b\nc,"open\n\n'), { code: 'INVALID_INPUT', message: /opened on line 2 is never closed/ });
  assert.throws(() => csvRecords('a,b\n"x"y,1\n'), { code: 'INVALID_INPUT', message: /after a closing quote on line 2/ });
});

test('agrees with a reference split on random well-formed CSV', () => {
  let seed = 7;
  const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const alphabet = ['a', 'b', ',', '"', '\n', ' ', '1'];
  for (let round = 0; round < 200; round++) {
    const rows = Array.from({ length: 1 + Math.floor(rnd() * 5) }, () => Array.from({ length: 3 }, () => Array.from({ length: 1 + Math.floor(rnd() * 6) }, () => alphabet[Math.floor(rnd() * alphabet.length)]).join('')));
    const text = rows.map((r) => r.map((f) => `"${f.replace(/"/g, '""')}"`).join(',')).join(rnd() < 0.5 ? '\n' : '\r\n');
    assert.deepEqual(csvRecords(text).map((r) => r.fields), rows);
  }
});
