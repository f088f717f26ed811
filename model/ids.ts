// Deterministic ids: the same input always yields the same id, so a replay overwrites instead of duplicating.
import { createHash } from 'node:crypto';
import type { CanonicalEvent } from './event.ts';
import type { RuleId } from './finding.ts';
import { memo } from './memo.ts';
import type { RegistryRecord } from './registry.ts';

function digest(parts: readonly (string | Uint8Array)[]): string {
  const h = createHash('sha256');
  for (const p of parts) {
    // A length prefix keeps ("ab","c") and ("a","bc") apart.
    const bytes = typeof p === 'string' ? Buffer.from(p, 'utf8') : p;
    h.update(`${bytes.length}:`);
    h.update(bytes);
  }
  return h.digest('hex').slice(0, 32);
}

/** `event.id`: a hash of where the record came from and its raw bytes. */
export function eventId(source: string, raw: string | Uint8Array): string {
  return digest(['event', source, raw]);
}

/**
 * The id of one raw record (rm.raw.*) in the evidence store: its Kafka coordinates, with the 1-based index of
 * the frame inside a syslog frame batch (1 for a record that is not a batch). The coordinates never change,
 * so the normaliser (which links events to it) and the evidence stage (which stores it) agree without talking.
 */
export function evidenceId(topic: string, partition: number, offset: string, frame: number): string {
  return `r-${digest(['raw', topic, String(partition), offset, String(frame)])}`;
}

/** The id of a hash chain's head document (processors/evidence), stored beside the chain's records. */
export function chainHeadId(chain: string): string {
  return `h-${digest(['chain-head', chain])}`;
}

/** A session is named after the first event that opened it. */
export function sessionId(anchorEventId: string): string {
  return `s-${digest(['session', anchorEventId])}`;
}

/**
 * One finding per rule and session (and per subject within it, e.g. the account for `shared_account`),
 * so a rule firing again updates the same finding.
 */
export function findingId(rule: RuleId, session: string, subject = ''): string {
  return `f-${digest(['finding', rule, session, subject])}`;
}

/** One notice per kind and session. */
export function noticeId(kind: string, session: string): string {
  return `n-${digest(['notice', kind, session])}`;
}

/**
 * Account names compare lower-case without domain: `CITY\Yamada` and `yamada@city.local` are `yamada`. The
 * same few names come back on every event of a session, so the answers are remembered.
 */
export const normalizeAccount: (name: string) => string = memo((name) => {
  const withoutDomain = name.includes('\\') ? name.slice(name.lastIndexOf('\\') + 1) : name.split('@')[0];
  return (withoutDomain ?? name).trim().toLowerCase();
});

/** The `rm.events` key: the normalized account, or the host when the event names no account. */
export function eventKey(event: CanonicalEvent): string {
  const user = event.user?.name;
  if (user) return normalizeAccount(user);
  const host = event.host?.name ?? event.observer?.hostname ?? event.host?.ip ?? event.observer?.ip;
  return host ? host.toLowerCase() : '-';
}

/** The `rm.registry` key of one entity. */
export function registryEntityId(record: RegistryRecord): string {
  switch (record.kind) {
    case 'vendor':
    case 'operator':
      return `${record.kind}:${record.id}`;
    case 'account':
      return `account:${normalizeAccount(record.name)}`;
    case 'jump_host':
    case 'gateway':
      return `${record.kind}:${record.name.toLowerCase()}`;
    case 'network':
      return `network:${record.role}:${record.cidr}`;
    case 'limits':
      return 'limits';
    case 'system':
      return `system:${record.id}`;
  }
}
