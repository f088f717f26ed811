// Which approval covers a session: one naming the session's operator or accounts (or its VPN user among
// the sources), of the session's vendor, approved, whose window holds the session's start. A revoked
// approval still covers what started before the revocation; from then on it covers nothing.
import type { Approval } from '../../model/approval.ts';
import type { Session } from '../../model/session.ts';
import type { LedgerView } from '../correlate/ledger-view.ts';
import type { RegistryView } from '../correlate/registry-view.ts';
import type { Cover } from './rule.ts';

export function coverOf(
  session: Session,
  ledger: LedgerView,
  registry: RegistryView,
  graceMinutes: number,
): Cover {
  const names = session.vpn_user ? [...session.accounts, session.vpn_user] : session.accounts;
  const sameVendor = (a: Approval) =>
    !session.vendor ||
    a.vendor === session.vendor ||
    registry.vendorByIdOrName(a.vendor)?.id === session.vendor;
  const candidates = ledger.candidates(names, session.operator).filter(sameVendor);
  if (candidates.length === 0) return { kind: 'none' };

  const start = Date.parse(session.start);
  const grace = graceMinutes * 60_000;
  const inWindow = candidates
    .filter((a) => Date.parse(a.window.start) - grace <= start && start <= Date.parse(a.window.end) + grace)
    // The latest window that began before the session, then the id: always the same choice.
    .sort((a, b) =>
      a.window.start > b.window.start ? -1 : a.window.start < b.window.start ? 1 : a.id < b.id ? -1 : 1,
    );
  const valid = inWindow.find(
    (a) =>
      a.status === 'approved' ||
      a.status === 'completed' ||
      (a.status === 'revoked' && a.revoked_at !== undefined && start < Date.parse(a.revoked_at)),
  );
  if (valid) return { kind: 'covered', approval: valid };
  const revoked = inWindow.find((a) => a.status === 'revoked');
  if (revoked) return { kind: 'revoked', approval: revoked };
  const requested = inWindow.find((a) => a.status === 'requested');
  if (requested) return { kind: 'not_approved', approval: requested };
  // The nearest window of this operator, to tell the officer how far off the session was.
  const nearest = [...candidates].sort(
    (a, b) => distance(a, start) - distance(b, start) || (a.id < b.id ? -1 : 1),
  )[0];
  return nearest ? { kind: 'outside_window', approval: nearest } : { kind: 'none' };
}

function distance(a: Approval, at: number): number {
  const s = Date.parse(a.window.start);
  const e = Date.parse(a.window.end);
  return at < s ? s - at : at > e ? at - e : 0;
}
