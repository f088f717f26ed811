// CSV as spreadsheets read it (RFC 4180), for every list the auditors export.
//   input:  a header row and rows of cells (text, numbers, booleans, lists; absent = empty)
//   output: CRLF-separated records; a cell holding `,`, `"`, a line break or leading/trailing space is
//           quoted with inner quotes doubled; with `bom`, a UTF-8 byte-order mark first, because Excel reads
//           a CSV without one in the system code page and garbles Japanese
export type CsvCell = string | number | boolean | null | undefined | readonly string[];

export const UTF8_BOM = '\uFEFF';

export function csvCell(value: CsvCell): string {
  if (value === null || value === undefined) return '';
  const text = Array.isArray(value) ? value.join(';') : String(value);
  // A leading =, +, - or @ makes a spreadsheet run the cell as a formula; a quote mark keeps it text.
  const safe = /^[=+\-@\t\r]/.test(text) && !/^-?\d+(\.\d+)?$/.test(text) ? `'${text}` : text;
  return /[",\r\n]|^\s|\s$/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

export function csvRecord(cells: readonly CsvCell[]): string {
  return `${cells.map(csvCell).join(',')}\r\n`;
}

export function toCsv(
  header: readonly string[],
  rows: Iterable<readonly CsvCell[]>,
  options: { bom?: boolean } = {},
): string {
  let out = ((options.bom ?? true) ? UTF8_BOM : '') + csvRecord(header);
  for (const row of rows) out += csvRecord(row);
  return out;
}
