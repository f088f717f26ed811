// The approvals ledger as JSON or YAML.
//   input:  a list of approvals, or `{ approvals: [...] }`; each entry named as the `Approval` model
//           (model/approval.ts), times with a zone or without (then in `options.timezone`); with a registry,
//           `vendor` may be a registered vendor's name and operators may be given by name or id alone
//   output: the good entries as approvals; each problem of a bad entry with its 1-based index and the field
//           path, e.g. `window.end: window end must be after its start` (row 0: the document as a whole)
//   config: `options.timezone` (Asia/Tokyo), `options.registry`, `options.now` (stamped as `updated_at`)
import { parse as parseYaml } from 'yaml';
import { Approval, WorkReport, type ApprovalStatus } from '../../model/approval.ts';
import { normalizeAccount } from '../../model/ids.ts';
import {
  DEFAULT_TIMEZONE,
  issuePath,
  issueReasons,
  type ImportError,
  type ImportOptions,
  type ImportResult,
} from './import-result.ts';
import { indexRegistry, resolveOperator, resolveVendor, type RegistryIndex } from './resolve.ts';
import { parseLedgerTime } from './times.ts';

export type Checked<T> = { ok: true; value: T } | { ok: false; reasons: string[] };

const REPORT_TIMES = [['actual', 'start'], ['actual', 'end'], ['submitted_at']] as const;
const APPROVAL_TIMES = [
  ['window', 'start'],
  ['window', 'end'],
  ['approved_at'],
  ['revoked_at'],
  ['updated_at'],
  ...REPORT_TIMES.map((path) => ['report', ...path]),
] as const;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Problems found before zod, by field path: zod's own issues on those fields would only repeat them. */
class Problems {
  private readonly byPath = new Map<string, string>();
  add(path: readonly PropertyKey[], reason: string): void {
    this.byPath.set(issuePath(path), reason);
  }
  get size(): number {
    return this.byPath.size;
  }
  reasons(issues: readonly { path: PropertyKey[]; message: string }[] = []): string[] {
    const told = [...this.byPath].map(([path, reason]) => (path ? `${path}: ${reason}` : reason));
    // An issue about the field told of, or about what holds it (a window whose start is unreadable
    // cannot end after it), says nothing new.
    const repeats = (path: string) =>
      [...this.byPath.keys()].some((t) => t === path || t.startsWith(`${path}.`) || t.startsWith(`${path}[`));
    return told.concat(issueReasons(issues.filter((i) => !repeats(issuePath(i.path)))));
  }
}

/** Rewrites the times at `paths` of `entry` (a copy) to UTC; a time that cannot be read is a problem. */
function timesToUtc(entry: Json, paths: readonly (readonly string[])[], zone: string, problems: Problems) {
  for (const path of paths) {
    let node: unknown = entry;
    for (const key of path.slice(0, -1)) node = isObject(node) ? node[key] : undefined;
    const last = path[path.length - 1] as string;
    if (!isObject(node) || typeof node[last] !== 'string') continue;
    const parsed = parseLedgerTime(node[last], zone);
    if (parsed.ok) node[last] = parsed.value;
    else problems.add(path, parsed.reason);
  }
}

/** Operators named by name or id alone get their registry id; nobody's personal account on another's line. */
function resolvePeople(entry: Json, vendor: string, registry: RegistryIndex, problems: Problems): void {
  if (!Array.isArray(entry.operators)) return;
  // Indexed as written, so that a problem's path points at the entry the user wrote.
  const people = entry.operators.flatMap((op: unknown, i) => (isObject(op) ? [[i, op] as const] : []));
  for (const [i, op] of people) {
    const given = typeof op.id === 'string' ? op.id : typeof op.name === 'string' ? op.name : undefined;
    if (given === undefined) continue;
    const person = resolveOperator(given.trim(), vendor, registry);
    if (!person.ok) problems.add(['operators', i], person.reason);
    else if (person.value.id) {
      op.id = person.value.id;
      op.name ??= person.value.name;
    } else if (typeof op.id === 'string')
      problems.add(['operators', i, 'id'], `no registered operator ${op.id}`);
  }
  const listed = new Set(people.map(([, op]) => op.id));
  for (const [i, op] of people) {
    if (!Array.isArray(op.accounts)) continue;
    for (const account of op.accounts.filter((a): a is string => typeof a === 'string')) {
      const owner = registry.accounts.get(normalizeAccount(account))?.operator;
      // A personal account on someone else's line of the approval would make it a shared account.
      if (owner !== undefined && owner !== op.id)
        problems.add(
          ['operators', i, 'accounts'],
          `account ${account} belongs to operator ${owner}${listed.has(owner) ? '' : ', who is not listed on this approval'}`,
        );
    }
  }
}

export interface EntryOptions {
  zone: string;
  registry?: RegistryIndex;
  updatedAt: string;
  /** The status of an entry that names none (the model's own default is `approved`). */
  defaultStatus?: ApprovalStatus;
}

/** One approval as written in a document or a request body: local times, vendor names, registry ids. */
export function approvalFromDocument(value: unknown, options: EntryOptions): Checked<Approval> {
  if (!isObject(value)) return { ok: false, reasons: ['an approval must be a mapping of its fields'] };
  const entry = structuredClone(value);
  const problems = new Problems();
  for (const key of Object.keys(entry)) if (!(key in Approval.shape)) problems.add([key], 'unknown field');
  timesToUtc(entry, APPROVAL_TIMES, options.zone, problems);
  entry.updated_at ??= options.updatedAt;
  if (entry.status === undefined && options.defaultStatus) entry.status = options.defaultStatus;
  if (options.registry && typeof entry.vendor === 'string') {
    const vendor = resolveVendor(entry.vendor.trim(), options.registry);
    if (vendor.ok) {
      entry.vendor = vendor.value;
      resolvePeople(entry, vendor.value, options.registry, problems);
    } else problems.add(['vendor'], vendor.reason);
  }
  const checked = Approval.safeParse(entry);
  if (checked.success && problems.size === 0) return { ok: true, value: checked.data };
  return { ok: false, reasons: problems.reasons(checked.error?.issues) };
}

/** A work report (作業報告) as written in a request body: times with or without a zone. */
export function reportFromDocument(value: unknown, zone: string): Checked<WorkReport> {
  if (!isObject(value)) return { ok: false, reasons: ['a work report must be a mapping of its fields'] };
  const entry = structuredClone(value);
  const problems = new Problems();
  timesToUtc(entry, REPORT_TIMES, zone, problems);
  const checked = WorkReport.safeParse(entry);
  if (checked.success && problems.size === 0) return { ok: true, value: checked.data };
  return { ok: false, reasons: problems.reasons(checked.error?.issues) };
}

export function parseApprovalsDocument(text: string, options: ImportOptions = {}): ImportResult {
  const approvals: Approval[] = [];
  const errors: ImportError[] = [];
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (err) {
    const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
    return { approvals, errors: [{ row: 0, reason: `not readable as JSON or YAML: ${message}` }] };
  }
  if (document === null || document === undefined) return { approvals, errors };
  let entries: unknown[];
  if (Array.isArray(document)) entries = document;
  else if (isObject(document) && Array.isArray(document.approvals)) {
    entries = document.approvals;
    for (const key of Object.keys(document))
      if (key !== 'approvals') errors.push({ row: 0, reason: `${key}: unknown key (only approvals)` });
  } else
    return {
      approvals,
      errors: [
        { row: 0, reason: 'expected a list of approvals, or a mapping with the list under approvals' },
      ],
    };

  const entryOptions: EntryOptions = {
    zone: options.timezone ?? DEFAULT_TIMEZONE,
    registry: options.registry ? indexRegistry(options.registry) : undefined,
    updatedAt: (options.now ?? new Date()).toISOString(),
  };
  const firstOf = new Map<string, number>();
  const rows: number[] = [];
  entries.forEach((value, i) => {
    const row = i + 1;
    const read = approvalFromDocument(value, entryOptions);
    if (!read.ok) return void errors.push(...read.reasons.map((reason) => ({ row, reason })));
    const first = firstOf.get(read.value.id);
    if (first !== undefined)
      return void errors.push({ row, reason: `id ${read.value.id} already appears in entry ${first}` });
    firstOf.set(read.value.id, row);
    approvals.push(read.value);
    rows.push(row);
  });
  return { approvals, errors, rows };
}
