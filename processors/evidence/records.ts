// The raw records behind events, for the audit API and CLI: `event.raw.id` → the record as received.
//   input:  evidence ids (model/ids.ts evidenceId), from events' `raw.id`
//   output: per id found, the bytes (as text when UTF-8, base64 otherwise, plus the text decoded by its
//           charset when that is Shift_JIS) and where and when they were received; ids not stored are absent
import type { ResolvedConfig } from '../../infra/config.ts';
import type { SearchStore } from '../../infra/elasticsearch.ts';
import { indexName } from '../../infra/index-templates.ts';
import { decodeText } from '../../model/charset.ts';
import type { Charset } from '../../model/charset.ts';
import type { RawFormat, Transport } from '../../model/raw.ts';
import { EvidenceRecord, recordBytes, type Origin } from './chain.ts';

export interface RawRecord {
  id: string;
  /** The bytes exactly as received, when they are UTF-8. */
  text?: string;
  /** The bytes exactly as received, base64, when they are not UTF-8. */
  base64?: string;
  /** For reading only: Shift_JIS bytes decoded to text (the evidence stays `base64`). */
  decoded?: string;
  received_at: string;
  peer: string;
  peer_port?: number;
  transport: Transport;
  charset: Charset;
  format: RawFormat;
  chain: string;
  seq: number;
  hash: string;
  origin: Origin;
}

// The ids query is answered by one search; a page stays well under the default result window.
const IDS_PER_REQUEST = 1000;

export async function rawRecords(
  store: SearchStore,
  config: Pick<ResolvedConfig, 'namespace'>,
  ids: readonly string[],
): Promise<Map<string, RawRecord>> {
  const found = new Map<string, RawRecord>();
  const wanted = [...new Set(ids)];
  for (let at = 0; at < wanted.length; at += IDS_PER_REQUEST) {
    const chunk = wanted.slice(at, at + IDS_PER_REQUEST);
    const result = await store.query(indexName(config, 'evidence'), {
      query: { bool: { filter: [{ ids: { values: chunk } }, { term: { entry: 'record' } }] } },
      size: chunk.length,
      ignore_unavailable: true,
      allow_no_indices: true,
    });
    for (const hit of result.hits) {
      const parsed = EvidenceRecord.safeParse(hit.source);
      // A document that is no longer an evidence record is for `rmwatch verify` to report, not to show.
      if (!parsed.success) continue;
      found.set(hit.id, toRawRecord(parsed.data));
    }
  }
  return found;
}

function toRawRecord(r: EvidenceRecord): RawRecord {
  const out: RawRecord = {
    id: r.id,
    received_at: r.received_at,
    peer: r.peer,
    transport: r.transport,
    charset: r.charset,
    format: r.format,
    chain: r.chain,
    seq: r.seq,
    hash: r.hash,
    origin: r.origin,
  };
  if (r.peer_port !== undefined) out.peer_port = r.peer_port;
  if (r.raw !== undefined) out.text = r.raw;
  if (r.raw_base64 !== undefined) {
    out.base64 = r.raw_base64;
    const bytes = recordBytes(r);
    if (bytes && r.charset === 'shift_jis') {
      try {
        out.decoded = decodeText(bytes, 'shift_jis');
      } catch {
        // Labelled Shift_JIS but not decodable: the bytes are still there, as base64.
      }
    }
  }
  return out;
}
