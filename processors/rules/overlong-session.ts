// overlong_session: a session still going after its approval's window ended, or longer than the city's
// maximum session length. An open session crossing its window end fires then, not at its end.
import { jst, minutes, who } from './describe.ts';
import { effectiveEnd, limitsOf } from './limits.ts';
import type { Rule, Violation } from './rule.ts';

export const overlongSession: Rule = {
  id: 'overlong_session',
  severity: 'medium',
  check(session, { cover, registry, settings, asOf }) {
    if (!session.established) return [];
    const end = effectiveEnd(session, asOf);
    const start = Date.parse(session.start);
    const w = who(session, registry);
    const first = session.evidence[0] ?? session.id;
    const last = session.evidence[session.evidence.length - 1] ?? first;
    const evidence = first === last ? [first] : [first, last];
    // While a session is open its overrun grows by the minute; the finding says so once and gives the
    // figure when the session ends, rather than changing every minute.
    const open = session.status === 'open';
    const out: Violation[] = [];
    if (cover.kind === 'covered') {
      const windowEnd = Date.parse(cover.approval.window.end);
      if (end > windowEnd)
        out.push({
          subject: 'window',
          evidence,
          at: cover.approval.window.end,
          message: open
            ? `${w.ja} のセッションが申請 ${cover.approval.id} の終了時刻 ${jst(windowEnd)} を過ぎても接続中です。`
            : `${w.ja} のセッションが申請 ${cover.approval.id} の終了時刻 ${jst(windowEnd)} を ${minutes(end - windowEnd)} 分超えて続きました。`,
          message_en: open
            ? `The session of ${w.en} is still connected past the end of approval ${cover.approval.id} (${jst(windowEnd)}).`
            : `The session of ${w.en} ran ${minutes(end - windowEnd)} min past the end of approval ${cover.approval.id} (${jst(windowEnd)}).`,
        });
    }
    const { maxMinutes } = limitsOf(registry, settings);
    const length = minutes(end - start);
    if (length > maxMinutes)
      out.push({
        subject: 'duration',
        evidence,
        at: new Date(start + maxMinutes * 60_000).toISOString(),
        message: open
          ? `${w.ja} のセッションが上限 ${maxMinutes} 分を超えて接続中です。`
          : `${w.ja} のセッションが ${length} 分続きました（上限 ${maxMinutes} 分）。`,
        message_en: open
          ? `The session of ${w.en} is still connected beyond the ${maxMinutes} min limit.`
          : `The session of ${w.en} lasted ${length} min (limit ${maxMinutes} min).`,
      });
    return out;
  },
  nextChange(session, { cover, registry, settings, asOf }) {
    if (session.status !== 'open' || !session.established) return undefined;
    const { maxMinutes } = limitsOf(registry, settings);
    const times = [Date.parse(session.start) + maxMinutes * 60_000];
    if (cover.kind === 'covered') times.push(Date.parse(cover.approval.window.end));
    const future = times.filter((t) => t >= asOf);
    return future.length > 0 ? Math.min(...future) + 1 : undefined;
  },
};
