// What each topic becomes in Elasticsearch (DESIGN.md §7): the index, the document id (the model's id or the
// record's key, so a redelivery overwrites) and the document. A route answers with a reason instead when a
// record cannot be indexed; the sink sends that record to the dead letters.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { ResolvedConfig } from '../../infra/config.ts';
import type { IndexedDocument } from '../../infra/elasticsearch.ts';
import { indexName, monthlyIndexFor, type IndexKind } from '../../infra/index-templates.ts';
import type { IncomingRecord } from '../../infra/kafka.ts';
import { TOPICS, topicName, type TopicName } from '../../infra/topics.ts';
import { Approval } from '../../model/approval.ts';
import { DeadLetter } from '../../model/deadletter.ts';
import { RecordId, UtcTimestamp } from '../../model/common.ts';
import { Finding } from '../../model/finding.ts';
import { Notice } from '../../model/notice.ts';
import { Reconciliation } from '../../model/reconciliation.ts';
import { RegistryRecord } from '../../model/registry.ts';
import { Session } from '../../model/session.ts';

export const ROUTE_NAMES = [
  'events',
  'sessions',
  'findings',
  'notices',
  'reconciliations',
  'approvals',
  'registry',
  'deadletter',
] as const;
export type RouteName = (typeof ROUTE_NAMES)[number];

export interface SinkRoute {
  name: RouteName;
  /** The namespaced topic the route reads. */
  topic: string;
  /** The document a record becomes, or why it cannot be indexed. */
  document(record: IncomingRecord): IndexedDocument | string;
  /**
   * Whether a document Elasticsearch refuses goes to the dead letters. Not for the dead letters' own route:
   * a refused dead letter would come back as another dead letter, forever.
   */
  refusalsToDeadLetters: boolean;
}

type Config = Pick<ResolvedConfig, 'namespace'>;

/** What of a canonical event decides where it is written (model/event.ts has the whole event). */
const EventPlacement = z.object({ '@timestamp': UtcTimestamp, event: z.object({ id: RecordId }) });

type EventPlacement = z.infer<typeof EventPlacement>;

const NEWLINE = 0x0a;
/**
 * The normaliser writes an event's fields in the model's order, `@timestamp` and `event.id` first: read off
 * the front of the bytes they place the event without parsing the rest. Text written otherwise is parsed.
 */
const PLACEMENT_AT_FRONT = /^\{"@timestamp":"([^"\\]{1,64})","event":\{"id":"([^"\\]{1,256})"[,}]/;
const FRONT_BYTES = 512;

/** Where an event goes (its time and id), or why it cannot be placed. */
export function eventPlacement(value: Buffer): EventPlacement | string {
  const front = PLACEMENT_AT_FRONT.exec(value.toString('utf8', 0, Math.min(value.length, FRONT_BYTES)));
  if (front) {
    const placed = EventPlacement.safeParse({ '@timestamp': front[1], event: { id: front[2] } });
    if (placed.success) return placed.data;
  }
  const parsed = decode(value.toString('utf8'), EventPlacement);
  return typeof parsed === 'string' ? parsed : parsed.value;
}

export function sinkRoutes(config: Config, names: readonly RouteName[] = ROUTE_NAMES): SinkRoute[] {
  const all: Record<RouteName, SinkRoute> = {
    // Events are the volume, and every one was checked against the whole model by the normaliser that
    // wrote it: here only what places the document is checked (its id and time), the strict mapping
    // checks the rest (an unknown field, a wrong type or broken JSON is refused and dead-lettered, never
    // dropped), and the bytes go to Elasticsearch as they came instead of being parsed and written again.
    events: {
      name: 'events',
      topic: topicName(config, TOPICS.events),
      refusalsToDeadLetters: true,
      document(record) {
        if (record.value === null) return 'an empty record (only table topics have tombstones)';
        const placed = eventPlacement(record.value);
        if (typeof placed === 'string') return placed;
        let source = record.value;
        if (source.includes(NEWLINE)) {
          // A line break would end the document early in the bulk body: such text is written on one line.
          const whole = decode(source.toString('utf8'), z.record(z.string(), z.unknown()));
          if (typeof whole === 'string') return whole;
          source = Buffer.from(JSON.stringify(whole.value));
        }
        return {
          index: monthlyIndexFor(config, 'events', placed['@timestamp']),
          id: placed.event.id,
          document: placed,
          source,
        };
      },
    },
    sessions: table(config, 'sessions', TOPICS.sessions, Session, (s) => s),
    findings: route(config, 'findings', TOPICS.findings, Finding, (f) => {
      // The disposition belongs to the security office (audit API), not to the correlator: merging the
      // finding in without it keeps a disposition through every later version of the finding.
      const { disposition: _, ...rest } = f;
      return { index: indexName(config, 'findings'), id: f.id, document: rest, upsert: true };
    }),
    notices: route(config, 'notices', TOPICS.notices, Notice, (n) => ({
      index: indexName(config, 'notices'),
      id: n.id,
      document: n,
    })),
    reconciliations: table(config, 'reconciliations', TOPICS.reconciliations, Reconciliation, (r) => r),
    approvals: table(config, 'approvals', TOPICS.approvals, Approval, (a) => a),
    registry: table(config, 'registry', TOPICS.registry, RegistryRecord, (r, key) => ({
      ...r,
      entity_id: key,
    })),
    deadletter: {
      ...route(config, 'deadletter', TOPICS.deadLetter, DeadLetter, (d, record) => ({
        index: indexName(config, 'deadletter'),
        // A dead letter has no id of its own; where it sits in its topic is one, stable across redeliveries.
        id: positionId(record),
        document: d,
      })),
      refusalsToDeadLetters: false,
    },
  };
  return names.map((n) => all[n]);
}

function route<T>(
  config: Config,
  name: RouteName,
  topic: TopicName,
  schema: z.ZodType<T>,
  toDocument: (value: T, record: IncomingRecord) => IndexedDocument,
): SinkRoute {
  return {
    name,
    topic: topicName(config, topic),
    refusalsToDeadLetters: true,
    document(record) {
      if (record.value === null) return 'an empty record (only table topics have tombstones)';
      const parsed = decode(record.value.toString('utf8'), schema);
      return typeof parsed === 'string' ? parsed : toDocument(parsed.value, record);
    },
  };
}

/**
 * A compacted topic: the key is the document id, and a tombstone (null value) deletes the document, so
 * Elasticsearch forgets what the table forgot.
 */
function table<T>(
  config: Config,
  kind: IndexKind & RouteName,
  topic: TopicName,
  schema: z.ZodType<T>,
  toDocument: (value: T, key: string) => object,
): SinkRoute {
  const index = indexName(config, kind);
  return {
    name: kind,
    topic: topicName(config, topic),
    refusalsToDeadLetters: true,
    document(record) {
      if (record.key === null) return 'a table record needs its key';
      if (record.value === null) return { index, id: record.key, document: {}, delete: true };
      const parsed = decode(record.value.toString('utf8'), schema);
      return typeof parsed === 'string'
        ? parsed
        : { index, id: record.key, document: toDocument(parsed.value, record.key) };
    },
  };
}

function decode<T>(text: string, schema: z.ZodType<T>): { value: T } | string {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return `not JSON: ${(err as Error).message}`;
  }
  const parsed = schema.safeParse(json);
  return parsed.success
    ? { value: parsed.data }
    : parsed.error.issues.map((i) => `${i.path.join('.') || '(record)'}: ${i.message}`).join('; ');
}

function positionId(record: IncomingRecord): string {
  return createHash('sha256')
    .update(`${record.topic}\n${record.partition}\n${record.offset}`)
    .digest('hex')
    .slice(0, 32);
}
