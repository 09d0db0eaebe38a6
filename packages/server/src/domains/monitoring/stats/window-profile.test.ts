import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DomainError } from '@flywheel/contract';
import { decileEdges } from './binned.js';
import { binnedDrift } from './numeric-drift.js';
import { meanAndStd, sortedSample } from './sample.js';
import { assertClose } from './test-support/close.js';
import { numericPairs } from './test-support/datasets.js';
import { binnedDriftFromProfiles, mergeNumericProfiles, profileNumeric } from './window-profile.js';

describe('mergeable numeric window profiles', () => {
  const { reference, current } = numericPairs().small;
  const edges = decileEdges(sortedSample('reference', reference).sorted);

  it('merged window profiles give the PSI and JS of the raw rows, and the same mean and spread', () => {
    const withGaps = [...current.slice(0, 200), null, Number.NaN, ...current.slice(200)];
    const parts = [withGaps.slice(0, 101), withGaps.slice(101, 400), withGaps.slice(400)];
    const merged = mergeNumericProfiles(parts.map((p) => profileNumeric(p, edges)));
    const whole = profileNumeric(withGaps, edges);
    assert.deepEqual(merged.binCounts, whole.binCounts);
    assert.equal(merged.count, current.length);
    assert.equal(merged.missing, 2);
    assert.equal(merged.min, Math.min(...current));
    assert.equal(merged.max, Math.max(...current));
    const { mean, std } = meanAndStd(Float64Array.from(current));
    assertClose(merged.mean!, mean, 1e-12, 'mean');
    assertClose(Math.sqrt(merged.m2 / merged.count), std, 1e-12, 'std');
    const fromProfiles = binnedDriftFromProfiles(profileNumeric(reference, edges), merged);
    const fromRows = binnedDrift(reference, current);
    assert.deepEqual(fromProfiles.currentShares, fromRows.currentShares);
    assert.equal(fromProfiles.psi, fromRows.psi);
    assert.equal(fromProfiles.jsDistance, fromRows.jsDistance);
  });

  it('refuses profiles over different edges', () => {
    const a = profileNumeric([1, 2, 3], [2]);
    const b = profileNumeric([1, 2, 3], [2.5]);
    assert.throws(() => mergeNumericProfiles([a, b]), (e: unknown) => e instanceof DomainError && e.code === 'INVALID_INPUT');
    assert.throws(() => profileNumeric([1], [3, 2]), (e: unknown) => e instanceof DomainError && e.details?.field === 'edges');
  });
});
