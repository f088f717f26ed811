// The evidence hash chain: which chain a raw record joins, how it is linked and hashed, and what the
// verifier says about a chain that was altered, cut, re-linked or truncated.
import { describe, expect, it } from 'vitest';
import { evidenceId } from '../../model/ids.ts';
import type { ReceiveMetadata } from '../../model/raw.ts';
import {
  appendRecord,
  chainOf,
  ChainVerifier,
  EMPTY_CHAIN,
  GENESIS,
  recordBytes,
  recordHash,
  type ChainVerdict,
  type EvidenceRecord,
} from '../../processors/evidence/chain.ts';

const meta = (over: Partial<ReceiveMetadata> = {}): ReceiveMetadata => ({
  received_at: '2026-11-24T01:00:00.000Z',
  peer: '192.0.2.10',
  peer_port: 514,
  transport: 'udp',
  charset: 'utf-8',
  format: 'syslog',
  timezone: 'Asia/Tokyo',
  ...over,
});

// 「保守作業開始」 in Shift_JIS: not UTF-8, so it is kept as base64.
const SHIFT_JIS = Buffer.from('95db8ee78dec8bc68a4a8e6e', 'hex');

/** A chain of `lines`, as the evidence stage appends them (offsets 100, 101, …). */
function chainOfLines(lines: readonly (string | Buffer)[]): EvidenceRecord[] {
  const name = chainOf('syslog', '192.0.2.10', '2026-11-24T01:00:00.000Z');
  const out: EvidenceRecord[] = [];
  let position = EMPTY_CHAIN;
  lines.forEach((line, i) => {
    const bytes = typeof line === 'string' ? Buffer.from(line, 'utf8') : line;
    const charset = typeof line === 'string' ? 'utf-8' : 'shift_jis';
    const record = appendRecord(name, position, {
      bytes,
      meta: meta({ charset, received_at: `2026-11-24T01:00:0${i}.000Z` }),
      origin: { topic: 'rm.raw.syslog', partition: 1, offset: String(100 + i), frame: 1 },
    });
    position = { seq: record.seq, hash: record.hash };
    out.push(record);
  });
  return out;
}

function verify(records: readonly EvidenceRecord[], head?: { seq: number; hash: string }): ChainVerdict {
  const verifier = new ChainVerifier('syslog/192.0.2.10/2026-11-24', head);
  for (const r of records) verifier.add(JSON.parse(JSON.stringify(r)), r.id);
  return verifier.finish();
}

const LINES = ['line one', 'line two', SHIFT_JIS, 'line four', 'line five'];

describe('evidence chains', () => {
  it('are per raw topic, source and Asia/Tokyo day', () => {
    expect(chainOf('windows', 'JUMP01', '2026-11-23T14:59:59.999Z').day).toBe('2026-11-23');
    expect(chainOf('windows', 'JUMP01', '2026-11-23T15:00:00.000Z').day).toBe('2026-11-24');
    expect(chainOf('windows', 'JUMP01', '2026-12-31T15:30:00Z')).toEqual({
      chain: 'windows/JUMP01/2027-01-01',
      kind: 'windows',
      source: 'JUMP01',
      day: '2027-01-01',
    });
  });

  it('name each raw record by its Kafka coordinates, frame included', () => {
    const id = evidenceId('rm.raw.syslog', 1, '100', 1);
    expect(id).toMatch(/^r-[0-9a-f]{32}$/);
    expect(evidenceId('rm.raw.syslog', 1, '100', 1)).toBe(id);
    expect(evidenceId('rm.raw.syslog', 1, '100', 2)).not.toBe(id);
    expect(evidenceId('rm.raw.syslog', 11, '00', 1)).not.toBe(evidenceId('rm.raw.syslog', 1, '100', 1));
  });

  it('link each record to the previous one, starting from the genesis hash', () => {
    const records = chainOfLines(LINES);
    expect(records.map((r) => r.seq)).toEqual([1, 2, 3, 4, 5]);
    expect(records[0]?.prev_hash).toBe(GENESIS);
    for (let i = 1; i < records.length; i++) expect(records[i]?.prev_hash).toBe(records[i - 1]?.hash);
    expect(verify(records)).toEqual({
      chain: 'syslog/192.0.2.10/2026-11-24',
      records: 5,
      notes: ['no head document'],
    });
  });

  it('keep Shift_JIS bytes exactly, as base64, and hash them as the bytes received', () => {
    const [, , sjis] = chainOfLines(LINES);
    if (!sjis) throw new Error('no record');
    expect(sjis.raw).toBeUndefined();
    expect(sjis.raw_base64).toBe(SHIFT_JIS.toString('base64'));
    expect(recordBytes(sjis)?.equals(SHIFT_JIS)).toBe(true);
    expect(recordHash(sjis, SHIFT_JIS)).toBe(sjis.hash);
    // Decoded and re-encoded as UTF-8, the same words are other bytes: that is not the evidence.
    expect(recordHash(sjis, Buffer.from('保守作業開始', 'utf8'))).not.toBe(sjis.hash);
  });

  it('keep UTF-8 text as text, Japanese intact', () => {
    const [record] = chainOfLines(['作業者 山田太郎 ログオン\r']);
    expect(record?.raw).toBe('作業者 山田太郎 ログオン\r');
    expect(record?.raw_base64).toBeUndefined();
  });

  it('cover every stored field with the hash', () => {
    const [record] = chainOfLines(['line one']);
    if (!record) throw new Error('no record');
    const bytes = Buffer.from('line one');
    expect(recordHash({ ...record, peer: '192.0.2.11' }, bytes)).not.toBe(record.hash);
    expect(recordHash({ ...record, received_at: '2026-11-24T01:00:01.000Z' }, bytes)).not.toBe(record.hash);
    expect(recordHash({ ...record, origin: { ...record.origin, offset: '101' } }, bytes)).not.toBe(
      record.hash,
    );
    expect(recordHash(record, Buffer.from('line one '))).not.toBe(record.hash);
  });
});

describe('the verifier', () => {
  const records = chainOfLines(LINES);
  const at = (i: number) => records[i] as EvidenceRecord;

  it('reports an altered record where its content no longer matches its hash', () => {
    const altered = [...records];
    altered[1] = { ...at(1), raw: 'line two, edited' };
    expect(verify(altered).broken).toMatchObject({ kind: 'altered', seq: 2, id: at(1).id });
    expect(verify(altered).records).toBe(1);
  });

  it('reports altered Shift_JIS bytes', () => {
    const altered = [...records];
    const bytes = Buffer.from(SHIFT_JIS);
    bytes[0] = 0x96;
    altered[2] = { ...at(2), raw_base64: bytes.toString('base64') };
    expect(verify(altered).broken).toMatchObject({ kind: 'altered', seq: 3 });
  });

  it('reports a missing record as a gap in seq', () => {
    const cut = records.filter((r) => r.seq !== 3);
    expect(verify(cut).broken).toMatchObject({ kind: 'missing', seq: 3, detail: 'record 3 is missing' });
    expect(verify(records.slice(2)).broken).toMatchObject({ kind: 'missing', seq: 1 });
  });

  it('reports a re-linked record: altered with a recomputed hash, the next link no longer holds', () => {
    const forged = { ...at(1), raw: 'line two, edited' };
    forged.hash = recordHash(forged, Buffer.from(forged.raw));
    const relinked = [at(0), forged, ...records.slice(2)];
    expect(verify(relinked).broken).toMatchObject({ kind: 'relinked', seq: 3, id: at(2).id });
  });

  it('reports a record whose prev_hash was pointed elsewhere', () => {
    const moved = { ...at(3), prev_hash: at(1).hash };
    moved.hash = recordHash(moved, Buffer.from('line four'));
    expect(verify([...records.slice(0, 3), moved, at(4)]).broken).toMatchObject({
      kind: 'relinked',
      seq: 4,
    });
  });

  it('reports a seq stored twice as a fork', () => {
    expect(verify([at(0), at(1), at(1)]).broken).toMatchObject({ kind: 'duplicate', seq: 2 });
  });

  it('reports a record stored under another id than its own', () => {
    const verifier = new ChainVerifier('syslog/192.0.2.10/2026-11-24');
    verifier.add(at(0), 'r-somethingelse');
    expect(verifier.finish().broken).toMatchObject({ kind: 'altered', seq: 1 });
  });

  it('reports a truncated tail against the chain head', () => {
    const head = { seq: 5, hash: at(4).hash };
    expect(verify(records, head).broken).toBeUndefined();
    expect(verify(records.slice(0, 3), head).broken).toMatchObject({ kind: 'truncated', seq: 4 });
    expect(verify([], head).broken).toMatchObject({ kind: 'truncated', seq: 1 });
  });

  it('reports a rebuilt chain whose hash at the head differs from the head’s', () => {
    expect(verify(records, { seq: 5, hash: at(3).hash }).broken).toMatchObject({ kind: 'altered', seq: 5 });
  });

  it('notes, but does not fail, a head that lags behind its records (a crash before the head was written)', () => {
    const verdict = verify(records, { seq: 4, hash: at(3).hash });
    expect(verdict.broken).toBeUndefined();
    expect(verdict.notes).toEqual(['head names seq 4; records go on to 5']);
  });
});
