// RFC 4180 CSV as spreadsheets write it.
//   input:  decoded text; cells separated by `,`, records by CRLF, LF or CR; a cell in double quotes may hold
//           commas, line breaks and doubled quotes (`""`)
//   output: the non-blank records, each with its spreadsheet row number (1-based: a line break inside a
//           quoted cell stays in its row, a blank line is a row of its own), cells as written (not trimmed);
//           and the reason reading stopped early, if it did
export interface CsvRecord {
  row: number;
  cells: string[];
}

export interface CsvText {
  records: CsvRecord[];
  /** A quote that is never closed swallows the rest of the file; the records before it are still good. */
  error?: { row: number; reason: string };
}

export function parseCsv(text: string): CsvText {
  const records: CsvRecord[] = [];
  let row = 1;
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let inQuotes = false;

  const endCell = () => {
    cells.push(cell);
    cell = '';
    quoted = false;
  };
  const endRecord = () => {
    endCell();
    if (cells.some((c) => c.trim() !== '')) records.push({ row, cells });
    cells = [];
    row++;
  };

  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inQuotes) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          cell += '"';
          i++;
        } else inQuotes = false;
      } else if (c === '\r') {
        // A line break inside a cell is one LF, however the file ended its lines.
        cell += '\n';
        if (text[i + 1] === '\n') i++;
      } else cell += c;
    } else if (c === '"' && !quoted && cell.trim() === '') {
      // Spreadsheets never write space before an opening quote, but hand-edited files do.
      cell = '';
      quoted = true;
      inQuotes = true;
    } else if (c === ',') endCell();
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endRecord();
    } else cell += c;
  }
  if (inQuotes)
    return {
      records,
      error: {
        row,
        reason: 'a quoted cell that starts on this row is never closed; the rest of the file is lost',
      },
    };
  if (cell !== '' || cells.length > 0) endRecord();
  return { records };
}
