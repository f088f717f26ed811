// One typed configuration for every stage: an optional YAML/JSON file, then RMWATCH_* environment
// overrides, validated once at start. Errors name the setting and where its value came from.
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { SyslogCollectorSettings } from '../collectors/syslog/settings.ts';
import { WindowsCollectorSettings } from '../collectors/windows/settings.ts';
import { LedgerSettings } from '../collectors/ledger/settings.ts';
import { CorrelateSettings } from '../processors/correlate/settings.ts';
import { IndexSettings } from '../processors/index/settings.ts';
import { AuditSettings } from '../processors/audit/settings.ts';
import { AlertSettings } from '../alerts/settings.ts';
import { HealthSettings } from '../processors/health/settings.ts';
import { ObservabilitySettings } from './observability.ts';

const HostPort = z.string().regex(/^[^\s:/]+:\d{1,5}$|^\[[0-9a-fA-F:.]+\]:\d{1,5}$/, 'expected host:port');
const TcpPort = z.number().int().min(1).max(65535);

const KafkaSettings = z
  .object({
    /** Absent: the embedded local broker of `infra/stack`. */
    brokers: z.array(HostPort).min(1).optional(),
    clientId: z.string().min(1).default('rmwatch'),
    ssl: z.boolean().default(false),
    sasl: z
      .object({
        mechanism: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']),
        username: z.string().min(1),
        password: z.string().min(1),
      })
      .optional(),
    connectionTimeoutMs: z.number().int().positive().default(5000),
  })
  .strict();

const ElasticsearchSettings = z
  .object({
    /** Absent: the embedded local node of `infra/stack`. */
    url: z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }).optional(),
    username: z.string().min(1).optional(),
    password: z.string().min(1).optional(),
    apiKey: z.string().min(1).optional(),
    requestTimeoutMs: z.number().int().positive().default(30000),
    /** Replicas per index; default 0 on the single-node embedded stack, else 1. */
    replicas: z.number().int().min(0).optional(),
  })
  .strict()
  .refine((e) => !(e.username && !e.password), { message: 'username needs a password', path: ['password'] });

const StackSettings = z
  .object({
    /** Working data of the embedded stack (git-ignored). */
    dir: z.string().min(1).default('.stack'),
    /** Downloaded distributions, shared by every checkout of this machine. */
    cacheDir: z.string().min(1).optional(),
    kafkaVersion: z.string().default('4.4.0'),
    elasticsearchVersion: z.string().default('9.3.2'),
    kafkaPort: TcpPort.default(19092),
    kafkaControllerPort: TcpPort.default(19093),
    elasticsearchPort: TcpPort.default(19200),
    elasticsearchTransportPort: TcpPort.default(19300),
    elasticsearchHeap: z
      .string()
      .regex(/^\d+[mg]$/, 'expected a JVM size like 512m or 1g')
      .default('1g'),
    kafkaHeap: z
      .string()
      .regex(/^\d+[mg]$/, 'expected a JVM size like 512m or 1g')
      .default('512m'),
    startTimeoutSeconds: z.number().int().positive().default(180),
  })
  .strict();

const TopicSettings = z
  .object({
    replicationFactor: z.number().int().positive().default(1),
    /** Partition counts by topic name, overriding infra/topics.ts. */
    partitions: z.record(z.string(), z.number().int().positive()).default({}),
  })
  .strict();

export const Config = z
  .object({
    /** Prefix for every topic, consumer group and index: lets several deployments or tests share a cluster. */
    namespace: z
      .string()
      .regex(/^[a-z0-9][a-z0-9._-]*$|^$/, 'lower-case letters, digits, ".", "_", "-"')
      .default(''),
    kafka: KafkaSettings.default({ clientId: 'rmwatch', ssl: false, connectionTimeoutMs: 5000 }),
    elasticsearch: ElasticsearchSettings.default({ requestTimeoutMs: 30000 }),
    stack: StackSettings.default(() => StackSettings.parse({})),
    topics: TopicSettings.default({ replicationFactor: 1, partitions: {} }),
    collectors: z
      .object({
        syslog: SyslogCollectorSettings.default(() => SyslogCollectorSettings.parse({})),
        // Off unless configured: an HTTP endpoint without tokens would be open to anyone.
        windows: WindowsCollectorSettings.default(() => WindowsCollectorSettings.parse({ http: null })),
      })
      .strict()
      .default(() => ({
        syslog: SyslogCollectorSettings.parse({}),
        windows: WindowsCollectorSettings.parse({ http: null }),
      })),
    // Session stitching and the rules' thresholds (processors/correlate/settings.ts).
    correlate: CorrelateSettings.default(() => CorrelateSettings.parse({})),
    // The Elasticsearch sink's batching and the retention periods (processors/index/settings.ts).
    index: IndexSettings.default(() => IndexSettings.parse({})),
    // The approvals ledger API; off unless configured, like every HTTP input.
    ledger: LedgerSettings.default(() => LedgerSettings.parse({})),
    // The audit API (processors/audit/settings.ts); off unless configured, like every HTTP input.
    audit: AuditSettings.default(() => AuditSettings.parse({})),
    // Alerts to on-call staff (alerts/settings.ts): notifiers, routes, quiet hours, escalation.
    alerts: AlertSettings.default(() => AlertSettings.parse({})),
    // Pipeline health: how often consumer lag is sampled (processors/health/settings.ts).
    health: HealthSettings.default(() => HealthSettings.parse({})),
    // Each stage process's `/healthz` and `/metrics` (infra/observability.ts); off for a stage run alone.
    observability: ObservabilitySettings.default(() => ObservabilitySettings.parse({})),
    // Where people look at what rmwatch found: alert messages and dashboards link there.
    links: z
      .object({
        /** Grafana's base URL, as people reach it (dashboards/ provisions the dashboards there). */
        grafana: z.url().default('http://localhost:3000'),
        /** The audit API's base URL, as people reach it. */
        auditApi: z.url().default('http://localhost:8090'),
      })
      .strict()
      .default({ grafana: 'http://localhost:3000', auditApi: 'http://localhost:8090' }),
    log: z
      .object({
        level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
      })
      .strict()
      .default({ level: 'info' }),
  })
  .strict();
export type Config = z.infer<typeof Config>;

/** The configuration with embedded-stack defaults filled in: what the stages connect to. */
export interface ResolvedConfig extends Config {
  kafka: Config['kafka'] & { brokers: string[] };
  elasticsearch: Config['elasticsearch'] & { url: string; replicas: number };
  stack: Config['stack'] & { cacheDir: string; embeddedKafka: boolean; embeddedElasticsearch: boolean };
}

type EnvKind = 'string' | 'list' | 'int' | 'bool';
/** Every environment override: variable → setting path. */
export const ENV_OVERRIDES: Readonly<Record<string, { path: readonly string[]; kind: EnvKind }>> = {
  RMWATCH_NAMESPACE: { path: ['namespace'], kind: 'string' },
  RMWATCH_KAFKA_BROKERS: { path: ['kafka', 'brokers'], kind: 'list' },
  RMWATCH_KAFKA_CLIENT_ID: { path: ['kafka', 'clientId'], kind: 'string' },
  RMWATCH_KAFKA_SSL: { path: ['kafka', 'ssl'], kind: 'bool' },
  RMWATCH_KAFKA_SASL_MECHANISM: { path: ['kafka', 'sasl', 'mechanism'], kind: 'string' },
  RMWATCH_KAFKA_SASL_USERNAME: { path: ['kafka', 'sasl', 'username'], kind: 'string' },
  RMWATCH_KAFKA_SASL_PASSWORD: { path: ['kafka', 'sasl', 'password'], kind: 'string' },
  RMWATCH_ES_URL: { path: ['elasticsearch', 'url'], kind: 'string' },
  RMWATCH_ES_USERNAME: { path: ['elasticsearch', 'username'], kind: 'string' },
  RMWATCH_ES_PASSWORD: { path: ['elasticsearch', 'password'], kind: 'string' },
  RMWATCH_ES_API_KEY: { path: ['elasticsearch', 'apiKey'], kind: 'string' },
  RMWATCH_ES_REPLICAS: { path: ['elasticsearch', 'replicas'], kind: 'int' },
  RMWATCH_STACK_DIR: { path: ['stack', 'dir'], kind: 'string' },
  RMWATCH_CACHE_DIR: { path: ['stack', 'cacheDir'], kind: 'string' },
  RMWATCH_KAFKA_PORT: { path: ['stack', 'kafkaPort'], kind: 'int' },
  RMWATCH_KAFKA_CONTROLLER_PORT: { path: ['stack', 'kafkaControllerPort'], kind: 'int' },
  RMWATCH_ES_PORT: { path: ['stack', 'elasticsearchPort'], kind: 'int' },
  RMWATCH_ES_TRANSPORT_PORT: { path: ['stack', 'elasticsearchTransportPort'], kind: 'int' },
  RMWATCH_ES_HEAP: { path: ['stack', 'elasticsearchHeap'], kind: 'string' },
  RMWATCH_LOG_LEVEL: { path: ['log', 'level'], kind: 'string' },
  RMWATCH_METRICS_PORT: { path: ['observability', 'port'], kind: 'int' },
  RMWATCH_GRAFANA_URL: { path: ['links', 'grafana'], kind: 'string' },
  RMWATCH_AUDIT_API_URL: { path: ['links', 'auditApi'], kind: 'string' },
};

export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

export interface LoadOptions {
  /** Config file path; default `$RMWATCH_CONFIG`, else `rmwatch.yaml` in the working directory if present. */
  file?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}

export function loadConfig(options: LoadOptions = {}): ResolvedConfig {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const origins = new Map<string, string>();
  const problems: string[] = [];

  let raw: Record<string, unknown> = {};
  const explicit = options.file ?? env.RMWATCH_CONFIG;
  const file = explicit ? resolve(cwd, explicit) : resolve(cwd, 'rmwatch.yaml');
  if (explicit || existsSync(file)) {
    try {
      const parsed: unknown = parseYaml(readFileSync(file, 'utf8'));
      if (parsed === null || parsed === undefined) raw = {};
      else if (typeof parsed === 'object' && !Array.isArray(parsed)) raw = parsed as Record<string, unknown>;
      else problems.push(`${file}: the top level must be a mapping`);
    } catch (err) {
      problems.push(`${file}: ${(err as Error).message.split('\n')[0]}`);
    }
    markOrigins(raw, [], file, origins);
  }

  for (const [name, { path, kind }] of Object.entries(ENV_OVERRIDES)) {
    const text = env[name];
    if (text === undefined || text === '') continue;
    const value = coerceEnv(text, kind);
    if (value === undefined) {
      problems.push(
        `${name}=${JSON.stringify(text)}: expected ${kind === 'int' ? 'a whole number' : 'true or false'}`,
      );
      continue;
    }
    setPath(raw, path, value);
    origins.set(path.join('.'), name);
  }
  if (problems.length > 0) throw new ConfigError(problems);

  const result = Config.safeParse(raw);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => {
        const path = issue.path.map(String);
        const where =
          issue.path
            .map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i > 0 ? '.' : ''}${String(p)}`))
            .join('') || '(top level)';
        const origin = originOf(path, origins);
        return `${where}: ${issue.message}${origin ? ` (from ${origin})` : ''}`;
      }),
    );
  }
  return resolveDefaults(result.data, cwd, env);
}

function resolveDefaults(config: Config, cwd: string, env: NodeJS.ProcessEnv): ResolvedConfig {
  const embeddedKafka = config.kafka.brokers === undefined;
  const embeddedElasticsearch = config.elasticsearch.url === undefined;
  // Elasticsearch runs as a separate system user when we are root; that user cannot read /root's cache.
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  const defaultCache = isRoot
    ? '/var/cache/rmwatch'
    : resolve(env.XDG_CACHE_HOME ?? resolve(homedir(), '.cache'), 'rmwatch');
  return {
    ...config,
    kafka: { ...config.kafka, brokers: config.kafka.brokers ?? [`127.0.0.1:${config.stack.kafkaPort}`] },
    elasticsearch: {
      ...config.elasticsearch,
      url: config.elasticsearch.url ?? `http://127.0.0.1:${config.stack.elasticsearchPort}`,
      replicas: config.elasticsearch.replicas ?? (embeddedElasticsearch ? 0 : 1),
    },
    stack: {
      ...config.stack,
      dir: resolve(cwd, config.stack.dir),
      cacheDir: resolve(cwd, config.stack.cacheDir ?? defaultCache),
      embeddedKafka,
      embeddedElasticsearch,
    },
  };
}

/** The configuration as it can be shown: secrets replaced. */
export function redactConfig(config: ResolvedConfig): unknown {
  return JSON.parse(
    JSON.stringify(config, (key, value: unknown) => {
      if (['password', 'pass', 'apiKey', 'token'].includes(key) && typeof value === 'string') return '***';
      // Slack, Teams and most webhook URLs carry their secret in the path: only the host is shown.
      if (key === 'notifiers' && Array.isArray(value))
        return value.map((n: Record<string, unknown>) =>
          typeof n.url === 'string'
            ? {
                ...n,
                url: `${new URL(n.url).origin}/***`,
                // Extra webhook headers are usually the receiver's own authorization.
                headers: Object.fromEntries(Object.keys(n.headers ?? {}).map((k) => [k, '***'])),
              }
            : n,
        );
      return value;
    }),
  );
}

function coerceEnv(text: string, kind: EnvKind): unknown {
  switch (kind) {
    case 'string':
      return text;
    case 'list':
      return text
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
    case 'int':
      return /^\d+$/.test(text) ? Number(text) : undefined;
    case 'bool':
      return /^(1|true|yes|on)$/i.test(text) ? true : /^(0|false|no|off)$/i.test(text) ? false : undefined;
  }
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  path.slice(0, -1).forEach((segment) => {
    const next = node[segment];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[segment] = {};
    node = node[segment] as Record<string, unknown>;
  });
  node[path[path.length - 1] as string] = value;
}

function markOrigins(value: unknown, path: string[], file: string, origins: Map<string, string>): void {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) markOrigins(v, [...path, k], file, origins);
  } else if (path.length > 0) {
    origins.set(path.join('.'), file);
  }
}

/** The origin of the setting at `path` or of its nearest configured parent/child. */
function originOf(path: readonly string[], origins: Map<string, string>): string | undefined {
  for (let n = path.length; n > 0; n--) {
    const hit = origins.get(path.slice(0, n).join('.'));
    if (hit) return hit;
  }
  const prefix = path.join('.');
  for (const [key, origin] of origins) if (prefix && key.startsWith(`${prefix}.`)) return origin;
  return undefined;
}
