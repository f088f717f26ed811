// auth_failure_burst: repeated authentication failures (VPN, gateway, Windows) for one account or from one
// source within a short span: guessing, or a shared password going round.
import { isFailure } from '../sessionize/roles.ts';
import { jst, who } from './describe.ts';
import type { Rule } from './rule.ts';

export const authFailureBurst: Rule = {
  id: 'auth_failure_burst',
  severity: 'medium',
  check(session, { registry, settings }) {
    const failures = session.timeline.filter(isFailure);
    const n = settings.authFailureThreshold;
    if (failures.length < n) return [];
    const span = settings.authFailureWindowMinutes * 60_000;
    // The first run of n failures inside the span, grown to every failure still inside it.
    for (let i = 0; i + n - 1 < failures.length; i++) {
      const first = failures[i];
      const nth = failures[i + n - 1];
      if (!first || !nth || Date.parse(nth.at) - Date.parse(first.at) > span) continue;
      const run = failures.slice(i).filter((e) => Date.parse(e.at) - Date.parse(first.at) <= span);
      const w = who(session, registry);
      const accounts = [...new Set(run.map((e) => e.account).filter((a) => a))];
      return [
        {
          subject: 'burst',
          evidence: run.map((e) => e.id),
          at: nth.at,
          account: accounts.length === 1 ? accounts[0] : undefined,
          message: `${w.ja} の認証失敗が ${jst(first.at)} から ${settings.authFailureWindowMinutes} 分以内に ${run.length} 回ありました（アカウント: ${accounts.join('、') || '不明'}）。`,
          message_en: `${run.length} authentication failures within ${settings.authFailureWindowMinutes} min from ${jst(first.at)} for ${w.en} (accounts: ${accounts.join(', ') || 'unknown'}).`,
        },
      ];
    }
    return [];
  },
};
