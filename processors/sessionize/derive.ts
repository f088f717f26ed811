// A session record from its timeline: layers, identities, targets, bytes, status. Pure and order-free: the
// same timeline gives the same record whichever order its events arrived in.
import { normalizeAccount } from '../../model/ids.ts';
import { SESSION_LAYERS, type Session, type SessionLayer, type TimelineEntry } from '../../model/session.ts';
import { hostKey, type RegistryView } from '../correlate/registry-view.ts';
import type { CorrelateSettings } from '../correlate/settings.ts';
import { isFailure, isOpening } from './roles.ts';
import type { SessionState } from './state.ts';

const CLOSING: Record<SessionLayer, (e: TimelineEntry) => boolean> = {
  vpn: (e) => e.action === 'vpn_session_end',
  gateway: (e) => e.action === 'gateway_disconnect',
  jump: (e) => e.action === 'rdp_logoff' && e.layer === 'jump',
  target: (e) => e.action === 'rdp_logoff' && e.layer === 'target',
};

const unique = <T>(values: Iterable<T>): T[] => [...new Set(values)];

export function deriveSession(
  state: Omit<SessionState, 'record' | 'due_at'>,
  registry: RegistryView,
  settings: Pick<CorrelateSettings, 'expectedLayers'>,
  updatedAt: string,
): Session {
  const t = state.timeline;
  const first = t[0];
  if (!first) throw new Error(`session ${state.id} has an empty timeline`);
  let lastSeen = first.at;
  const layers = new Set<SessionLayer>();
  const accounts: string[] = [];
  const addresses: string[] = [];
  const targets = new Map<string, string>();
  const logonIds: string[] = [];
  let vpnUser: string | undefined;
  let source: string | undefined;
  let assigned: string | undefined;
  let gateway: string | undefined;
  let jumpHost: string | undefined;
  let established = false;
  let failures = 0;
  let late = false;
  const bytes = { vpn: [0, 0], gateway: [0, 0] };
  const personal = new Set<string>();

  for (const e of t) {
    if (e.at > lastSeen) lastSeen = e.at;
    if (e.late) late = true;
    const failed = isFailure(e);
    if (failed) failures++;
    else layers.add(e.layer);
    if (isOpening(e)) established = true;
    const account = e.account ? normalizeAccount(e.account) : undefined;
    if (account) {
      accounts.push(account);
      if (!failed && e.layer !== 'target') personal.add(account);
    }
    if (e.logon_id && e.host) logonIds.push(`${hostKey(e.host)}|${e.logon_id}`);
    switch (e.layer) {
      case 'vpn':
        if (account && !vpnUser) vpnUser = account;
        if (e.source_ip && !source) source = e.source_ip;
        if (e.assigned_ip) assigned ??= e.assigned_ip;
        if (e.action === 'vpn_session_end') {
          bytes.vpn[0] = (bytes.vpn[0] ?? 0) + (e.bytes_in ?? 0);
          bytes.vpn[1] = (bytes.vpn[1] ?? 0) + (e.bytes_out ?? 0);
        }
        break;
      case 'gateway':
        if (!failed) gateway ??= e.host;
        if (e.source_ip) addresses.push(e.source_ip);
        if (e.target && !registry.jumpHost(e.target)) targets.set(hostKey(e.target), e.target);
        if (e.action === 'gateway_disconnect') {
          bytes.gateway[0] = (bytes.gateway[0] ?? 0) + (e.bytes_in ?? 0);
          bytes.gateway[1] = (bytes.gateway[1] ?? 0) + (e.bytes_out ?? 0);
        }
        if (e.target && registry.jumpHost(e.target)) jumpHost ??= registry.jumpHost(e.target);
        break;
      case 'jump':
        if (!failed && e.host) jumpHost = registry.jumpHost(e.host) ?? jumpHost ?? e.host;
        if (e.source_ip && !registry.gateway(e.source_ip) && !registry.jumpHost(e.source_ip))
          addresses.push(e.source_ip);
        if (e.target) targets.set(hostKey(e.target), e.target);
        break;
      case 'target':
        if (e.host && !failed) targets.set(hostKey(e.host), e.host);
        if (e.source_ip && !registry.gateway(e.source_ip) && !registry.jumpHost(e.source_ip))
          addresses.push(e.source_ip);
        break;
    }
  }

  // The outermost layer seen decides how the session ends: a VPN session ends with the VPN.
  const outermost = SESSION_LAYERS.find((l) => layers.has(l));
  let end: string | undefined;
  let closedBy: Session['closed_by'];
  if (state.inactive_since) {
    end = state.inactive_since;
    closedBy = 'inactivity';
  } else if (outermost) {
    const closing = CLOSING[outermost];
    for (const e of t) if (closing(e) && (end === undefined || e.at > end)) end = e.at;
    if (end !== undefined) closedBy = 'end_event';
  }
  const status: Session['status'] = state.merged_into ? 'merged' : end !== undefined ? 'closed' : 'open';

  // Coverage: every expected layer outside the deepest one seen should have been seen too.
  const deepest = Math.max(-1, ...[...layers].map((l) => SESSION_LAYERS.indexOf(l)));
  const gaps = established
    ? settings.expectedLayers.filter((l) => SESSION_LAYERS.indexOf(l) < deepest && !layers.has(l))
    : [];

  const operators = unique([...personal].flatMap((a) => registry.operatorsOf(a).map((o) => o.id)));
  const operator = operators.length === 1 ? operators[0] : undefined;
  let vendor = registry.operator(operator)?.vendor;
  if (!vendor) {
    const byAccount = unique([...personal].map((a) => registry.vendorOfAccount(a)).filter((v) => v));
    if (byAccount.length === 1) vendor = byAccount[0];
  }
  if (!vendor && source) {
    const bySource = registry.vendorsOfSource(source);
    if (bySource.length === 1) vendor = bySource[0]?.id;
  }

  const record: Session = {
    id: state.id,
    status,
    start: first.at,
    last_seen: lastSeen,
    established,
    layers: SESSION_LAYERS.filter((l) => layers.has(l)),
    coverage_gaps: gaps,
    accounts: unique(accounts),
    source: source ? { ip: source } : {},
    addresses: unique(addresses.filter((a) => a !== source)),
    targets: [...targets.values()],
    logon_ids: unique(logonIds),
    bytes_in: Math.max(bytes.vpn[0] ?? 0, bytes.gateway[0] ?? 0),
    bytes_out: Math.max(bytes.vpn[1] ?? 0, bytes.gateway[1] ?? 0),
    auth_failures: failures,
    late,
    evidence: t.map((e) => e.id),
    timeline: t,
    truncated: state.truncated,
    findings: state.findings,
    notices: [...state.notices].sort(),
    updated_at: updatedAt,
  };
  const optional: Partial<Session> = {
    merged_into: state.merged_into,
    closed_by: status === 'merged' ? undefined : closedBy,
    end: status === 'merged' ? undefined : end,
    vendor,
    operator,
    vpn_user: vpnUser,
    assigned_ip: assigned,
    gateway,
    jump_host: jumpHost,
    duration_s: end !== undefined ? (Date.parse(end) - Date.parse(first.at)) / 1000 : undefined,
    approval_id: state.approval_id,
    shard: state.shard,
  };
  for (const [k, v] of Object.entries(optional)) if (v !== undefined) Object.assign(record, { [k]: v });
  return record;
}
