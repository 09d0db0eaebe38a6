import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DomainError } from '@flywheel/contract';
import { decodePageToken, encodePageToken, MAX_PAGE_OFFSET } from './paging.js';

const b64 = (text: string) => Buffer.from(text).toString('base64');

test('decodePageToken round-trips offsets up to the limit', () => {
  assert.equal(decodePageToken(undefined), 0);
  assert.equal(decodePageToken(''), 0);
  assert.equal(decodePageToken(encodePageToken(0)), 0);
  assert.equal(decodePageToken(encodePageToken(MAX_PAGE_OFFSET)), MAX_PAGE_OFFSET);
});

test('decodePageToken refuses huge, unsafe, fractional and negative offsets, naming the field', () => {
  for (const text of ['{"offset":1e300}', `{"offset":${2 ** 60}}`, `{"offset":${MAX_PAGE_OFFSET + 1}}`, '{"offset":1.5}', '{"offset":-1}', '{"offset":"3"}', 'null', 'not json']) {
    assert.throws(
      () => decodePageToken(b64(text), 'pageToken'),
      (e: unknown) => e instanceof DomainError && e.code === 'INVALID_INPUT' && e.message.includes('pageToken'),
      text,
    );
  }
  assert.throws(() => decodePageToken(b64('{"offset":1e300}')), /Invalid page_token/);
  assert.throws(() => decodePageToken(encodePageToken(MAX_PAGE_OFFSET + 1)), /exceeds the limit of 10000000/);
});
