// What each kind of event does to a session: opens (or joins) a connection, ends one, fails to, moves data,
// or is merely activity. One table, read by the observer, the derivation and the rules alike.
import type { EventAction } from '../../model/event.ts';
import type { TimelineEntry } from '../../model/session.ts';

export type Role = 'start' | 'end' | 'failure' | 'transfer' | 'activity';

const ROLES: Record<EventAction, Role> = {
  vpn_session_start: 'start',
  vpn_session_end: 'end',
  vpn_auth_failure: 'failure',
  gateway_authorized: 'start',
  gateway_connect: 'start',
  gateway_disconnect: 'end',
  gateway_denied: 'failure',
  rdp_auth_success: 'start',
  rdp_logon: 'start',
  rdp_reconnect: 'start',
  logon: 'start',
  explicit_credentials: 'start',
  rdp_logoff: 'end',
  rdp_disconnect: 'activity',
  logon_failure: 'failure',
  share_access: 'transfer',
  share_file_access: 'transfer',
  file_access: 'transfer',
  device_redirection: 'transfer',
  other: 'activity',
};

/** A failed connection is not a connection; a failed share access is still an attempt to move data. */
export function roleOf(e: Pick<TimelineEntry, 'action' | 'outcome'>): Role {
  const role = ROLES[e.action];
  return role === 'start' && e.outcome === 'failure' ? 'failure' : role;
}

export const isOpening = (e: Pick<TimelineEntry, 'action' | 'outcome'>): boolean => roleOf(e) === 'start';
export const isFailure = (e: Pick<TimelineEntry, 'action' | 'outcome'>): boolean => roleOf(e) === 'failure';
