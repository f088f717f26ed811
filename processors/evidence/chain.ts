// The evidence hash chain, pure logic: which chain a raw record belongs to, the record as stored, its hash,
// and the verifier's verdict on a chain read back in seq order.
//
// A chain is one raw topic's records from one source on one Asia/Tokyo calendar day, in the order the
// evidence stage appended them: `syslog/192.0.2.10/2026-11-24`. Record n stores `prev_hash` (record n-1's
// hash; GENESIS for n = 1) and `hash` = sha256 over prev_hash and every stored field of the record, the raw
// bytes included. So changing a record's content breaks its own hash; recomputing that hash breaks the next
// record's link; deleting a record leaves a gap in seq; deleting the tail is caught by the chain's head
// document (seq and hash of the last record written), stored in the same index.
//
// What it does not do: whoever can write to Elasticsearch can rebuild a whole chain and its head. Evidence
// against that needs the heads anchored outside (printed in the monthly report, or copied elsewhere).
import { createHash } from 'node:crypto';
import { isUtf8 } from 'node:buffer';
import { z } from 'zod';
import { Charset } from '../../model/charset.ts';
import { Port, UtcTimestamp } from '../../model/common.ts';
import { evidenceId } from '../../model/ids.ts';
import { RawFormat, Transport, type ReceiveMetadata } from '../../model/raw.ts';
import { tokyoDay } from '../../model/tokyo-time.ts';

/** The raw topics kept as evidence, by the last word of their name. */
export const EVIDENCE_KINDS = ['syslog', 'windows', 'rdgateway'] as const;
export type EvidenceKind = (typeof EVIDENCE_KINDS)[number];

/** prev_hash of a chain's first record. */
export const GENESIS = '0'.repeat(64);

const Sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'not a sha256 hex digest');
const Day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'not a YYYY-MM-DD day');
// Stored values are read back untouched: no trimming, or a hash over them would no longer match.
const StoredText = z.string().min(1);

export const Origin = z.object({
  topic: StoredText,
  partition: z.number().int().nonnegative(),
  offset: z.string().regex(/^\d+$/),
  /** 1-based frame of a syslog frame batch; 1 for a record that is not a batch. */
  frame: z.number().int().positive(),
});
export type Origin = z.infer<typeof Origin>;

/** One raw record in the evidence store (`entry: record`). */
export const EvidenceRecord = z.object({
  entry: z.literal('record'),
  id: StoredText,
  chain: StoredText,
  kind: z.enum(EVIDENCE_KINDS),
  source: StoredText,
  day: Day,
  seq: z.number().int().positive(),
  prev_hash: Sha256Hex,
  hash: Sha256Hex,
  received_at: UtcTimestamp,
  peer: StoredText,
  peer_port: Port.optional(),
  transport: Transport,
  charset: Charset,
  format: RawFormat,
  timezone: StoredText,
  /** The bytes, when they are valid UTF-8. */
  raw: z.string().optional(),
  /** The bytes, base64, when they are not (Shift_JIS, binary). */
  raw_base64: z.base64().optional(),
  origin: Origin,
});
export type EvidenceRecord = z.infer<typeof EvidenceRecord>;

/** The last record written to a chain (`entry: head`), one document per chain beside its records. */
export const ChainHead = z.object({
  entry: z.literal('head'),
  chain: StoredText,
  kind: z.enum(EVIDENCE_KINDS),
  source: StoredText,
  day: Day,
  seq: z.number().int().positive(),
  hash: Sha256Hex,
  updated_at: UtcTimestamp,
});
export type ChainHead = z.infer<typeof ChainHead>;

/** Where a chain stands: the last seq appended and its hash (0 and GENESIS for an empty chain). */
export interface ChainPosition {
  seq: number;
  hash: string;
}
export const EMPTY_CHAIN: ChainPosition = { seq: 0, hash: GENESIS };

export interface ChainName {
  chain: string;
  kind: EvidenceKind;
  source: string;
  day: string;
}

export function chainOf(kind: EvidenceKind, source: string, receivedAt: string): ChainName {
  const day = tokyoDay(receivedAt);
  return { chain: `${kind}/${source}/${day}`, kind, source, day };
}

/** Everything of a record that its hash covers, in one fixed order. */
function hashedParts(r: Omit<EvidenceRecord, 'hash' | 'raw' | 'raw_base64'>, bytes: Uint8Array) {
  return [
    'rmwatch.evidence.v1',
    r.prev_hash,
    r.chain,
    r.kind,
    r.source,
    r.day,
    String(r.seq),
    r.id,
    r.received_at,
    r.peer,
    r.peer_port === undefined ? '' : String(r.peer_port),
    r.transport,
    r.charset,
    r.format,
    r.timezone,
    r.origin.topic,
    String(r.origin.partition),
    r.origin.offset,
    String(r.origin.frame),
    bytes,
  ];
}

/** sha256 (hex) over the record's fields, each length-prefixed so that no two records serialise alike. */
export function recordHash(
  r: Omit<EvidenceRecord, 'hash' | 'raw' | 'raw_base64'>,
  bytes: Uint8Array,
): string {
  const h = createHash('sha256');
  for (const part of hashedParts(r, bytes)) {
    const b = typeof part === 'string' ? Buffer.from(part, 'utf8') : part;
    h.update(`${b.length}:`);
    h.update(b);
  }
  return h.digest('hex');
}

/** The stored form of the bytes: as text when they are UTF-8 (searchable, exact), base64 otherwise. */
export function storedBytes(bytes: Uint8Array): { raw: string } | { raw_base64: string } {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return isUtf8(b) ? { raw: b.toString('utf8') } : { raw_base64: b.toString('base64') };
}

/** The bytes a stored record holds; undefined when it holds neither or both forms. */
export function recordBytes(r: Pick<EvidenceRecord, 'raw' | 'raw_base64'>): Buffer | undefined {
  if (r.raw !== undefined && r.raw_base64 === undefined) return Buffer.from(r.raw, 'utf8');
  if (r.raw_base64 !== undefined && r.raw === undefined) return Buffer.from(r.raw_base64, 'base64');
  return undefined;
}

/** Record `position.seq + 1` of a chain. */
export function appendRecord(
  name: ChainName,
  position: ChainPosition,
  raw: { bytes: Uint8Array; meta: ReceiveMetadata; origin: Origin },
): EvidenceRecord {
  const { meta, origin } = raw;
  const base = {
    entry: 'record' as const,
    id: evidenceId(origin.topic, origin.partition, origin.offset, origin.frame),
    ...name,
    seq: position.seq + 1,
    prev_hash: position.hash,
    received_at: meta.received_at,
    peer: meta.peer,
    ...(meta.peer_port === undefined ? {} : { peer_port: meta.peer_port }),
    transport: meta.transport,
    charset: meta.charset,
    format: meta.format,
    timezone: meta.timezone,
    origin,
  };
  return { ...base, hash: recordHash(base, raw.bytes), ...storedBytes(raw.bytes) };
}

export type BreakKind = 'altered' | 'missing' | 'relinked' | 'duplicate' | 'truncated';

export const BREAK_TEXT: Record<BreakKind, string> = {
  altered: 'altered record (hash mismatch)',
  missing: 'missing record (seq gap)',
  relinked: 're-linked record (prev_hash is not the previous record’s hash)',
  duplicate: 'duplicate seq (forked chain)',
  truncated: 'truncated tail (the chain head names later records)',
};

export interface ChainBreak {
  kind: BreakKind;
  /** The seq where the chain stops being trustworthy. */
  seq: number;
  /** The stored document at that seq, when there is one. */
  id?: string;
  detail: string;
}

export interface ChainVerdict {
  chain: string;
  /** Records checked and found sound, up to the break. */
  records: number;
  /** The first broken link; absent when the chain is intact. */
  broken?: ChainBreak;
  /** What is worth knowing but not a break (a head that lags behind its records). */
  notes: string[];
}

/**
 * Checks one chain's records handed over in seq order, stopping at the first broken link. `head` is the
 * chain's head document, when there is one.
 */
export class ChainVerifier {
  private position: ChainPosition = EMPTY_CHAIN;
  private checked = 0;
  private broken: ChainBreak | undefined;

  constructor(
    readonly chain: string,
    private readonly head?: Pick<ChainHead, 'seq' | 'hash'>,
  ) {}

  /** `storedId` is the document's Elasticsearch `_id`. False once the chain is broken (more is pointless). */
  add(document: unknown, storedId: string): boolean {
    if (this.broken) return false;
    const expected = this.position.seq + 1;
    const parsed = EvidenceRecord.safeParse(document);
    if (!parsed.success) {
      const seq = (document as { seq?: unknown } | null)?.seq;
      const issue = parsed.error.issues[0];
      return this.fail({
        kind: 'altered',
        seq: typeof seq === 'number' ? seq : expected,
        id: storedId,
        detail: `not an evidence record: ${issue?.path.join('.')}: ${issue?.message}`,
      });
    }
    const r = parsed.data;
    if (r.seq < expected)
      return this.fail({ kind: 'duplicate', seq: r.seq, id: storedId, detail: `seq ${r.seq} stored twice` });
    if (r.seq > expected)
      return this.fail({
        kind: 'missing',
        seq: expected,
        detail:
          r.seq - 1 === expected
            ? `record ${expected} is missing`
            : `records ${expected}–${r.seq - 1} are missing`,
      });
    const bytes = recordBytes(r);
    const problem =
      r.chain !== this.chain
        ? `names chain ${r.chain}`
        : r.id !== storedId
          ? `stored under id ${storedId} but names itself ${r.id}`
          : r.id !== evidenceId(r.origin.topic, r.origin.partition, r.origin.offset, r.origin.frame)
            ? 'its id does not match its Kafka origin'
            : bytes === undefined
              ? 'holds neither raw nor raw_base64 (or both)'
              : recordHash(r, bytes) !== r.hash
                ? 'its content does not match its hash'
                : undefined;
    if (problem) return this.fail({ kind: 'altered', seq: r.seq, id: storedId, detail: problem });
    if (r.prev_hash !== this.position.hash)
      return this.fail({
        kind: 'relinked',
        seq: r.seq,
        id: storedId,
        detail:
          r.seq === 1
            ? 'the first record does not start from the genesis hash'
            : `prev_hash does not match the hash of record ${r.seq - 1}`,
      });
    if (this.head && r.seq === this.head.seq && r.hash !== this.head.hash)
      return this.fail({
        kind: 'altered',
        seq: r.seq,
        id: storedId,
        detail: 'its hash differs from the one the chain head recorded',
      });
    this.position = { seq: r.seq, hash: r.hash };
    this.checked++;
    return true;
  }

  finish(): ChainVerdict {
    const notes: string[] = [];
    if (!this.broken && this.head) {
      if (this.position.seq < this.head.seq)
        this.broken = {
          kind: 'truncated',
          seq: this.position.seq + 1,
          detail: `the chain ends at seq ${this.position.seq}, its head names seq ${this.head.seq}`,
        };
      else if (this.position.seq > this.head.seq)
        notes.push(`head names seq ${this.head.seq}; records go on to ${this.position.seq}`);
    }
    if (!this.head && !this.broken && this.checked > 0) notes.push('no head document');
    const verdict: ChainVerdict = { chain: this.chain, records: this.checked, notes };
    if (this.broken) verdict.broken = this.broken;
    return verdict;
  }

  private fail(b: ChainBreak): false {
    this.broken = b;
    return false;
  }
}
