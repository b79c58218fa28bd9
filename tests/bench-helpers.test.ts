/**
 * The pure helpers behind the bench tables: the side-by-side ratios (bench/peer-arms/comparison.ts), the CPU
 * profile's attribution to packages (bench/support/cpu-profile.ts) and the keypress bench's split of each sample
 * (bench/keypress/segments.ts). The benches themselves are not run in CI.
 */
import { describe, expect, it } from 'vitest';
import { meetsKeypressTarget, splitSamples, type KeypressTimes } from '../bench/keypress/segments';
import { compareSmallerIsBetter, times } from '../bench/peer-arms/comparison';
import { ownerOf } from '../bench/support/cpu-profile';

describe('compareSmallerIsBetter', () => {
  const base = { figure: 'f', peer: 'CopilotKit' as const, unit: 'ms', bench: 'b' };

  it('divides the peer by this project, so above 1 means this project is faster', () => {
    const row = compareSmallerIsBetter({ ...base, ours: 5, theirs: 20 });
    expect(row.ratio).toBe(4);
    expect(row.ours).toBe('5.0 ms');
    expect(row.theirs).toBe('20.0 ms');
    expect(row.target).toBe('—');
    expect(row.met).toBeNull();
  });

  it('holds the ratio to a minimum when the issue sets one', () => {
    expect(compareSmallerIsBetter({ ...base, ours: 2, theirs: 20, minRatio: 10 }).met).toBe(true);
    const missed = compareSmallerIsBetter({ ...base, ours: 5, theirs: 20, minRatio: 10 });
    expect(missed.met).toBe(false);
    expect(missed.target).toBe('≥ 10×');
  });

  it('gives no ratio (and no verdict) when either figure is zero or negative', () => {
    // "A response → B DOM" is negative when B's push beat A's own answer: a ratio of it would mean nothing.
    for (const [ours, theirs] of [
      [5, -0.9],
      [-1, 20],
      [0, 20],
    ] as const) {
      const row = compareSmallerIsBetter({ ...base, ours, theirs, minRatio: 10 });
      expect(row.ratio).toBeNull();
      expect(row.met).toBeNull();
    }
  });

  it('prints ratios with one decimal below 10 and none from 10 on', () => {
    expect(times(1.04)).toBe('1.0×');
    expect(times(4.12)).toBe('4.1×');
    expect(times(10.4)).toBe('10×');
    expect(times(null)).toBe('n/a');
    expect(times(Number.POSITIVE_INFINITY)).toBe('n/a');
  });
});

describe('ownerOf (CPU profile attribution)', () => {
  it('names the package of a node_modules file, scoped or not', () => {
    expect(ownerOf('file:///app/node_modules/@electric-sql/pglite/dist/index.js', 'hn')).toBe(
      '@electric-sql/pglite',
    );
    expect(ownerOf('file:///app/node_modules/pg/lib/client.js', 'query')).toBe('pg');
  });

  it("names the libraries Next compiles into its own folder, and Node's and V8's own time", () => {
    expect(ownerOf('/app/node_modules/next/dist/compiled/next-server/app-page.runtime.prod.js', 'x')).toBe(
      'next (compiled next-server)',
    );
    expect(ownerOf('node:internal/webstreams/writablestream', 'write')).toBe('node: internals');
    expect(ownerOf('wasm://wasm/0123abcd', 'wasm-function[1]')).toBe('WebAssembly');
    expect(ownerOf('', '(garbage collector)')).toBe('(garbage collector)');
    expect(ownerOf('', 'writev')).toBe('(native)');
  });

  it("groups the app's bundled server chunks together", () => {
    expect(ownerOf('file:///tmp/b/.next/server/chunks/_0or0gki_10ic2._.js', '')).toBe('app server chunk');
  });
});

describe('splitSamples (keypress bench)', () => {
  // Epoch ms: A's moments on A's clock, B's on B's clock, which runs 3 ms ahead of A's.
  const sample: KeypressTimes = {
    keyEventAt: 999.5,
    keydownAt: 1000,
    aDomAt: 1001.5,
    requestStartAt: 1009,
    responseStartAt: 1030,
    bFeedAt: 1028 + 3,
    bDomAt: 1033 + 3,
  };

  it("puts B's moments on A's clock before subtracting across tabs", () => {
    const rows = splitSamples([sample], 3);
    expect(rows.keyToBDom).toEqual([33]);
    expect(rows.keyToBFeed).toEqual([28]);
    expect(rows.keyToADom).toEqual([1.5]);
    expect(rows.keyToRequest).toEqual([9]);
    expect(rows.keyToAnswer).toEqual([30]);
    expect(rows.requestToAnswer).toEqual([21]);
    expect(rows.inputDelay).toEqual([0.5]);
  });

  it("keeps a negative answer → B's feed (B's feed beat A's own answer), and B → B needs no offset", () => {
    const rows = splitSamples([sample], 3);
    expect(rows.answerToBFeed).toEqual([-2]);
    expect(rows.bFeedToBDom).toEqual([5]);
    // Ignoring the offset would misplace the cross-tab rows by exactly that much, but not B's own step.
    const uncorrected = splitSamples([sample], 0);
    expect(uncorrected.keyToBDom).toEqual([36]);
    expect(uncorrected.bFeedToBDom).toEqual([5]);
  });

  it('keeps one value per sample in every row, in sample order', () => {
    const later = { ...sample, bDomAt: sample.bDomAt + 10 };
    const rows = splitSamples([sample, later], 3);
    expect(rows.keyToBDom).toEqual([33, 43]);
    for (const values of Object.values(rows)) expect(values).toHaveLength(2);
  });
});

describe('meetsKeypressTarget', () => {
  it('needs both p50 ≤ 25 and p99 ≤ 50 ms; an empty run (NaN) never meets it', () => {
    expect(meetsKeypressTarget({ p50: 25, p99: 50 })).toBe(true);
    expect(meetsKeypressTarget({ p50: 25.1, p99: 40 })).toBe(false);
    expect(meetsKeypressTarget({ p50: 20, p99: 50.1 })).toBe(false);
    expect(meetsKeypressTarget({ p50: Number.NaN, p99: Number.NaN })).toBe(false);
  });
});
