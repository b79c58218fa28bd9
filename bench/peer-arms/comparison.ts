/**
 * The side-by-side figures: this project beside each peer arm, measured in the same run, and their ratio. Kept in
 * `.bench-results/peers.json` (not committed) like support/results.ts keeps the headline figures; `bench/summary.ts`
 * prints them as one table at the end of `npm run bench`.
 */
import fs from 'node:fs';
import path from 'node:path';
import { RESULTS_FILE } from '../support/results';

export const PEERS_FILE = path.join(path.dirname(RESULTS_FILE), 'peers.json');

/** The peers measured beside this project. */
export type PeerName = 'create-t3-app way' | 'CopilotKit' | 'Zero';

export interface Comparison {
  /** What is compared, e.g. "tab A commit → tab B DOM, p50". */
  figure: string;
  peer: PeerName;
  /** This project's figure, as printed (with its unit). */
  ours: string;
  /** The peer's figure as printed, or why the arm did not run. */
  theirs: string;
  /** peer ÷ ours of the compared numbers (> 1: this project is that many times smaller/faster); null if not run. */
  ratio: number | null;
  /** The target for the ratio, e.g. "≥ 10×"; "—" without one. */
  target: string;
  /** Whether the ratio meets the target; null without a target or a ratio. */
  met: boolean | null;
  /** The command that reproduces it. */
  bench: string;
}

/** Adds (or replaces, by figure + peer) one comparison. */
export function recordComparison(comparison: Comparison): void {
  const all = readComparisons().filter(
    (existing) => !(existing.figure === comparison.figure && existing.peer === comparison.peer),
  );
  all.push({ ...comparison });
  fs.mkdirSync(path.dirname(PEERS_FILE), { recursive: true });
  fs.writeFileSync(PEERS_FILE, `${JSON.stringify(all, null, 2)}\n`);
}

export function readComparisons(): Comparison[] {
  if (!fs.existsSync(PEERS_FILE)) return [];
  return JSON.parse(fs.readFileSync(PEERS_FILE, 'utf8')) as Comparison[];
}

/** Forgets the comparisons of the previous run (with the headline figures, at the start of `npm run bench`). */
export function clearComparisons(): void {
  fs.rmSync(PEERS_FILE, { force: true });
}

/** "12.3×" (one decimal), or "n/a". */
export function times(ratio: number | null): string {
  return ratio === null || !Number.isFinite(ratio) ? 'n/a' : `${ratio.toFixed(ratio >= 10 ? 0 : 1)}×`;
}

/**
 * A comparison of two timings or sizes where smaller is better: the ratio is theirs ÷ ours, held to
 * `minRatio` when given (e.g. 10 for "≥ 10× faster").
 */
export function compareSmallerIsBetter(input: {
  figure: string;
  peer: PeerName;
  ours: number;
  theirs: number;
  unit: string;
  minRatio?: number;
  bench: string;
  format?: (value: number) => string;
}): Comparison {
  const format = input.format ?? ((value: number) => value.toFixed(1));
  // A ratio of a zero or negative figure means nothing (e.g. "A response → B DOM" is negative when B's push beat
  // A's own answer): no ratio then, and the figures speak for themselves.
  const ratio = input.ours > 0 && input.theirs > 0 ? input.theirs / input.ours : null;
  return {
    figure: input.figure,
    peer: input.peer,
    ours: `${format(input.ours)} ${input.unit}`,
    theirs: `${format(input.theirs)} ${input.unit}`,
    ratio,
    target: input.minRatio === undefined ? '—' : `≥ ${input.minRatio}×`,
    met: input.minRatio === undefined || ratio === null ? null : ratio >= input.minRatio,
    bench: input.bench,
  };
}
