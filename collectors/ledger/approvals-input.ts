// An approvals file of either kind: the spreadsheet's CSV, or a JSON / YAML document.
//   input:  the file's bytes and its kind (`formatOfFile` tells it from the name, else from the content)
//   output: ImportResult, as the parser of that kind gives it
import { parseApprovalsCsv } from './approvals-csv.ts';
import { parseApprovalsDocument } from './approvals-document.ts';
import { decodeLedgerBytes } from './decode.ts';
import type { ImportOptions, ImportResult } from './import-result.ts';

export type ApprovalsFormat = 'csv' | 'document';

/** `.csv` is CSV and `.json` / `.yaml` / `.yml` a document; otherwise a leading `[`, `{` or `-` is a document. */
export function formatOfFile(name: string, bytes: Buffer): ApprovalsFormat {
  if (/\.csv$/i.test(name)) return 'csv';
  if (/\.(json|ya?ml)$/i.test(name)) return 'document';
  const start = bytes
    .subarray(0, 256)
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .trimStart();
  return /^([[{]|-\s|approvals:)/.test(start) ? 'document' : 'csv';
}

export function parseApprovalsFile(
  bytes: Buffer,
  format: ApprovalsFormat,
  options: ImportOptions = {},
): ImportResult {
  if (format === 'csv') return parseApprovalsCsv(bytes, options);
  const decoded = decodeLedgerBytes(bytes);
  if (!decoded.ok) return { approvals: [], errors: [{ row: 0, reason: decoded.reason }] };
  return parseApprovalsDocument(decoded.text, options);
}
