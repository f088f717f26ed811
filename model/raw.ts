// A raw record as a collector received it (DESIGN.md §3, `rm.raw.*`): the bytes exactly as they arrived as
// the Kafka value, and the receive metadata as Kafka headers, so that nothing about the original is changed.
import { z } from 'zod';
import { Charset } from './charset.ts';
import { NonEmptyText, Port, UtcTimestamp } from './common.ts';

export const Transport = z.enum(['udp', 'tcp', 'tls', 'http', 'file', 'kafka']);
export type Transport = z.infer<typeof Transport>;

/** What a record is, as far as the collector could tell: the normaliser picks its parser by it. */
export const RawFormat = z.enum(['syslog', 'winlogbeat', 'evtxml']);
export type RawFormat = z.infer<typeof RawFormat>;

export const ReceiveMetadata = z.object({
  received_at: UtcTimestamp,
  /** The sender: an address for network transports, a file path or topic otherwise. */
  peer: NonEmptyText,
  peer_port: Port.optional(),
  transport: Transport,
  charset: Charset,
  format: RawFormat,
  /** IANA zone for timestamps that carry none (RFC 3164); configured per source, Asia/Tokyo by default. */
  timezone: NonEmptyText,
});
export type ReceiveMetadata = z.infer<typeof ReceiveMetadata>;

const HEADER: Record<keyof ReceiveMetadata, string> = {
  received_at: 'rm-received-at',
  peer: 'rm-peer',
  peer_port: 'rm-peer-port',
  transport: 'rm-transport',
  charset: 'rm-charset',
  format: 'rm-format',
  timezone: 'rm-timezone',
};

export function toHeaders(meta: ReceiveMetadata): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [field, header] of Object.entries(HEADER) as [keyof ReceiveMetadata, string][]) {
    const value = meta[field];
    if (value !== undefined) headers[header] = String(value);
  }
  return headers;
}

export function fromHeaders(headers: Readonly<Record<string, string>>): ReceiveMetadata {
  const port = headers[HEADER.peer_port];
  const result = ReceiveMetadata.safeParse({
    received_at: headers[HEADER.received_at],
    peer: headers[HEADER.peer],
    peer_port: port === undefined ? undefined : Number(port),
    transport: headers[HEADER.transport],
    charset: headers[HEADER.charset],
    format: headers[HEADER.format],
    timezone: headers[HEADER.timezone],
  });
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = String(issue?.path[0] ?? '') as keyof ReceiveMetadata;
  throw new Error(`receive metadata header ${HEADER[field] ?? field}: ${issue?.message}`);
}
