// The approvals ledger (申請) as a spreadsheet exports it (DESIGN.md §8).
//   input:  CSV bytes, UTF-8 with or without BOM or Shift_JIS; a header row in Japanese (申請番号, 事業者 or
//           事業者名, 作業者, アカウント, 対象サーバ, 作業目的, 開始日時, 終了日時, 接続元, 承認者, 状態) or English
//           (id, vendor, operators, accounts, targets, purpose, start, end, sources, approved_by, status; any
//           case); then one approval per row, several values of a cell separated by `;` (or `；`)
//   output: the approvals of the good rows, validated with the `Approval` schema; each problem of a bad row
//           with its spreadsheet row number. Unknown columns are reported and ignored; a missing required
//           column, or a file that is not text, is reported against row 1 and nothing is read.
//   config: `options.timezone` for times without a zone (Asia/Tokyo); `options.registry` to resolve vendor
//           and operator names and tie accounts to operators (collectors/ledger/resolve.ts)
import { Approval, type ApprovalStatus } from '../../model/approval.ts';
import { parseCsv } from './csv.ts';
import { decodeLedgerBytes } from './decode.ts';
import {
  DEFAULT_TIMEZONE,
  issueReasons,
  type ImportError,
  type ImportOptions,
  type ImportResult,
} from './import-result.ts';
import { assignAccounts, indexRegistry, resolveOperator, resolveVendor } from './resolve.ts';
import { parseLedgerTime } from './times.ts';

export type { ImportError, ImportOptions, ImportResult } from './import-result.ts';

const COLUMNS = {
  id: ['申請番号'],
  vendor: ['事業者', '事業者名'],
  operators: ['作業者'],
  accounts: ['アカウント'],
  targets: ['対象サーバ'],
  purpose: ['作業目的'],
  start: ['開始日時'],
  end: ['終了日時'],
  sources: ['接続元'],
  approved_by: ['承認者'],
  status: ['状態'],
} as const;
type Column = keyof typeof COLUMNS;
const REQUIRED: readonly Column[] = ['id', 'vendor', 'operators', 'targets', 'start', 'end'];

const STATUSES: Readonly<Record<string, ApprovalStatus>> = {
  承認: 'approved',
  approved: 'approved',
  申請中: 'requested',
  requested: 'requested',
  取消: 'revoked',
  revoked: 'revoked',
  完了: 'completed',
  completed: 'completed',
};

/** Header and cell keywords compare after NFKC, so half-width ｱｶｳﾝﾄ and full-width ＩＤ still match. */
const folded = (s: string) => s.normalize('NFKC').trim().toLowerCase();

function columnOf(header: string): Column | undefined {
  const name = folded(header);
  for (const [column, japanese] of Object.entries(COLUMNS) as [Column, readonly string[]][])
    if (name === column || japanese.some((j) => folded(j) === name)) return column;
  return undefined;
}

const columnName = (column: Column) => `${COLUMNS[column][0]} (${column})`;

/** A cell of several values: `;` or `；` between them; a line break inside the cell works too. */
function listOf(cell: string): string[] {
  return cell
    .split(/[;；\n]/)
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

export function parseApprovalsCsv(bytes: Buffer, options: ImportOptions = {}): ImportResult {
  const zone = options.timezone ?? DEFAULT_TIMEZONE;
  const registry = options.registry ? indexRegistry(options.registry) : undefined;
  const updatedAt = (options.now ?? new Date()).toISOString();
  const errors: ImportError[] = [];
  const approvals: Approval[] = [];
  const rowsOf: number[] = [];

  const decoded = decodeLedgerBytes(bytes);
  if (!decoded.ok) return { approvals, errors: [{ row: 1, reason: decoded.reason }] };
  const csv = parseCsv(decoded.text);
  const [header, ...rows] = csv.records;
  if (!header) return { approvals, errors: csv.error ? [csv.error] : [] };

  // Where each column is, and the name the file gives it: messages use the user's own words.
  const at = new Map<Column, { index: number; label: string }>();
  for (const [index, raw] of header.cells.entries()) {
    const label = raw.trim();
    if (label === '') continue;
    const column = columnOf(label);
    const seen = column && at.get(column);
    if (!column) errors.push({ row: header.row, reason: `unknown column ${label}: ignored` });
    else if (seen)
      return {
        approvals,
        errors: [{ row: header.row, reason: `columns ${seen.label} and ${label} both give ${column}` }],
      };
    else at.set(column, { index, label });
  }
  const missing = REQUIRED.filter((c) => !at.has(c));
  if (missing.length > 0)
    return {
      approvals,
      errors: [
        ...errors,
        {
          row: header.row,
          reason: `missing required column${missing.length > 1 ? 's' : ''} ${missing.map(columnName).join(', ')}; nothing was imported`,
        },
      ],
    };

  const firstRowOf = new Map<string, number>();
  for (const { row, cells } of rows) {
    const problems: string[] = [];
    const label = (c: Column) => at.get(c)?.label ?? c;
    const cell = (c: Column): string => {
      const where = at.get(c);
      return where ? (cells[where.index] ?? '').trim() : '';
    };
    const required = (c: Column): string => {
      const value = cell(c);
      if (value === '') problems.push(`${label(c)} is empty`);
      return value;
    };
    const list = (c: Column): string[] => {
      const values = listOf(cell(c));
      for (const v of values)
        if (/[,、，]/.test(v))
          problems.push(`${label(c)}: ${JSON.stringify(v)} holds a comma; separate several values with ;`);
      return values;
    };
    const time = (c: Column): string | undefined => {
      const text = required(c);
      if (text === '') return undefined;
      const parsed = parseLedgerTime(text, zone);
      if (parsed.ok) return parsed.value;
      problems.push(`${label(c)}: ${parsed.reason}`);
      return undefined;
    };

    const id = required('id');
    if (id !== '') {
      const first = firstRowOf.get(id);
      if (first !== undefined) problems.push(`${label('id')} ${id} already appears on row ${first}`);
      else firstRowOf.set(id, row);
    }
    const vendorText = required('vendor');
    const names = list('operators');
    if (names.length === 0) problems.push(`${label('operators')} is empty`);
    const accounts = list('accounts');
    const targets = list('targets');
    if (targets.length === 0) problems.push(`${label('targets')} is empty`);
    const sources = list('sources');
    const start = time('start');
    const end = time('end');
    if (start && end && Date.parse(end) <= Date.parse(start))
      problems.push(`${label('end')} ${cell('end')} is not after ${label('start')} ${cell('start')}`);
    const statusText = cell('status');
    const status = statusText === '' ? 'approved' : STATUSES[folded(statusText)];
    if (!status)
      problems.push(
        `${label('status')}: unknown status ${statusText} (承認 / approved, 申請中 / requested, 取消 / revoked, 完了 / completed)`,
      );

    let vendor: string | undefined;
    if (vendorText !== '') {
      const resolved = resolveVendor(vendorText, registry);
      if (resolved.ok) vendor = resolved.value;
      else problems.push(`${label('vendor')}: ${resolved.reason}`);
    }
    let operators: unknown = [];
    // Operator names are looked up within the vendor, so they wait until the vendor is known.
    if (vendor !== undefined && names.length > 0) {
      const people: { name: string; id?: string }[] = [];
      for (const name of names) {
        const person = resolveOperator(name, vendor, registry);
        const twice =
          person.ok && people.find((p) => (p.id ?? p.name) === (person.value.id ?? person.value.name));
        if (!person.ok) problems.push(`${label('operators')}: ${person.reason}`);
        else if (twice) problems.push(`${label('operators')}: ${name} is listed twice`);
        else people.push(person.value);
      }
      if (people.length === names.length) {
        const assigned = assignAccounts(people, accounts, registry);
        if (assigned.ok) operators = assigned.value;
        else problems.push(`${label('accounts')}: ${assigned.reason}`);
      }
    }

    if (problems.length === 0) {
      const checked = Approval.safeParse({
        id,
        vendor,
        operators,
        targets,
        purpose: cell('purpose'),
        window: { start, end },
        sources,
        status,
        approved_by: cell('approved_by') || undefined,
        updated_at: updatedAt,
      });
      if (checked.success) {
        approvals.push(checked.data);
        rowsOf.push(row);
      } else problems.push(...issueReasons(checked.error.issues));
    }
    for (const reason of problems) errors.push({ row, reason });
  }
  if (csv.error) errors.push(csv.error);
  return { approvals, errors, rows: rowsOf };
}
