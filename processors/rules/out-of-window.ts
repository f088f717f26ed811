// out_of_window: a connection (VPN, gateway or remote logon) that no approved request window covers.
import type { Rule } from './rule.ts';
import { firstOpening, jst, who } from './describe.ts';

export const outOfWindow: Rule = {
  id: 'out_of_window',
  severity: 'high',
  check(session, { cover, registry }) {
    if (!session.established || cover.kind === 'covered') return [];
    const first = firstOpening(session);
    if (!first) return [];
    const w = who(session, registry);
    let ja: string;
    let en: string;
    switch (cover.kind) {
      case 'none':
        ja = '該当する承認済みの申請がありません';
        en = 'no approval covers it';
        break;
      case 'revoked':
        ja = `申請 ${cover.approval.id} は ${jst(cover.approval.revoked_at ?? cover.approval.window.start)} に取り消されています`;
        en = `approval ${cover.approval.id} was revoked at ${jst(cover.approval.revoked_at ?? cover.approval.window.start)}`;
        break;
      case 'not_approved':
        ja = `申請 ${cover.approval.id} はまだ承認されていません`;
        en = `approval ${cover.approval.id} has not been approved`;
        break;
      case 'outside_window': {
        const win = `${jst(cover.approval.window.start)}〜${jst(cover.approval.window.end)}`;
        ja = `申請 ${cover.approval.id} の作業時間 ${win} の外です`;
        en = `it is outside the window of approval ${cover.approval.id} (${win})`;
        break;
      }
    }
    return [
      {
        evidence: [first.id],
        at: first.at,
        account: session.vpn_user ?? session.accounts[0],
        message: `${w.ja} が ${jst(session.start)} に接続しました（${session.layers.join('/')}）。${ja}。`,
        message_en: `${w.en} connected at ${jst(session.start)} (${session.layers.join('/')}); ${en}.`,
      },
    ];
  },
};
