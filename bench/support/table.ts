/**
 * Plain-text tables for the terminal: every bench prints its figures through here so they line up the same way.
 */
import type { Distribution } from './stats';

export type Row = readonly (string | number)[];

/** Prints a titled table; numbers are right-aligned, text left-aligned. */
export function printTable(title: string, header: Row, rows: readonly Row[], notes: readonly string[] = []) {
  const cells = [header, ...rows].map((row) => row.map(String));
  const widths = header.map((_, column) => Math.max(...cells.map((row) => row[column]?.length ?? 0)));
  const numeric = header.map((_, column) => rows.every((row) => isNumberLike(String(row[column] ?? ''))));
  const line = (row: readonly string[]) =>
    row
      .map((cell, column) =>
        numeric[column] ? cell.padStart(widths[column] ?? 0) : cell.padEnd(widths[column] ?? 0),
      )
      .join('  ')
      .trimEnd();
  const rule = widths.map((width) => '─'.repeat(width)).join('  ');
  console.log(`\n${title}`);
  console.log(line(cells[0] ?? []));
  console.log(rule);
  for (const row of cells.slice(1)) console.log(line(row));
  for (const note of notes) console.log(`  ${note}`);
}

function isNumberLike(text: string): boolean {
  return /^[-+]?[\d.,]+( ?(ms|×|\/s|%))?$|^[—-]$|^n\/a$/.test(text);
}

/** Milliseconds with one decimal (two below 1 ms, so sub-millisecond steps stay visible). */
export function ms(value: number): string {
  if (!Number.isFinite(value)) return 'n/a';
  return Math.abs(value) < 1 ? value.toFixed(2) : value.toFixed(1);
}

/** The usual distribution columns of one timing row: n, p50, p95, p99, max. */
export function distributionCells(distribution: Distribution): string[] {
  return [
    String(distribution.n),
    ms(distribution.p50),
    ms(distribution.p95),
    ms(distribution.p99),
    ms(distribution.max),
  ];
}

export const DISTRIBUTION_HEADER = ['n', 'p50 ms', 'p95 ms', 'p99 ms', 'max ms'] as const;

/** "ok" / "MISSED" beside a target, so a reader sees at a glance which figures meet theirs. */
export function verdict(met: boolean): string {
  return met ? 'ok' : 'MISSED';
}
