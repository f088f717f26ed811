// concurrency_exceeded: more maintenance sessions at once than the city has terminals for. Fires on the
// session whose start went over the limit.
import { jst, who } from './describe.ts';
import { limitsOf } from './limits.ts';
import type { Rule } from './rule.ts';

export const concurrencyExceeded: Rule = {
  id: 'concurrency_exceeded',
  severity: 'medium',
  check(session, { registry, settings, concurrent }) {
    if (!session.established) return [];
    const start = Date.parse(session.start);
    const { maxConcurrent } = limitsOf(registry, settings);
    // Beside this session, those that held the terminals when it came (the earliest started): listing every
    // session open at once would make the finding grow with their number.
    const { count, earliest } = concurrent(maxConcurrent);
    if (count + 1 <= maxConcurrent) return [];
    const holders = earliest();
    const w = who(session, registry);
    return [
      {
        evidence: [session.evidence[0] ?? session.id, ...holders.map((o) => o.evidence[0] ?? o.id)],
        message: `${jst(start)} に ${w.ja} が接続し、同時接続が ${count + 1} 件になりました（上限 ${maxConcurrent} 件）。`,
        message_en: `When ${w.en} connected at ${jst(start)}, ${count + 1} sessions were open at once (limit ${maxConcurrent}).`,
      },
    ];
  },
};
