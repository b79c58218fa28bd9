/**
 * Figures that benches hand to the summary table (`bench/summary.ts`, the last step of `npm run bench`). Each bench
 * records its headline figures here as it prints its own tables; they are kept in `.bench-results/latest.json` (not
 * committed) until the next `npm run bench` starts over.
 */
import fs from 'node:fs';
import path from 'node:path';

export const RESULTS_FILE = path.join(process.cwd(), '.bench-results', 'latest.json');

export interface Figure {
  /** The figure as the summary names it, e.g. "tab A commit → tab B DOM (p50 / p99)". */
  figure: string;
  /** 'pglite', 'postgres', or 'build' for figures that do not depend on the database. */
  database: 'pglite' | 'postgres' | 'build';
  /** The measured value as printed, e.g. "6.8 / 16.9 ms". */
  value: string;
  /** The target as printed, e.g. "15 / 50 ms"; "—" when there is none. */
  target: string;
  /** true / false against the target; null when there is no target. */
  met: boolean | null;
  /** Which script measured it, for "reproduce with". */
  bench: string;
  /** The headline number alone (e.g. kB), for benches that compare against it (bench/peers-copilot.ts). */
  amount?: number;
}

/** Adds (or replaces, by figure + database) one figure in the results file. */
export function recordFigure(figure: Figure): void {
  const all = readFigures().filter(
    (existing) => !(existing.figure === figure.figure && existing.database === figure.database),
  );
  all.push({ ...figure });
  fs.mkdirSync(path.dirname(RESULTS_FILE), { recursive: true });
  fs.writeFileSync(RESULTS_FILE, `${JSON.stringify(all, null, 2)}\n`);
}

export function readFigures(): Figure[] {
  try {
    return JSON.parse(fs.readFileSync(RESULTS_FILE, 'utf8')) as Figure[];
  } catch {
    return []; // No results yet: an empty summary.
  }
}

/** Starts a new run of `npm run bench`: forgets the previous figures. */
export function clearFigures(): void {
  fs.rmSync(RESULTS_FILE, { force: true });
}
