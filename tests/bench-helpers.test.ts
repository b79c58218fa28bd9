/**
 * The pure helpers behind the bench tables: the side-by-side ratios (bench/peer-arms/comparison.ts), the CPU
 * profile's attribution to packages (bench/support/cpu-profile.ts). The benches themselves are not run in CI.
 */
import { describe, expect, it } from 'vitest';
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
