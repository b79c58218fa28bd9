/**
 * CSV formula injection (OWASP "CSV Injection"): a spreadsheet opening an exported file runs a cell that starts
 * with `=`, `+`, `-` or `@` as a formula (tab and carriage return start one too in some), so a todo's text could
 * run a formula on the machine of whoever opens the export. Such a cell is written with a leading `'`, which
 * spreadsheets show as text. A text that already starts with `'` gets one more, so that import can remove exactly
 * one and every text survives export then import unchanged.
 */

/** Starts that make a spreadsheet read a cell as a formula, plus the escape itself (so it can be undone). */
const NEEDS_ESCAPE = /^[=+\-@\t\r']/;

/** The text as written to a CSV cell: `'` in front when it could be read as a formula. */
export function escapeFormula(text: string): string {
  return NEEDS_ESCAPE.test(text) ? `'${text}` : text;
}

/** Undoes {@link escapeFormula}: a `'` before a character it escapes is dropped; anything else is kept as is. */
export function unescapeFormula(cell: string): string {
  return cell.startsWith("'") && NEEDS_ESCAPE.test(cell.slice(1)) ? cell.slice(1) : cell;
}
