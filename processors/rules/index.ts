// Every session rule of DESIGN.md §6. `unreported_session` and `report_mismatch` are judged per approval,
// by reconciliation (reconcile.ts), since reports arrive long after their sessions.
import { authFailureBurst } from './auth-failure-burst.ts';
import { concurrencyExceeded } from './concurrency-exceeded.ts';
import { fileTransfer } from './file-transfer.ts';
import { frozenVendor } from './frozen-vendor.ts';
import { idleSession } from './idle-session.ts';
import { jumpHostBypass } from './jump-host-bypass.ts';
import { outOfWindow } from './out-of-window.ts';
import { overlongSession } from './overlong-session.ts';
import type { Rule } from './rule.ts';
import { sharedAccount } from './shared-account.ts';
import { targetNotApproved } from './target-not-approved.ts';
import { unregisteredSource } from './unregistered-source.ts';

export const SESSION_RULES: readonly Rule[] = [
  outOfWindow,
  targetNotApproved,
  sharedAccount,
  fileTransfer,
  jumpHostBypass,
  unregisteredSource,
  overlongSession,
  idleSession,
  authFailureBurst,
  concurrencyExceeded,
  frozenVendor,
];

export const RECONCILIATION_SEVERITY = { unreported_session: 'low', report_mismatch: 'medium' } as const;
