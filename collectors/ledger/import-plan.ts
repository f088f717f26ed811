// What an import changes in the ledger.
//   input:  the approvals the ledger holds now, and what was read from a file (ImportResult)
//   output: the versions to publish (new approvals, and existing ones the file changes: see `reimport`),
//           how many rows the ledger already held as they are, and the rows refused on top of the file's own
//           problems (a step back in status), all with their row numbers
import type { Approval } from '../../model/approval.ts';
import type { ImportError, ImportResult } from './import-result.ts';
import { LedgerError, reimport, sameApproval } from './ledger.ts';

export interface ImportPlan {
  publish: Approval[];
  unchanged: number;
  errors: ImportError[];
}

export function planImport(
  current: ReadonlyMap<string, Approval>,
  result: ImportResult,
  at: Date = new Date(),
): ImportPlan {
  const plan: ImportPlan = { publish: [], unchanged: 0, errors: [...result.errors] };
  result.approvals.forEach((incoming, i) => {
    const existing = current.get(incoming.id);
    try {
      const next = reimport(existing, incoming, at);
      if (existing && sameApproval(existing, next)) plan.unchanged++;
      else plan.publish.push(next);
    } catch (err) {
      if (!(err instanceof LedgerError)) throw err;
      plan.errors.push({ row: result.rows?.[i] ?? 0, reason: err.message });
    }
  });
  plan.errors.sort((a, b) => a.row - b.row);
  return plan;
}
