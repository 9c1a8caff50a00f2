/**
 * CSV for downloads (the support dashboard, the audit log): RFC 4180 (CRLF lines, fields with a
 * comma, quote or line break are quoted, quotes doubled). Text that a spreadsheet would run as a
 * formula (starting with = + - @, or a tab / carriage return) gets a leading apostrophe first:
 * names and reasons are user input.
 */
export type Cell = string | number | null;

export function csvCell(value: Cell): string {
  if (value === null) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  let s = value;
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export const csvLine = (cells: Cell[]): string => cells.map(csvCell).join(',');
