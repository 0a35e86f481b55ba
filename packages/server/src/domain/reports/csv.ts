/** RFC 4180 CSV that spreadsheets cannot be tricked into evaluating. */

export type CsvValue = string | number | boolean | null;

/**
 * Cells a spreadsheet would read as a formula (OWASP "CSV injection"): = + - @, and tab or CR,
 * which some spreadsheets strip before looking.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

/** One cell: strings that could start a formula get a leading `'`; quoted when RFC 4180 needs it. */
export const csvCell = (value: CsvValue): string => {
  if (value === null) return '';
  let text = String(value);
  if (typeof value === 'string' && FORMULA_START.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};

/** A header row and the data rows, CRLF line endings (RFC 4180), ending with a line break. */
export const csvDocument = (header: readonly string[], rows: readonly (readonly CsvValue[])[]): string =>
  [header, ...rows].map((row) => row.map(csvCell).join(',')).join('\r\n') + '\r\n';
