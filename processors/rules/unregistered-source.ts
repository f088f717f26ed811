// unregistered_source: a VPN session (or a gateway connection with no VPN in front) from an address the
// approval and the vendor's registration do not allow, or by a VPN user the approval does not name.
import { normalizeAccount } from '../../model/ids.ts';
import { addressMatcher, isAddressOrCidr } from '../../model/network.ts';
import { who } from './describe.ts';
import type { Rule, Violation } from './rule.ts';

/** An approval's source list as a matcher, built once per list. */
const matchers = new Map<string, (ip: string) => boolean>();
function approvalSources(cidrs: readonly string[]): (ip: string) => boolean {
  const key = cidrs.join(',');
  let m = matchers.get(key);
  if (!m) {
    if (matchers.size > 10_000) matchers.clear();
    matchers.set(key, (m = addressMatcher(cidrs)));
  }
  return m;
}

export const unregisteredSource: Rule = {
  id: 'unregistered_source',
  severity: 'high',
  check(session, { cover, registry }) {
    if (!session.established) return [];
    const listed = cover.kind === 'covered' ? cover.approval.sources : [];
    const cidrs = listed.filter(isAddressOrCidr);
    const users = listed.filter((s) => !isAddressOrCidr(s)).map(normalizeAccount);
    let whose = cover.kind === 'covered' ? `申請 ${cover.approval.id}` : '';
    let whoseEn = cover.kind === 'covered' ? `approval ${cover.approval.id}` : '';
    let inside: ((ip: string) => boolean) | undefined;
    if (cidrs.length > 0) inside = approvalSources(cidrs);
    else {
      const vendor = registry.vendor(session.vendor);
      if (registry.hasSources(vendor?.id)) inside = (ip) => registry.isRegisteredSource(ip, vendor?.id);
      whose = vendor ? `${vendor.name} の登録接続元` : '登録された接続元';
      whoseEn = vendor ? `the registered sources of ${vendor.name}` : 'any registered source';
    }
    const w = who(session, registry);
    const out: Violation[] = [];
    const places = session.layers.includes('vpn')
      ? session.source.ip
        ? [{ ip: session.source.ip, layer: 'vpn' as const }]
        : []
      : session.addresses
          .filter((ip) => registry.knowsNetworks && !registry.isInternal(ip) && !registry.inVpnPool(ip))
          .map((ip) => ({ ip, layer: 'gateway' as const }));
    if (inside) {
      for (const { ip, layer } of places) {
        if (inside(ip)) continue;
        const evidence = session.timeline
          .filter((e) => e.layer === layer && e.source_ip === ip)
          .map((e) => e.id);
        out.push({
          subject: `source:${ip}`,
          evidence: evidence.length > 0 ? evidence.slice(0, 10) : [session.evidence[0] ?? session.id],
          message: `${w.ja} が登録外の接続元 ${ip} から接続しました（許可: ${whose}）。`,
          message_en: `${w.en} connected from ${ip}, outside ${whoseEn}.`,
        });
      }
    }
    if (users.length > 0 && session.vpn_user && !users.includes(session.vpn_user)) {
      const evidence = session.timeline.filter((e) => e.layer === 'vpn').map((e) => e.id);
      out.push({
        subject: `vpn_user:${session.vpn_user}`,
        evidence: evidence.slice(0, 10),
        account: session.vpn_user,
        message: `VPN ユーザー ${session.vpn_user} は ${whose} の接続元に含まれていません。`,
        message_en: `VPN user ${session.vpn_user} is not among the sources of ${whoseEn}.`,
      });
    }
    return out;
  },
};
