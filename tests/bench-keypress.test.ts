/**
 * The keypress bench's split of each sample (bench/keypress/segments.ts): B's clock correction and the target check.
 * The bench itself is not run in CI; it drives the todo example, and goes with it (scripts/example-files.ts).
 */
import { describe, expect, it } from 'vitest';
import { meetsKeypressTarget, splitSamples, type KeypressTimes } from '../bench/keypress/segments';

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
