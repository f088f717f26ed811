// The registry (DESIGN.md §5): who may connect, with which accounts, through which hosts.
// Each record is one entity on the compacted `rm.registry` topic, keyed by `registryEntityId`.
import { z } from 'zod';
import { Cidr, IpAddress, NonEmptyText, RecordId, UtcTimestamp } from './common.ts';

export const VendorRecord = z.object({
  kind: z.literal('vendor'),
  id: RecordId,
  name: NonEmptyText,
  /** A frozen vendor's service is stopped until the fix is audited (rule `frozen_vendor`). */
  frozen: z.boolean().default(false),
  frozen_reason: z.string().optional(),
  frozen_since: UtcTimestamp.optional(),
  /** Registered source addresses of the vendor. */
  sources: z.array(Cidr).default([]),
});

export const OperatorRecord = z.object({
  kind: z.literal('operator'),
  id: RecordId,
  name: NonEmptyText,
  vendor: RecordId,
  accounts: z.array(NonEmptyText).default([]),
});

export const AccountRecord = z.object({
  kind: z.literal('account'),
  name: NonEmptyText,
  operator: RecordId.optional(),
  vendor: RecordId.optional(),
  /** A generic or shared name (administrator, hoshu, …): never a personal account. */
  generic: z.boolean().default(false),
});

export const JumpHostRecord = z.object({ kind: z.literal('jump_host'), name: NonEmptyText, ip: IpAddress });
export const GatewayRecord = z.object({ kind: z.literal('gateway'), name: NonEmptyText, ip: IpAddress });

export const NetworkRecord = z.object({
  kind: z.literal('network'),
  role: z.enum(['internal', 'vpn_pool']),
  cidr: Cidr,
});

export const LimitsRecord = z.object({
  kind: z.literal('limits'),
  max_concurrent_sessions: z.number().int().positive(),
  max_session_minutes: z.number().int().positive(),
  idle_minutes: z.number().int().positive(),
});

/**
 * A city information system (住民記録, 財務会計, …): the servers it runs on, by host name or address. The
 * monthly usage report (様式第3号/第4号) names a session's system from the targets it reached.
 */
export const SystemRecord = z.object({
  kind: z.literal('system'),
  id: RecordId,
  name: NonEmptyText,
  hosts: z.array(NonEmptyText).default([]),
});

export const RegistryRecord = z.discriminatedUnion('kind', [
  VendorRecord,
  OperatorRecord,
  AccountRecord,
  JumpHostRecord,
  GatewayRecord,
  NetworkRecord,
  LimitsRecord,
  SystemRecord,
]);
export type RegistryRecord = z.infer<typeof RegistryRecord>;
export type RegistryKind = RegistryRecord['kind'];
