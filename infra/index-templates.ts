// Elasticsearch layout (DESIGN.md §7), with explicit mappings: keyword for ids, names and actions; ip for
// addresses; date for times. `dynamic: strict` makes a document with an unexpected field fail loudly
// (and go to the dead-letter topic) instead of silently growing the mapping.
//
// Departure from DESIGN.md §7: events go to monthly indices `rm-events-YYYY.MM` behind the alias
// `rm-events`, not to a data stream, because the distribution we run has no data-stream or ILM module;
// retention deletes whole monthly indices.
import type { ResolvedConfig } from './config.ts';
import type { IndexTemplate } from './elasticsearch.ts';

const keyword = { type: 'keyword' } as const;
const ip = { type: 'ip' } as const;
const date = { type: 'date' } as const;
const long = { type: 'long' } as const;
const integer = { type: 'integer' } as const;
const bool = { type: 'boolean' } as const;
/** Free text searchable by words, and sortable/aggregatable as a whole. */
const text = { type: 'text', fields: { raw: { type: 'keyword', ignore_above: 1024 } } } as const;
const object = <P extends Record<string, unknown>>(properties: P) => ({ properties });

/** The findings a session or reconciliation carries (model/session.ts FindingMark). */
const FINDING_MARK = object({
  id: keyword,
  fingerprint: keyword,
  rule: keyword,
  severity: keyword,
  subject: keyword,
  session_id: keyword,
});

const EVENT_PROPERTIES = {
  '@timestamp': date,
  event: object({ id: keyword, action: keyword, outcome: keyword, dataset: keyword }),
  observer: object({ vendor: keyword, product: keyword, hostname: keyword, ip }),
  source: object({ ip, port: integer }),
  vpn: object({ assigned_ip: ip }),
  destination: object({ ip, port: integer, domain: keyword }),
  host: object({ name: keyword, ip }),
  user: object({ name: keyword, domain: keyword }),
  winlog: object({ logon: object({ id: keyword, type: integer }) }),
  network: object({ bytes_in: long, bytes_out: long }),
  session: object({ duration_s: { type: 'double' } }),
  file: object({ path: keyword }),
  share: object({ name: keyword }),
  message: { type: 'text' },
  log: object({ file: object({ path: keyword, line: long }) }),
  raw: object({ id: keyword }),
};

const SESSION_PROPERTIES = {
  id: keyword,
  status: keyword,
  merged_into: keyword,
  closed_by: keyword,
  start: date,
  end: date,
  last_seen: date,
  established: bool,
  layers: keyword,
  coverage_gaps: keyword,
  vendor: keyword,
  operator: keyword,
  accounts: keyword,
  vpn_user: keyword,
  source: object({ ip }),
  assigned_ip: ip,
  addresses: ip,
  gateway: keyword,
  jump_host: keyword,
  targets: keyword,
  logon_ids: keyword,
  bytes_in: long,
  bytes_out: long,
  duration_s: { type: 'double' },
  auth_failures: integer,
  approval_id: keyword,
  late: bool,
  evidence: keyword,
  timeline: object({
    id: keyword,
    at: date,
    action: keyword,
    outcome: keyword,
    layer: keyword,
    host: keyword,
    account: keyword,
    source_ip: ip,
    assigned_ip: ip,
    logon_id: keyword,
    target: keyword,
    detail: keyword,
    bytes_in: long,
    bytes_out: long,
    late: bool,
  }),
  truncated: integer,
  findings: FINDING_MARK,
  notices: keyword,
  shard: integer,
  updated_at: date,
};

const NOTICE_PROPERTIES = {
  id: keyword,
  kind: keyword,
  session_id: keyword,
  '@timestamp': date,
  approval_id: keyword,
  vendor: keyword,
  operator: keyword,
  accounts: keyword,
  targets: keyword,
  message: text,
  message_en: text,
};

const FINDING_PROPERTIES = {
  id: keyword,
  rule: keyword,
  severity: keyword,
  session_id: keyword,
  status: keyword,
  subject: keyword,
  evidence: keyword,
  message: text,
  message_en: text,
  '@timestamp': date,
  updated_at: date,
  vendor: keyword,
  operator: keyword,
  account: keyword,
  host: keyword,
  approval_id: keyword,
  disposition: object({ status: keyword, by: keyword, at: date, note: { type: 'text' } }),
};

const window = object({ start: date, end: date });
const APPROVAL_PROPERTIES = {
  id: keyword,
  vendor: keyword,
  operators: object({ name: keyword, id: keyword, accounts: keyword }),
  targets: keyword,
  purpose: text,
  window,
  sources: keyword,
  status: keyword,
  approved_by: keyword,
  approved_at: date,
  revoked_at: date,
  revoked_by: keyword,
  revoke_reason: { type: 'text' },
  report: object({
    actual: window,
    operators: keyword,
    targets_touched: keyword,
    work_done: { type: 'text' },
    no_data_taken_out: bool,
    submitted_at: date,
  }),
  updated_at: date,
};

/** One document per registry entity, whatever its kind; fields a kind lacks stay absent. */
const REGISTRY_PROPERTIES = {
  entity_id: keyword,
  kind: keyword,
  id: keyword,
  name: keyword,
  vendor: keyword,
  operator: keyword,
  frozen: bool,
  frozen_reason: { type: 'text' },
  frozen_since: date,
  sources: keyword,
  accounts: keyword,
  generic: bool,
  ip,
  role: keyword,
  cidr: keyword,
  max_concurrent_sessions: integer,
  max_session_minutes: integer,
  idle_minutes: integer,
  /** Systems (registry kind `system`): the servers each runs on. */
  hosts: keyword,
};

const DEAD_LETTER_PROPERTIES = {
  stage: keyword,
  source: keyword,
  error: { type: 'text', fields: { raw: { type: 'keyword', ignore_above: 1024 } } },
  raw: { type: 'binary' },
  at: date,
  origin: object({ topic: keyword, partition: integer, offset: keyword, frame: integer }),
};

const RECONCILIATION_PROPERTIES = {
  id: keyword,
  vendor: keyword,
  status: keyword,
  sessions: object({
    session_id: keyword,
    start: date,
    end: date,
    status: keyword,
    targets: keyword,
    transfer: bool,
    evidence: keyword,
    vendor: keyword,
    operator: keyword,
    account: keyword,
  }),
  discrepancies: object({ kind: keyword, session_id: keyword, message: text, message_en: text }),
  findings: FINDING_MARK,
  checked_at: date,
};

/**
 * Raw records as received, hash-chained per source and day (processors/evidence/chain.ts), and beside each
 * chain's records its head document (`entry: head`: seq and hash of the last record written). `raw` holds
 * the bytes when they are UTF-8, `raw_base64` otherwise (Shift_JIS, binary); neither is a keyword, so a long
 * line is never cut.
 */
const EVIDENCE_PROPERTIES = {
  entry: keyword,
  id: keyword,
  chain: keyword,
  kind: keyword,
  source: keyword,
  day: keyword,
  seq: long,
  prev_hash: keyword,
  hash: keyword,
  received_at: date,
  peer: keyword,
  peer_port: integer,
  transport: keyword,
  charset: keyword,
  format: keyword,
  timezone: keyword,
  raw: { type: 'text' },
  raw_base64: { type: 'binary' },
  origin: object({ topic: keyword, partition: integer, offset: keyword, frame: integer }),
  updated_at: date,
};

/** Who asked the audit API or CLI what, and when (processors/audit). */
const AUDIT_PROPERTIES = {
  id: keyword,
  at: date,
  who: keyword,
  role: keyword,
  action: keyword,
  target: keyword,
  /** JSON text: each action has parameters of its own shape. */
  parameters: { type: 'text' },
  outcome: keyword,
  status: integer,
  result_count: long,
  client: keyword,
  error: { type: 'text' },
};

/**
 * How far each consumer group is behind, sampled by `rmwatch run health` (processors/health/lag.ts): one
 * document per group, topic and sample, for the pipeline-health dashboard.
 */
const PIPELINE_PROPERTIES = {
  '@timestamp': date,
  group: keyword,
  topic: keyword,
  partitions: integer,
  /** Sum over the topic's partitions of the group's committed offsets, and of the partitions' ends. */
  committed: long,
  end: long,
  lag: long,
};

export const INDEX_PROPERTIES = {
  events: EVENT_PROPERTIES,
  sessions: SESSION_PROPERTIES,
  findings: FINDING_PROPERTIES,
  approvals: APPROVAL_PROPERTIES,
  notices: NOTICE_PROPERTIES,
  reconciliations: RECONCILIATION_PROPERTIES,
  registry: REGISTRY_PROPERTIES,
  deadletter: DEAD_LETTER_PROPERTIES,
  evidence: EVIDENCE_PROPERTIES,
  audit: AUDIT_PROPERTIES,
  pipeline: PIPELINE_PROPERTIES,
} as const;
export type IndexKind = keyof typeof INDEX_PROPERTIES;

/** Kinds kept in monthly indices `<name>-YYYY.MM` behind the alias `<name>`: retention drops whole months. */
export const MONTHLY_KINDS: ReadonlySet<IndexKind> = new Set<IndexKind>(['events', 'evidence', 'pipeline']);

export interface IndexLayout {
  kind: IndexKind;
  /** Template name; also the alias (events) or the index name (all others). */
  name: string;
  template: IndexTemplate;
  /** Concrete indices setup creates so that readers find them before the first write. */
  indices: string[];
}

export function indexName(config: Pick<ResolvedConfig, 'namespace'>, kind: IndexKind): string {
  return `${config.namespace}rm-${kind}`;
}

/** The monthly index of a monthly kind that a timestamp belongs to (UTC month). */
export function monthlyIndexFor(
  config: Pick<ResolvedConfig, 'namespace'>,
  kind: IndexKind,
  timestamp: string,
): string {
  return `${indexName(config, kind)}-${timestamp.slice(0, 4)}.${timestamp.slice(5, 7)}`;
}

/** The monthly events index a timestamp belongs to (UTC month). */
export function eventsIndexFor(config: Pick<ResolvedConfig, 'namespace'>, timestamp: string): string {
  return monthlyIndexFor(config, 'events', timestamp);
}

export function indexLayouts(
  config: Pick<ResolvedConfig, 'namespace' | 'elasticsearch'>,
  now: Date = new Date(),
): IndexLayout[] {
  const settings = { number_of_shards: 1, number_of_replicas: config.elasticsearch.replicas };
  return (Object.keys(INDEX_PROPERTIES) as IndexKind[]).map((kind) => {
    const name = indexName(config, kind);
    const mappings = { dynamic: 'strict' as const, properties: INDEX_PROPERTIES[kind] };
    if (MONTHLY_KINDS.has(kind)) {
      return {
        kind,
        name,
        template: {
          index_patterns: [`${name}-*`],
          priority: 100,
          template: { settings, mappings, aliases: { [name]: {} } },
        },
        indices: [monthlyIndexFor(config, kind, now.toISOString())],
      };
    }
    return {
      kind,
      name,
      template: { index_patterns: [name], priority: 100, template: { settings, mappings } },
      indices: [name],
    };
  });
}
