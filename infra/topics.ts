// The Kafka topics of DESIGN.md §3: every arrow between two stages is one of these.
import type { ResolvedConfig } from './config.ts';

export const TOPICS = {
  rawSyslog: 'rm.raw.syslog',
  rawWindows: 'rm.raw.windows',
  rawRdGateway: 'rm.raw.rdgateway',
  events: 'rm.events',
  approvals: 'rm.approvals',
  registry: 'rm.registry',
  sessions: 'rm.sessions',
  findings: 'rm.findings',
  notices: 'rm.notices',
  reconciliations: 'rm.reconciliations',
  deadLetter: 'rm.deadletter',
  alerts: 'rm.alerts',
  alertRetries: 'rm.alerts.retry',
} as const;
export type TopicName = (typeof TOPICS)[keyof typeof TOPICS];

export interface TopicSpec {
  name: string;
  partitions: number;
  replicationFactor: number;
  /** Topic-level configs that setup enforces. */
  configs: Record<string, string>;
}

/**
 * Partition counts bound how far a stage scales out. Raw and event topics carry the volume; the approval
 * and registry tables are small and read whole by every correlator instance, so one partition keeps them
 * in one total order.
 */
const DEFAULT_PARTITIONS: Record<TopicName, number> = {
  'rm.raw.syslog': 3,
  'rm.raw.windows': 3,
  'rm.raw.rdgateway': 3,
  'rm.events': 6,
  'rm.approvals': 1,
  'rm.registry': 1,
  'rm.sessions': 6,
  'rm.findings': 3,
  'rm.notices': 3,
  'rm.reconciliations': 1,
  'rm.deadletter': 1,
  // Alert state and parked deliveries: few records, read whole by the alert stage.
  'rm.alerts': 1,
  'rm.alerts.retry': 1,
};

/**
 * Tables: the latest record per key is what counts. `rm.sessions` is also the session stage's state (it
 * rebuilds from it), so it keeps the last version of each session and drops those unchanged for 30 days.
 */
const COMPACTED = new Set<TopicName>(['rm.approvals', 'rm.registry', 'rm.reconciliations', 'rm.alerts']);
const COMPACTED_WITH_RETENTION = new Set<TopicName>(['rm.sessions']);

/** A topic's name in the configured namespace. */
export function topicName(config: Pick<ResolvedConfig, 'namespace'>, topic: TopicName): string {
  return `${config.namespace}${topic}`;
}

const COMPACTED_CONFIGS: Record<string, string> = {
  'cleanup.policy': 'compact',
  'min.compaction.lag.ms': '60000',
};
const DELETE_CONFIGS: Record<string, string> = { 'cleanup.policy': 'delete' };
const SESSION_TABLE_CONFIGS: Record<string, string> = {
  'cleanup.policy': 'compact,delete',
  'retention.ms': String(30 * 24 * 3600 * 1000),
};

export function topicSpecs(config: Pick<ResolvedConfig, 'namespace' | 'topics'>): TopicSpec[] {
  return (Object.values(TOPICS) as TopicName[]).map((topic) => ({
    name: topicName(config, topic),
    partitions: config.topics.partitions[topic] ?? DEFAULT_PARTITIONS[topic],
    replicationFactor: config.topics.replicationFactor,
    configs: COMPACTED.has(topic)
      ? COMPACTED_CONFIGS
      : COMPACTED_WITH_RETENTION.has(topic)
        ? SESSION_TABLE_CONFIGS
        : DELETE_CONFIGS,
  }));
}
