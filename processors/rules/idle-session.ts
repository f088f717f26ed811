// idle_session: a session left without anyone at it — a remote desktop disconnected and neither resumed
// nor logged off within the idle limit, a VPN connection that never went on to any server, or a session
// that simply fell silent until the inactivity timeout closed it. (Windows logs no keystrokes: a long
// session with nothing logged between logon and logoff is not idle by itself.)
import { minutes, who } from './describe.ts';
import { effectiveEnd, limitsOf } from './limits.ts';
import type { Rule, Violation } from './rule.ts';

const RESUMING = new Set(['rdp_reconnect', 'rdp_logoff', 'rdp_logon', 'logon', 'rdp_auth_success']);

export const idleSession: Rule = {
  id: 'idle_session',
  severity: 'low',
  check(session, { registry, settings, asOf }) {
    if (!session.established) return [];
    const { idleMinutes } = limitsOf(registry, settings);
    const limit = idleMinutes * 60_000;
    const end = effectiveEnd(session, asOf);
    const w = who(session, registry);
    const out: Violation[] = [];
    const t = session.timeline;
    for (let i = 0; i < t.length; i++) {
      const d = t[i];
      if (!d || d.action !== 'rdp_disconnect') continue;
      const resumed = t.slice(i + 1).find((e) => RESUMING.has(e.action) && e.host === d.host);
      const gap = (resumed ? Date.parse(resumed.at) : end) - Date.parse(d.at);
      if (gap < limit) continue;
      // Still disconnected in an open session: the gap grows, so the message gives the limit, not the gap.
      const settled = resumed !== undefined || session.status !== 'open';
      out.push({
        subject: `disconnected:${d.host ?? ''}`,
        evidence: [d.id],
        host: d.host,
        message: settled
          ? `${w.ja} のリモートデスクトップが切断されたまま ${minutes(gap)} 分放置されました（上限 ${idleMinutes} 分）。`
          : `${w.ja} のリモートデスクトップが切断されたまま ${idleMinutes} 分以上放置されています。`,
        message_en: settled
          ? `The remote desktop of ${w.en} stayed disconnected for ${minutes(gap)} min (limit ${idleMinutes} min) without logoff.`
          : `The remote desktop of ${w.en} has stayed disconnected for more than ${idleMinutes} min without logoff.`,
      });
      break;
    }
    const up = end - Date.parse(session.start);
    if (session.layers.length === 1 && session.layers[0] === 'vpn' && up >= limit)
      out.push({
        subject: 'vpn_only',
        evidence: [session.evidence[0] ?? session.id],
        message:
          session.status === 'open'
            ? `${w.ja} の VPN 接続が ${idleMinutes} 分以上、どのサーバにも接続せずに続いています。`
            : `${w.ja} の VPN 接続が ${minutes(up)} 分、どのサーバにも接続せずに続きました。`,
        message_en:
          session.status === 'open'
            ? `The VPN connection of ${w.en} has been up more than ${idleMinutes} min without reaching any server.`
            : `The VPN connection of ${w.en} stayed up ${minutes(up)} min without reaching any server.`,
      });
    if (session.closed_by === 'inactivity')
      out.push({
        subject: 'abandoned',
        evidence: [session.evidence[session.evidence.length - 1] ?? session.id],
        message: `${w.ja} のセッションは終了の記録がないまま無通信になり、無操作タイムアウトで閉じられました。`,
        message_en: `The session of ${w.en} went silent with no end recorded and was closed by the inactivity timeout.`,
      });
    return out;
  },
  nextChange(session, { registry, settings, asOf }) {
    if (session.status !== 'open' || !session.established) return undefined;
    const limit = limitsOf(registry, settings).idleMinutes * 60_000;
    const times: number[] = [];
    const last = session.timeline.findLast((e) => e.action === 'rdp_disconnect');
    if (last) times.push(Date.parse(last.at) + limit);
    if (session.layers.length === 1 && session.layers[0] === 'vpn')
      times.push(Date.parse(session.start) + limit);
    const future = times.filter((t) => t >= asOf);
    return future.length > 0 ? Math.min(...future) + 1 : undefined;
  },
};
