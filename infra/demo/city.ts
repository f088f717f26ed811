// The city of the scenarios: its registry (in the Registry YAML of DESIGN.md §8) and its approvals.
import { parseRegistryYaml } from '../../collectors/ledger/registry-yaml.ts';
import type { Approval } from '../../model/approval.ts';
import type { RegistryRecord } from '../../model/registry.ts';
import { fromTokyoWallClock } from '../../model/tokyo-time.ts';
import { plus, Scenario, type RawLine } from './scenario.ts';

export const REGISTRY_YAML = `
vendors:
  - { id: vendor-a, name: 株式会社サンプル保守, frozen: false, sources: [203.0.113.0/28] }
  - { id: vendor-b, name: 北見システム株式会社, frozen: false, sources: [198.51.100.0/28] }
operators:
  - { id: op-yamada, name: 山田太郎, vendor: vendor-a, accounts: [vnd_yamada] }
  - { id: op-sato, name: 佐藤花子, vendor: vendor-a, accounts: [vnd_sato] }
  - { id: op-suzuki, name: 鈴木一郎, vendor: vendor-b, accounts: [vnd_suzuki] }
jump_hosts:    [ { name: JUMP01, ip: 10.20.0.5 } ]
gateways:      [ { name: RDGW01, ip: 10.20.0.6 } ]
internal_networks: [10.20.0.0/16]
vpn_pools:     [10.99.0.0/24, 192.168.100.0/24]
generic_accounts: [administrator, admin, guest, hoshu, maint, vendor]
limits: { max_concurrent_sessions: 2, max_session_minutes: 480, idle_minutes: 30 }
`;

export function cityRegistry(yaml = REGISTRY_YAML): RegistryRecord[] {
  const doc = parseRegistryYaml(yaml);
  if (doc.errors.length > 0) throw new Error(JSON.stringify(doc.errors));
  return doc.records;
}

const iso = (local: string) => new Date(fromTokyoWallClock(local)).toISOString();

export function approval(o: {
  id: string;
  start: string;
  end: string;
  vendor?: string;
  operator?: { id: string; name: string; account: string };
  targets?: string[];
  sources?: string[];
  status?: Approval['status'];
  revokedAt?: string;
  report?: { start: string; end: string; targets: string[]; noDataTakenOut?: boolean };
}): Approval {
  const op = o.operator ?? { id: 'op-yamada', name: '山田太郎', account: 'vnd_yamada' };
  const a: Approval = {
    id: o.id,
    vendor: o.vendor ?? 'vendor-a',
    operators: [{ name: op.name, id: op.id, accounts: [op.account] }],
    targets: o.targets ?? ['APP01'],
    purpose: '障害対応',
    window: { start: iso(o.start), end: iso(o.end) },
    sources: o.sources ?? [],
    status: o.status ?? 'approved',
    approved_by: '情報政策課',
  };
  if (o.revokedAt) a.revoked_at = iso(o.revokedAt);
  if (o.report)
    a.report = {
      actual: { start: iso(o.report.start), end: iso(o.report.end) },
      operators: [op.name],
      targets_touched: o.report.targets,
      no_data_taken_out: o.report.noDataTakenOut ?? true,
    };
  return a;
}

export interface Visit {
  user?: string;
  from?: string;
  assigned?: string;
  logonId?: string;
  /** Japan time the VPN connects; every later step is minutes after it. */
  at: string;
  minutes?: number;
  server?: { name: string; ip: string };
}

/**
 * One complete, proper maintenance visit: ASA VPN → RD Gateway → jump terminal → one server, then out in
 * reverse order. `minutes` is how long it lasts.
 */
export function visit(s: Scenario, v: Visit): Scenario {
  const user = v.user ?? 'vnd_yamada';
  const from = v.from ?? '203.0.113.5';
  const assigned = v.assigned ?? '10.99.0.12';
  const logonId = v.logonId ?? '0x3a1f2';
  const server = v.server ?? { name: 'APP01.city.local', ip: '10.20.1.21' };
  const len = v.minutes ?? 60;
  const t = (m: number) => plus(v.at, m);
  return s
    .asaConnect(t(0), { user, from, assigned })
    .gateway(300, t(0.5), { user, client: assigned, resource: 'JUMP01.city.local' })
    .gateway(302, t(0.6), { user, client: assigned, resource: 'JUMP01.city.local' })
    .logon(t(1), 'JUMP01.city.local', { user, from: '10.20.0.6', logonId })
    .onward(t(2), 'JUMP01.city.local', { user, logonId, server: server.name, serverIp: server.ip })
    .logon(t(2.1), server.name, { user, from: '10.20.0.5', logonId: `${logonId}1` })
    .logoff(t(len - 3), server.name, { user, logonId: `${logonId}1` })
    .logoff(t(len - 2), 'JUMP01.city.local', { user, logonId })
    .gateway(303, t(len - 1), { user, client: assigned, resource: 'JUMP01.city.local' })
    .asaDisconnect(t(len), { user, from });
}

/**
 * A day of the city (2026-10-05): Yamada inside his approval R-0101; Suzuki inside R-0102's hours but on a
 * server it does not name (DB01; R-0102 names APP01); Sato at 08:10 with no approval of her own.
 */
export function cityDay(): { lines: RawLine[]; approvals: Approval[] } {
  const approvals = [
    approval({ id: 'R-0101', start: '2026-10-05 09:00', end: '2026-10-05 12:00' }),
    approval({
      id: 'R-0102',
      start: '2026-10-05 13:00',
      end: '2026-10-05 17:00',
      vendor: 'vendor-b',
      operator: { id: 'op-suzuki', name: '鈴木一郎', account: 'vnd_suzuki' },
    }),
  ];
  let s = visit(new Scenario(), { at: '2026-10-05 09:10', minutes: 50 });
  s = visit(s, {
    at: '2026-10-05 13:20',
    user: 'vnd_suzuki',
    from: '198.51.100.3',
    assigned: '10.99.0.13',
    logonId: '0x4b2',
    server: { name: 'DB01.city.local', ip: '10.20.1.31' },
  });
  s = visit(s, { at: '2026-10-05 08:10', user: 'vnd_sato', assigned: '10.99.0.14', logonId: '0x5c3' });
  return { lines: s.lines, approvals };
}
