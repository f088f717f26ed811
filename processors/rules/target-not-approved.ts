// target_not_approved: the session reached a server that its approval does not list.
import { hostKey } from '../correlate/registry-view.ts';
import { who } from './describe.ts';
import type { Rule, Violation } from './rule.ts';

export const targetNotApproved: Rule = {
  id: 'target_not_approved',
  severity: 'high',
  check(session, { cover, registry }) {
    if (cover.kind !== 'covered') return [];
    const approved = new Set(cover.approval.targets.map((t) => hostKey(t)));
    const w = who(session, registry);
    const out: Violation[] = [];
    for (const target of session.targets) {
      const key = hostKey(target);
      if (approved.has(key) || approved.has(target.toLowerCase()) || registry.jumpHost(target)) continue;
      const evidence = session.timeline
        .filter(
          (e) =>
            (e.target && hostKey(e.target) === key) ||
            (e.layer === 'target' && e.host && hostKey(e.host) === key),
        )
        .map((e) => e.id);
      out.push({
        subject: `host:${key}`,
        evidence: evidence.length > 0 ? evidence : [session.evidence[0] ?? session.id],
        host: target,
        message: `${w.ja} が申請 ${cover.approval.id} に記載のないサーバ ${target} に接続しました。`,
        message_en: `${w.en} connected to ${target}, which approval ${cover.approval.id} does not list.`,
      });
    }
    return out;
  },
};
