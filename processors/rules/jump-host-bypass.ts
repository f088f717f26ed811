// jump_host_bypass: a remote logon on an internal server that did not come from a registered jump
// terminal (straight from the VPN, or the gateway sending the connection past the jump terminal).
import { hostKey } from '../correlate/registry-view.ts';
import { isOpening } from '../sessionize/roles.ts';
import { who } from './describe.ts';
import type { Rule, Violation } from './rule.ts';

export const jumpHostBypass: Rule = {
  id: 'jump_host_bypass',
  severity: 'high',
  check(session, { registry }) {
    const w = who(session, registry);
    const byHost = new Map<string, { host: string; evidence: string[]; from: string }>();
    for (const e of session.timeline) {
      if (!isOpening(e)) continue;
      let host: string | undefined;
      let from: string | undefined;
      if (e.layer === 'target' && e.host && e.source_ip && !registry.jumpHost(e.source_ip)) {
        host = e.host;
        from = e.source_ip;
      } else if (
        e.layer === 'gateway' &&
        e.target &&
        !registry.jumpHost(e.target) &&
        registry.knowsJumpHosts
      ) {
        host = e.target;
        from = e.host ? `RD Gateway ${e.host}` : 'RD Gateway';
      }
      if (!host || !from) continue;
      const key = hostKey(host);
      const seen = byHost.get(key) ?? { host, evidence: [], from };
      seen.evidence.push(e.id);
      byHost.set(key, seen);
    }
    const out: Violation[] = [];
    for (const [key, { host, evidence, from }] of byHost)
      out.push({
        subject: `host:${key}`,
        evidence,
        host,
        message: `${w.ja} が踏み台端末を経由せずに ${from} から ${host} へ接続しました。`,
        message_en: `${w.en} reached ${host} from ${from} without going through a registered jump terminal.`,
      });
    return out;
  },
};
