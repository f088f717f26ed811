// The canonical event (DESIGN.md §4): one fact observed on one layer, ECS-aligned field names.
import { z } from 'zod';
import { ByteCount, IpAddress, NonEmptyText, Port, RecordId, UtcTimestamp } from './common.ts';

export const EVENT_ACTIONS = [
  'vpn_session_start',
  'vpn_session_end',
  'vpn_auth_failure',
  'gateway_authorized',
  'gateway_denied',
  'gateway_connect',
  'gateway_disconnect',
  'rdp_auth_success',
  'rdp_logon',
  'rdp_logoff',
  'rdp_reconnect',
  'rdp_disconnect',
  'logon',
  'logon_failure',
  'explicit_credentials',
  'share_access',
  'share_file_access',
  'file_access',
  'device_redirection',
  'other',
] as const;
export const EventAction = z.enum(EVENT_ACTIONS);
export type EventAction = z.infer<typeof EventAction>;

export const EventOutcome = z.enum(['success', 'failure', 'unknown']);

/** `vpn.cisco_asa`, `windows.security`, `rdgateway`: lower-case dotted words. */
export const EventDataset = z
  .string()
  .regex(/^[a-z0-9_]+(\.[a-z0-9_]+)*$/, 'lower-case dotted name expected');

const Endpoint = z.object({ ip: IpAddress.optional(), port: Port.optional() });

export const CanonicalEvent = z.object({
  '@timestamp': UtcTimestamp,
  event: z.object({
    id: RecordId,
    action: EventAction,
    outcome: EventOutcome,
    dataset: EventDataset,
  }),
  observer: z
    .object({
      vendor: NonEmptyText.optional(),
      product: NonEmptyText.optional(),
      hostname: NonEmptyText.optional(),
      ip: IpAddress.optional(),
    })
    .optional(),
  /** Where the vendor came from (public address for VPN, client address for RDP). */
  source: Endpoint.optional(),
  vpn: z.object({ assigned_ip: IpAddress.optional() }).optional(),
  /**
   * Where a connection went. `domain` (the target's name: 4648 TargetServerName, RD Gateway Resource) is an
   * ECS field beyond DESIGN.md §4, which names only ip and port; onward logons need the target's name.
   */
  destination: Endpoint.extend({ domain: NonEmptyText.optional() }).optional(),
  /** Where a logon happened; `name` keeps the FQDN as the event carries it. */
  host: z.object({ name: NonEmptyText.optional(), ip: IpAddress.optional() }).optional(),
  /** `name` without domain, case as logged. */
  user: z.object({ name: NonEmptyText.optional(), domain: NonEmptyText.optional() }).optional(),
  winlog: z
    .object({
      logon: z.object({ id: NonEmptyText.optional(), type: z.number().int().min(0).optional() }).optional(),
    })
    .optional(),
  network: z
    .object({
      /** Client → city side: the upload direction, the file-transfer signal. */
      bytes_in: ByteCount.optional(),
      bytes_out: ByteCount.optional(),
    })
    .optional(),
  session: z.object({ duration_s: z.number().nonnegative().optional() }).optional(),
  file: z.object({ path: NonEmptyText.optional() }).optional(),
  share: z.object({ name: NonEmptyText.optional() }).optional(),
  message: z.string().optional(),
  /** Where `rmwatch parse` / `analyze` read the record (DESIGN.md §8). */
  log: z
    .object({
      file: z.object({ path: NonEmptyText, line: z.number().int().positive() }).optional(),
    })
    .optional(),
  /**
   * The raw record the event was read from, in the evidence store (`rm-evidence`, processors/evidence): set
   * by the streaming normaliser, absent for offline `rmwatch parse` / `analyze`.
   */
  raw: z.object({ id: RecordId }).optional(),
});
export type CanonicalEvent = z.infer<typeof CanonicalEvent>;
