// shared_account: one account is not one person — a generic name (administrator, hoshu, …), an account
// the registry ties to no operator or to several, or one account in use from two places at once.
import { normalizeAccount } from '../../model/ids.ts';
import type { Session } from '../../model/session.ts';
import { isFailure } from '../sessionize/roles.ts';
import { jst, who } from './describe.ts';
import type { Rule, Violation } from './rule.ts';

/** Where a session came from, to tell two places apart: the VPN user and address, else the client address. */
function place(s: Session): string {
  return [s.vpn_user, s.source.ip ?? s.addresses[0]].filter((v) => v).join('@') || s.id;
}

function overlaps(a: Session, b: Session, runningUntil: (s: Session) => number): boolean {
  return Date.parse(a.start) < runningUntil(b) && Date.parse(b.start) < runningUntil(a);
}

export const sharedAccount: Rule = {
  id: 'shared_account',
  severity: 'high',
  check(session, { registry, sameAccounts, runningUntil }) {
    if (!session.established) return [];
    const w = who(session, registry);
    const out: Violation[] = [];
    const used = new Map<string, string[]>();
    const personal = new Set<string>();
    for (const e of session.timeline) {
      if (!e.account || isFailure(e)) continue;
      const a = normalizeAccount(e.account);
      used.set(a, [...(used.get(a) ?? []), e.id]);
      if (e.layer !== 'target') personal.add(a);
    }
    for (const [account, evidence] of used) {
      if (registry.isGeneric(account)) {
        out.push({
          subject: `generic:${account}`,
          evidence,
          account,
          message: `${w.ja} が共用・汎用アカウント ${account} を使用しました。作業者ごとの個人アカウントが必要です。`,
          message_en: `${w.en} used the generic account ${account}; every operator needs a personal account.`,
        });
        continue;
      }
      if (!personal.has(account)) continue;
      const owners = registry.operatorsOf(account);
      if (owners.length !== 1) {
        const many = owners.length > 1;
        out.push({
          subject: `owners:${account}`,
          severity: many ? 'high' : 'medium',
          evidence,
          account,
          message: many
            ? `アカウント ${account} は複数の作業者（${owners.map((o) => o.name).join('、')}）に登録されています。`
            : `アカウント ${account} は登録された作業者に結び付いていません。`,
          message_en: many
            ? `Account ${account} is registered to several operators (${owners.map((o) => o.name).join(', ')}).`
            : `Account ${account} is not tied to a registered operator.`,
        });
      }
    }
    const here = place(session);
    for (const other of sameAccounts()) {
      if (other.id === session.id || !other.established || !overlaps(session, other, runningUntil)) continue;
      const there = place(other);
      if (there === here) continue;
      for (const account of personal) {
        if (!other.accounts.includes(account)) continue;
        const theirs = other.timeline.find((e) => e.account && normalizeAccount(e.account) === account);
        out.push({
          subject: `concurrent:${account}`,
          evidence: [...(used.get(account) ?? []).slice(0, 1), ...(theirs ? [theirs.id] : [])],
          account,
          message: `アカウント ${account} が同時に2か所から使われています（${here} と ${there}、${jst(other.start)} 開始のセッション）。`,
          message_en: `Account ${account} was in use from two places at once (${here} and ${there}, session started ${jst(other.start)}).`,
        });
      }
    }
    return dedupe(out);
  },
};

/** Several concurrent sessions of one account give one finding (the first), not one per pair. */
function dedupe(vs: Violation[]): Violation[] {
  const seen = new Set<string>();
  return vs.filter((v) => {
    const k = v.subject ?? '';
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
