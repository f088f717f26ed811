// What one canonical event says about a maintenance session: which layer it was seen on, whether it opens,
// ends, fails or transfers, and the identities it can be linked by. Events that say nothing about vendor
// access (a city clerk's logon on a file server) give no observation.
import type { CanonicalEvent } from '../../model/event.ts';
import { normalizeAccount } from '../../model/ids.ts';
import type { SessionLayer, TimelineEntry } from '../../model/session.ts';
import { canonicalAddress } from '../../model/network.ts';
import { hostKey, type RegistryView } from '../correlate/registry-view.ts';
import { roleOf, type Role } from './roles.ts';

export interface Observation {
  entry: TimelineEntry;
  role: Role;
  /** May only join a session found through its identities, never open one. */
  joinOnly: boolean;
  /** Normalized account. */
  account?: string;
  hostKey?: string;
  /** The client address as this layer saw it, when it is not one of the city's own relays. */
  clientIp?: string;
  assignedIp?: string;
  /** The registered jump terminal the connection came from. */
  viaJump?: string;
  viaGateway: boolean;
  logonKey?: string;
}

/** Windows' own principals and computer accounts (`HOST$`). */
const SYSTEM_ACCOUNT = /^(system|local service|network service|anonymous logon|dwm-\d+|umfd-\d+|.*\$)$/;

const LOOPBACK = /^(127\.|::1$|0\.0\.0\.0$|::$)/;

function layerOf(event: CanonicalEvent, registry: RegistryView): SessionLayer | undefined {
  const dataset = event.event.dataset;
  if (dataset.startsWith('vpn.')) return 'vpn';
  if (dataset === 'rdgateway') return 'gateway';
  if (dataset.startsWith('windows.')) {
    const host = event.host?.name ?? event.host?.ip ?? event.observer?.hostname;
    return registry.jumpHost(host) || registry.jumpHost(event.host?.ip) ? 'jump' : 'target';
  }
  return undefined;
}

export function observe(event: CanonicalEvent, registry: RegistryView): Observation | undefined {
  const layer = layerOf(event, registry);
  if (!layer) return undefined;
  const action = event.event.action;
  const role = roleOf(event.event);
  const user = event.user?.name;
  const account = user ? normalizeAccount(user) : undefined;
  const host = event.host?.name ?? event.host?.ip ?? event.observer?.hostname;
  const rawSource = event.source?.ip ? canonicalAddress(event.source.ip) : undefined;
  const source = rawSource && !LOOPBACK.test(rawSource) ? rawSource : undefined;
  const viaJump = source ? registry.jumpHost(source) : undefined;
  const viaGateway = source !== undefined && registry.gateway(source) !== undefined;
  const logonId = event.winlog?.logon?.id;
  const target =
    layer === 'gateway' || action === 'explicit_credentials'
      ? (event.destination?.domain ?? event.destination?.ip)
      : undefined;

  const full: TimelineEntry = {
    id: event.event.id,
    at: event['@timestamp'],
    action,
    outcome: event.event.outcome,
    layer,
    host: layer === 'vpn' ? (event.observer?.hostname ?? host) : host,
    account: user,
    source_ip: source,
    assigned_ip: event.vpn?.assigned_ip ? canonicalAddress(event.vpn.assigned_ip) : undefined,
    logon_id: logonId,
    target,
    detail: event.file?.path ?? event.share?.name,
    bytes_in: event.network?.bytes_in,
    bytes_out: event.network?.bytes_out,
  };
  // Absent, not undefined: the entry is stored as JSON and compared by content.
  const entry = Object.fromEntries(Object.entries(full).filter(([, v]) => v !== undefined)) as TimelineEntry;

  const observation: Observation = {
    entry,
    role,
    joinOnly: false,
    account,
    hostKey: host ? hostKey(host) : undefined,
    clientIp: viaJump || viaGateway ? undefined : source,
    assignedIp: entry.assigned_ip,
    viaJump,
    viaGateway,
    logonKey: logonId && host ? `${hostKey(host)}|${logonId}` : undefined,
  };
  observation.joinOnly = !opensSessions(observation, event, registry);
  return observation;
}

/**
 * Whether this event may open a session of its own. VPN and gateway events always concern remote access;
 * on Windows hosts only what points at a vendor does: the jump terminal, a connection relayed by the
 * jump terminal, the gateway or the VPN pool, an address outside the city, or a vendor's account.
 */
function opensSessions(o: Observation, event: CanonicalEvent, registry: RegistryView): boolean {
  if (o.role === 'end' || o.role === 'activity') return false;
  if (o.account !== undefined && SYSTEM_ACCOUNT.test(o.account)) return false;
  // Console, service, unlock and cached logons are the host's own life, not a connection to it.
  const logonType = event.winlog?.logon?.type;
  if (event.event.action === 'logon' && logonType !== undefined && logonType !== 3 && logonType !== 10)
    return false;
  if (o.entry.layer === 'vpn' || o.entry.layer === 'gateway')
    return o.account !== undefined || o.clientIp !== undefined;
  const source = o.entry.source_ip;
  const remoteSource =
    o.viaJump !== undefined ||
    o.viaGateway ||
    registry.inVpnPool(source) ||
    (source !== undefined && registry.knowsNetworks && !registry.isInternal(source));
  const vendorAccount = o.account !== undefined && registry.isVendorAccount(o.account);
  if (o.entry.layer === 'jump')
    return o.account !== undefined && (remoteSource || vendorAccount || o.role !== 'transfer');
  // Target servers: a plain network logon from an internal machine is the city's own business.
  const action = event.event.action;
  const remoteDesktop = action === 'rdp_logon' || action === 'rdp_auth_success' || action === 'rdp_reconnect';
  if (remoteSource || vendorAccount) return true;
  return remoteDesktop && !registry.knowsNetworks && source !== undefined;
}
