// The approvals as the rules ask them: which approvals could cover a session of these accounts. Built from
// `rm.approvals` (latest version per id) and indexed by account, operator and VPN user, because a city
// keeps years of approvals and each session asks.
import type { Approval } from '../../model/approval.ts';
import { normalizeAccount } from '../../model/ids.ts';
import { isAddressOrCidr } from '../../model/network.ts';

export class LedgerView {
  private readonly approvals = new Map<string, Approval>();
  private readonly byKey = new Map<string, Set<string>>();

  constructor(approvals: readonly Approval[] = []) {
    for (const a of approvals) this.set(a.id, a);
  }

  /** The latest version of an approval; `undefined` is a tombstone. */
  set(id: string, approval: Approval | undefined): void {
    const previous = this.approvals.get(id);
    if (previous) for (const k of keysOf(previous)) this.byKey.get(k)?.delete(id);
    if (!approval) {
      this.approvals.delete(id);
      return;
    }
    this.approvals.set(id, approval);
    for (const k of keysOf(approval)) {
      let ids = this.byKey.get(k);
      if (!ids) this.byKey.set(k, (ids = new Set()));
      ids.add(id);
    }
  }

  get(id: string | undefined): Approval | undefined {
    return id === undefined ? undefined : this.approvals.get(id);
  }

  get size(): number {
    return this.approvals.size;
  }

  all(): Approval[] {
    return [...this.approvals.values()];
  }

  /** Approvals naming any of these accounts (or VPN users among their sources), or one of the operators. */
  candidates(accounts: readonly string[], operator: string | undefined): Approval[] {
    const ids = new Set<string>();
    for (const a of accounts) for (const id of this.byKey.get(`a:${normalizeAccount(a)}`) ?? []) ids.add(id);
    if (operator) for (const id of this.byKey.get(`o:${operator}`) ?? []) ids.add(id);
    return [...ids].map((id) => this.approvals.get(id)).filter((a): a is Approval => a !== undefined);
  }
}

function keysOf(a: Approval): string[] {
  const keys: string[] = [];
  for (const op of a.operators) {
    for (const acc of op.accounts) keys.push(`a:${normalizeAccount(acc)}`);
    if (op.id) keys.push(`o:${op.id}`);
  }
  // Sources may name VPN users besides addresses.
  for (const s of a.sources) if (!isAddressOrCidr(s)) keys.push(`a:${normalizeAccount(s)}`);
  return keys;
}
