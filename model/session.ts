// A maintenance session stitched from its layers: VPN → RD Gateway → jump terminal → target servers.
// The record carries everything the stitcher links by (accounts, addresses, logon ids, the timeline), so the
// session stage rebuilds its state from `rm.sessions` alone after a restart or a rebalance.
import { z } from 'zod';
import { ByteCount, IpAddress, NonEmptyText, RecordId, UtcTimestamp } from './common.ts';
import { EventAction, EventOutcome } from './event.ts';
import { RuleId, Severity } from './finding.ts';

export const SESSION_LAYERS = ['vpn', 'gateway', 'jump', 'target'] as const;
export const SessionLayer = z.enum(SESSION_LAYERS);
export type SessionLayer = z.infer<typeof SessionLayer>;

/** One event of the session, as much of it as rules and the audit timeline need. */
export const TimelineEntry = z.object({
  id: RecordId,
  at: UtcTimestamp,
  action: EventAction,
  outcome: EventOutcome,
  layer: SessionLayer,
  host: NonEmptyText.optional(),
  account: NonEmptyText.optional(),
  source_ip: IpAddress.optional(),
  /** The address the VPN gave the client. */
  assigned_ip: IpAddress.optional(),
  /** The Windows logon the event belongs to, on `host`. */
  logon_id: NonEmptyText.optional(),
  /** Where an onward connection or a gateway resource went (host name or address). */
  target: NonEmptyText.optional(),
  /** Share name or file path of a transfer signal. */
  detail: z.string().optional(),
  bytes_in: ByteCount.optional(),
  bytes_out: ByteCount.optional(),
  /** Arrived after the lateness window had passed. */
  late: z.boolean().optional(),
});
export type TimelineEntry = z.infer<typeof TimelineEntry>;

/** A finding this session has produced, with a fingerprint of its content so unchanged ones are not re-sent. */
export const FindingMark = z.object({
  id: RecordId,
  fingerprint: NonEmptyText,
  rule: RuleId,
  severity: Severity,
  subject: z.string().optional(),
  /** Set where the mark is kept away from its session (reconciliation). */
  session_id: RecordId.optional(),
});
export type FindingMark = z.infer<typeof FindingMark>;

export const Session = z.object({
  id: RecordId,
  /** `merged`: the session turned out to be part of `merged_into` (an event linked the two). */
  status: z.enum(['open', 'closed', 'merged']),
  merged_into: RecordId.optional(),
  /** How a closed session ended: its own end event, or silence longer than the inactivity timeout. */
  closed_by: z.enum(['end_event', 'inactivity']).optional(),
  start: UtcTimestamp,
  /** Absent while open. */
  end: UtcTimestamp.optional(),
  last_seen: UtcTimestamp,
  /** At least one layer connected or logged on; a session of failed attempts only is not established. */
  established: z.boolean().default(false),
  layers: z.array(SessionLayer),
  /** Layers expected but not seen, e.g. a gateway connection with no VPN session. */
  coverage_gaps: z.array(SessionLayer).default([]),
  vendor: RecordId.optional(),
  operator: RecordId.optional(),
  accounts: z.array(NonEmptyText).default([]),
  vpn_user: NonEmptyText.optional(),
  source: z.object({ ip: IpAddress.optional() }).default({}),
  assigned_ip: IpAddress.optional(),
  /** Client addresses the gateway and the jump terminal saw (the VPN address, or the gateway's). */
  addresses: z.array(IpAddress).default([]),
  gateway: NonEmptyText.optional(),
  jump_host: NonEmptyText.optional(),
  targets: z.array(NonEmptyText).default([]),
  /** `host|logon id` of the Windows logons in the session: later events of the same logon join it. */
  logon_ids: z.array(NonEmptyText).default([]),
  bytes_in: ByteCount.default(0),
  bytes_out: ByteCount.default(0),
  duration_s: z.number().nonnegative().optional(),
  auth_failures: z.number().int().nonnegative().default(0),
  approval_id: RecordId.optional(),
  /** Some evidence arrived after the lateness window had passed. */
  late: z.boolean().default(false),
  /** Ids of the canonical events the session was stitched from. */
  evidence: z.array(RecordId).default([]),
  timeline: z.array(TimelineEntry).default([]),
  /** Events joined but left out of `timeline` and `evidence` because the session hit its size limit. */
  truncated: z.number().int().nonnegative().default(0),
  findings: z.array(FindingMark).default([]),
  /** Start/end notices already sent for this session. */
  notices: z.array(z.enum(['session_start', 'session_end'])).default([]),
  /** The `rm.events` partition of the event that opened the session: which stage instance owns it. */
  shard: z.number().int().nonnegative().optional(),
  updated_at: UtcTimestamp,
});
export type Session = z.infer<typeof Session>;
