// What reading an approvals file yields, whatever its format: the approvals that are good, and for each
// bad row (or entry) where it is and what is wrong with it. One bad row never stops the good ones.
import type { z } from 'zod';
import type { Approval } from '../../model/approval.ts';
import type { RegistryRecord } from '../../model/registry.ts';

export interface ImportError {
  /** CSV: the spreadsheet row (header = 1). JSON/YAML: the entry's 1-based index; 0 = the whole document. */
  row: number;
  reason: string;
}

export interface ImportResult {
  approvals: Approval[];
  errors: ImportError[];
  /** The row (entry) each approval came from, in the same order, for problems found after reading. */
  rows?: number[];
}

export interface ImportOptions {
  /** Zone of times written without one; default Asia/Tokyo. */
  timezone?: string;
  /** When given, vendor and operator names resolve to registry ids and accounts to their operators. */
  registry?: readonly RegistryRecord[];
  /** Stamped as `updated_at`; default now. */
  now?: Date;
}

export const DEFAULT_TIMEZONE = 'Asia/Tokyo';

/** `operators[0].name` for zod's `['operators', 0, 'name']`. */
export function issuePath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i > 0 ? '.' : ''}${String(p)}`)).join('');
}

/** One line per zod issue, each led by the path of the field it is about. */
export function issueReasons(issues: readonly Pick<z.core.$ZodIssue, 'path' | 'message'>[]): string[] {
  return issues.map((issue) => {
    const path = issuePath(issue.path);
    return path ? `${path}: ${issue.message}` : issue.message;
  });
}
