// A maintenance session stitched from its layers: VPN → RD Gateway → jump terminal → target servers.
import { z } from 'zod';
import { ByteCount, IpAddress, NonEmptyText, RecordId, UtcTimestamp } from './common.ts';

export const SESSION_LAYERS = ['vpn', 'gateway', 'jump', 'target'] as const;
export const SessionLayer = z.enum(SESSION_LAYERS);
export type SessionLayer = z.infer<typeof SessionLayer>;

export const Session = z.object({
  id: RecordId,
  status: z.enum(['open', 'closed']),
  start: UtcTimestamp,
  /** Absent while open. */
  end: UtcTimestamp.optional(),
  last_seen: UtcTimestamp,
  layers: z.array(SessionLayer),
  /** Layers expected but not seen, e.g. a gateway connection with no VPN session. */
  coverage_gaps: z.array(SessionLayer).default([]),
  vendor: RecordId.optional(),
  operator: RecordId.optional(),
  accounts: z.array(NonEmptyText).default([]),
  vpn_user: NonEmptyText.optional(),
  source: z.object({ ip: IpAddress.optional() }).default({}),
  assigned_ip: IpAddress.optional(),
  gateway: NonEmptyText.optional(),
  jump_host: NonEmptyText.optional(),
  targets: z.array(NonEmptyText).default([]),
  bytes_in: ByteCount.default(0),
  bytes_out: ByteCount.default(0),
  duration_s: z.number().nonnegative().optional(),
  approval_id: RecordId.optional(),
  /** Some evidence arrived after the lateness window had passed. */
  late: z.boolean().default(false),
  /** Ids of the canonical events the session was stitched from. */
  evidence: z.array(RecordId).default([]),
  updated_at: UtcTimestamp,
});
export type Session = z.infer<typeof Session>;
