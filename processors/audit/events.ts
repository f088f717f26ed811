// The events behind a session or a finding, each with the raw line it was read from.
//   input:  event ids; a session's timeline entries (optional: they carry the layer, and stand in for an
//           event the index does not hold yet)
//   output: one line per event in time order (then layer, then id): what happened where, the canonical event
//           from `rm-events`, and its raw record from `rm-evidence` (looked up by the event's `raw.id` with
//           one `ids` query per 1000 ids: processors/evidence/records.ts), or why the raw line is unavailable
// A missing raw record, a missing evidence index or an event without `raw.id` makes only that line's raw
// part unavailable; the timeline is still shown.
import type { ResolvedConfig } from '../../infra/config.ts';
import type { SearchStore } from '../../infra/elasticsearch.ts';
import { indexName } from '../../infra/index-templates.ts';
import { rawRecords, type RawRecord } from '../evidence/records.ts';
import { SESSION_LAYERS, type SessionLayer, type TimelineEntry } from '../../model/session.ts';

export type RawLine =
  | {
      available: true;
      id: string;
      /** The record as text: UTF-8 as received, or decoded from Shift_JIS for reading. */
      text?: string;
      /** The bytes as received, when they are not UTF-8. */
      base64?: string;
      charset: string;
      received_at: string;
      peer: string;
      /** Where the record sits in its hash chain (`rmwatch verify` checks the chain). */
      chain: string;
      seq: number;
      hash: string;
    }
  | { available: false; id?: string; reason: string };

export interface EventLine {
  id: string;
  at: string;
  layer?: SessionLayer;
  action?: string;
  outcome?: string;
  dataset?: string;
  host?: string;
  account?: string;
  source_ip?: string;
  target?: string;
  detail?: string;
  late?: boolean;
  message?: string;
  /** False when `rm-events` does not hold the event (yet): the line comes from the session's timeline. */
  indexed: boolean;
  event?: Record<string, unknown>;
  raw: RawLine;
}

type Config = Pick<ResolvedConfig, 'namespace'>;

/** Ids per terms / ids query: far below Elasticsearch's limits, small enough for one response. */
const CHUNK = 1000;

const chunks = <T>(items: readonly T[]): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
};

/** Missing indices are no error here: a namespace may not have received one event yet. */
const TOLERANT = { ignore_unavailable: true, allow_no_indices: true };

const text = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;
const field = (doc: Record<string, unknown> | undefined, path: string): unknown =>
  path.split('.').reduce<unknown>((node, key) => {
    if (node === null || typeof node !== 'object') return undefined;
    return (node as Record<string, unknown>)[key];
  }, doc);

export async function fetchEvents(
  config: Config,
  store: SearchStore,
  ids: readonly string[],
): Promise<Map<string, Record<string, unknown>>> {
  const found = new Map<string, Record<string, unknown>>();
  for (const part of chunks([...new Set(ids)])) {
    const result = await store.query(indexName(config, 'events'), {
      query: { terms: { 'event.id': part } },
      size: part.length,
      ...TOLERANT,
    });
    for (const hit of result.hits) {
      const id = text(field(hit.source, 'event.id')) ?? hit.id;
      found.set(id, hit.source);
    }
  }
  return found;
}

async function fetchRaw(
  config: Config,
  store: SearchStore,
  ids: readonly string[],
): Promise<{ found: Map<string, RawRecord>; problem?: string }> {
  try {
    return { found: await rawRecords(store, config, ids) };
  } catch (err) {
    return { found: new Map(), problem: `the evidence store could not be read: ${String(err)}` };
  }
}

function rawLine(rawId: string | undefined, record: RawRecord | undefined, problem?: string): RawLine {
  if (rawId === undefined) return { available: false, reason: 'the event names no raw record' };
  if (record === undefined)
    return { available: false, id: rawId, reason: problem ?? 'the raw record is not in the evidence store' };
  const line: RawLine = {
    available: true,
    id: rawId,
    charset: record.charset,
    received_at: record.received_at,
    peer: record.peer,
    chain: record.chain,
    seq: record.seq,
    hash: record.hash,
  };
  const text = record.text ?? record.decoded;
  if (text !== undefined) line.text = text;
  if (record.base64 !== undefined) line.base64 = record.base64;
  return line;
}

const LAYER_ORDER = new Map(SESSION_LAYERS.map((l, i) => [l, i]));

export function byTime(a: EventLine, b: EventLine): number {
  // A line of unknown time goes last.
  const time = (line: EventLine) => {
    const t = Date.parse(line.at);
    return Number.isNaN(t) ? Infinity : t;
  };
  const ta = time(a);
  const tb = time(b);
  if (ta !== tb) return ta < tb ? -1 : 1;
  const la = a.layer === undefined ? 9 : (LAYER_ORDER.get(a.layer) ?? 9);
  const lb = b.layer === undefined ? 9 : (LAYER_ORDER.get(b.layer) ?? 9);
  return la - lb || a.id.localeCompare(b.id);
}

/** The lines of `ids`, in time order; `entries` (a session's timeline) add the layer and fill gaps. */
export async function eventLines(
  config: Config,
  store: SearchStore,
  ids: readonly string[],
  entries: readonly TimelineEntry[] = [],
): Promise<EventLine[]> {
  const byId = new Map(entries.map((e) => [e.id, e]));
  const all = [...new Set([...ids, ...byId.keys()])];
  const events = await fetchEvents(config, store, all);
  const rawIds = [...events.values()].map((e) => text(field(e, 'raw.id'))).filter((id) => id !== undefined);
  const raw = await fetchRaw(config, store, rawIds);
  const lines = all.map((id): EventLine => {
    const entry = byId.get(id);
    const event = events.get(id);
    const rawId = text(field(event, 'raw.id'));
    const line: EventLine = {
      id,
      at: text(field(event, '@timestamp')) ?? entry?.at ?? '',
      layer: entry?.layer,
      action: text(field(event, 'event.action')) ?? entry?.action,
      outcome: text(field(event, 'event.outcome')) ?? entry?.outcome,
      dataset: text(field(event, 'event.dataset')),
      host: text(field(event, 'host.name')) ?? entry?.host,
      account: text(field(event, 'user.name')) ?? entry?.account,
      source_ip: text(field(event, 'source.ip')) ?? entry?.source_ip,
      target:
        text(field(event, 'destination.domain')) ?? text(field(event, 'destination.ip')) ?? entry?.target,
      detail: text(field(event, 'share.name')) ?? text(field(event, 'file.path')) ?? entry?.detail,
      late: entry?.late,
      message: text(field(event, 'message')),
      indexed: event !== undefined,
      event,
      raw: event
        ? rawLine(rawId, rawId === undefined ? undefined : raw.found.get(rawId), raw.problem)
        : { available: false, reason: 'the event is not in the events index (yet)' },
    };
    // Absent fields stay absent in JSON answers instead of showing as null.
    return Object.fromEntries(Object.entries(line).filter(([, v]) => v !== undefined)) as EventLine;
  });
  return lines.sort(byTime);
}
