// What the fault suite (test/faults) shares: its own embedded stack (other ports, another folder, so that
// killing it never touches the stack the other tests use), the pipeline run as separate processes
// (`rmwatch run <stage>`), a steady load whose events and findings are known in advance, the faults
// themselves, and the counts the suite checks and prints.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createConnection, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, type ResolvedConfig } from '../../infra/config.ts';
import { createLogger } from '../../infra/logger.ts';
import { elasticsearchPid } from '../../infra/stack/elasticsearch-node.ts';
import { kafkaPid } from '../../infra/stack/kafka-broker.ts';
import { isOurProcess } from '../../infra/stack/processes.ts';
import { stackUp } from '../../infra/stack/stack.ts';
import { TOPICS, topicName } from '../../infra/topics.ts';
import { registryEntityId, toHeaders } from '../../model/index.ts';
import { cityRegistry, REGISTRY_YAML } from './city.ts';
import { correlate, normalizeLines } from './correlate.ts';
import { esCurl, kcat, REPO_ROOT, type Harness } from './harness.ts';
import type { HttpReceiver } from './receivers.ts';
import { approvalsOf, CASES, dayOf } from './rule-cases.ts';
import { Scenario, type RawLine } from './scenario.ts';
import { tokyoDay } from '../../model/tokyo-time.ts';

/** The fault suite's own stack: ports and folder apart from the default stack (19092/19200, `.stack`). */
export const FAULT_STACK_ENV = {
  RMWATCH_KAFKA_PORT: '28092',
  RMWATCH_KAFKA_CONTROLLER_PORT: '28093',
  RMWATCH_ES_PORT: '28200',
  RMWATCH_ES_TRANSPORT_PORT: '28300',
  RMWATCH_STACK_DIR: '.stack-faults',
} as const;

export function faultStackConfig(): ResolvedConfig {
  return loadConfig({ env: { ...process.env, ...FAULT_STACK_ENV } });
}

/** Refuses to run against the shared stack: a fault test kills servers, and others use the default ones. */
export function assertOwnStack(config: ResolvedConfig): void {
  if (config.stack.kafkaPort !== Number(FAULT_STACK_ENV.RMWATCH_KAFKA_PORT))
    throw new Error(`the fault suite must run on its own stack (port 28092), not ${config.kafka.brokers}`);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// --- the load ------------------------------------------------------------------------------------------

export interface Load {
  lines: RawLine[];
  /** Distinct canonical events the lines make, as the normaliser reads them. */
  events: number;
  /**
   * The findings the rule cases call for, by `<day of the session, Japan time> <rule>[:subject]`, and how many
   * of each the offline correlator finds (two sessions of one day can share a key: one account, two people).
   */
  findings: Record<string, number>;
}

/** The registry with vendor-b frozen from the load's last day on. */
export function loadRegistry(rounds: number) {
  const frozenSince = `${dayOf(rounds * CASES.length - 1)}T00:00:00Z`;
  return cityRegistry(
    REGISTRY_YAML.replace(
      '{ id: vendor-b, name: 北見システム株式会社, frozen: false,',
      `{ id: vendor-b, name: 北見システム株式会社, frozen: true, frozen_reason: 事故調査中, frozen_since: "${frozenSince}",`,
    ),
  );
}

export const loadApprovals = (rounds: number) =>
  Array.from({ length: rounds * CASES.length }, (_, d) =>
    approvalsOf(dayOf(d), CASES[d % CASES.length]?.report !== false),
  ).flat();

/** The load's correlation settings: it spans weeks of device time over two paths that race each other. */
export const LATENESS_SECONDS = 120 * 86_400;

/**
 * Every rule's case and near-miss twin (test/support/rule-cases.ts), `rounds` times over, each case on a day
 * of its own. Every case that fires must be among the expected findings (only the last round's frozen-vendor
 * case fires: the freeze starts on the last day).
 */
export function caseLoad(rounds: number): Load {
  const lines: RawLine[] = [];
  const firing: string[] = [];
  for (let r = 0; r < rounds; r++)
    CASES.forEach((c, i) => {
      const day = dayOf(r * CASES.length + i);
      const s = new Scenario();
      c.build(day, s);
      // A case's Windows events go out before its router lines: the correlator's findings depend on the
      // order the two paths arrive in (see the suite's report), and this is the order it judges right.
      lines.push(
        ...s.lines.filter((l) => l.format !== 'syslog'),
        ...s.lines.filter((l) => l.format === 'syslog'),
      );
      if (c.fires && (c.rule !== 'frozen_vendor' || r === rounds - 1)) firing.push(`${day} ${c.rule}`);
    });
  const events = new Set(normalizeLines(lines).map((e) => e.event.id)).size;
  const offline = correlate(lines, {
    registry: loadRegistry(rounds),
    approvals: loadApprovals(rounds),
    settings: { latenessSeconds: LATENESS_SECONDS },
    finish: false,
  });
  const start = new Map(offline.sessions.map((s) => [s.id, tokyoDay(s.start)]));
  const findings: Record<string, number> = Object.fromEntries(firing.map((k) => [k, 0]));
  for (const f of offline.findings) {
    const key = `${start.get(f.session_id) ?? '?'} ${f.rule}${f.subject ? `:${f.subject}` : ''}`;
    if (key in findings) findings[key] = (findings[key] ?? 0) + 1;
  }
  const unfired = firing.filter((k) => findings[k] === 0);
  if (unfired.length > 0) throw new Error(`the offline correlator misses cases: ${unfired.join(', ')}`);
  return { lines, events, findings };
}

/** The registry and the approvals of every day of the load, on their topics. */
export async function publishCity(h: Harness, rounds: number): Promise<void> {
  await h.bus.produce(
    topicName(h.config, TOPICS.registry),
    loadRegistry(rounds).map((r) => ({ key: registryEntityId(r), value: JSON.stringify(r) })),
  );
  await h.bus.produce(
    topicName(h.config, TOPICS.approvals),
    loadApprovals(rounds).map((a) => ({ key: a.id, value: JSON.stringify(a) })),
  );
}

// --- the pipeline as processes -------------------------------------------------------------------------

export type StageName = 'syslog' | 'windows' | 'normalize' | 'correlate' | 'index' | 'evidence' | 'alerts';

export const WINDOWS_TOKEN = 'faults-windows-token-0123456789';

export interface Pipeline {
  readonly syslogPort: number;
  readonly windowsUrl: string;
  /** Exits nobody asked for (a crash): stage, code, signal. */
  readonly crashes: string[];
  start(stages: readonly StageName[]): Promise<void>;
  /** SIGKILL, as the kernel's OOM killer or a pulled plug would. */
  kill(stage: StageName): Promise<void>;
  /** SIGTERM: an orderly stop, as an operator's restart does. */
  stop(stage: StageName): Promise<void>;
  alive(stage: StageName): boolean;
  /** The stage's own output (pino lines), for a failing test's message. */
  output(stage: StageName): string;
  close(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const REPORT_FLAGS = (dir: string) => [
  '--report-on-signal',
  '--report-signal=SIGUSR2',
  `--report-dir=${dir}`,
];

/** The parts of a stage's diagnostic report that tell why it is still there: stacks, open handles, threads. */
function diagnosticReport(dir: string, pid: number): string {
  const file = readdirSync(dir).find((f) => f.startsWith('report.') && f.includes(`.${pid}.`));
  if (!file) return '(none written: the process did not answer SIGUSR2)';
  const report = JSON.parse(readFileSync(join(dir, file), 'utf8')) as {
    javascriptStack?: { message?: string; stack?: string[] };
    nativeStack?: Array<{ symbol?: string }>;
    libuv?: Array<{ type?: string; is_active?: boolean; is_referenced?: boolean; remoteEndpoint?: unknown }>;
    workers?: unknown[];
  };
  const handles = (report.libuv ?? []).filter((h) => h.is_active);
  return JSON.stringify(
    {
      javascriptStack: report.javascriptStack,
      nativeStack: (report.nativeStack ?? []).slice(0, 25).map((f) => f.symbol),
      activeHandles: handles,
      workers: (report.workers ?? []).length,
      file: join(dir, file),
    },
    null,
    1,
  );
}

/**
 * What each thread of a process is doing, as the kernel sees it, and their native stacks where gdb is at
 * hand: a process that does not answer SIGUSR2 is stuck outside JavaScript.
 */
function threadsOf(pid: number): string {
  const lines: string[] = [];
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const at = `/proc/${pid}/task/${tid}`;
      const read = (f: string) => {
        try {
          return readFileSync(`${at}/${f}`, 'utf8').trim();
        } catch {
          return '?';
        }
      };
      const state = read('stat')
        .replace(/^.*\) /, '')
        .split(' ')[0];
      lines.push(`${tid} ${read('comm')} state=${state} wchan=${read('wchan')}`);
    }
  } catch (err) {
    return `(cannot read /proc/${pid}: ${(err as Error).message})`;
  }
  const gdb = spawnSync('gdb', ['-p', String(pid), '-batch', '-ex', 'thread apply all bt 15'], {
    encoding: 'utf8',
    timeout: 15_000,
  });
  if (gdb.status === 0)
    lines.push(
      gdb.stdout
        .split('\n')
        .filter((l) => /^(Thread|#)/.test(l))
        .join('\n'),
    );
  return lines.join('\n');
}

/** Writes the pipeline's configuration: the collectors on free ports, alerts to `receiver`'s webhook. */
export async function createPipeline(h: Harness, receiver: HttpReceiver): Promise<Pipeline> {
  const dir = mkdtempSync(join(tmpdir(), 'rmwatch-faults-'));
  const syslogPort = await freePort();
  const windowsPort = await freePort();
  const configFile = join(dir, 'rmwatch.yaml');
  writeFileSync(
    configFile,
    JSON.stringify({
      collectors: {
        syslog: {
          udp: null,
          tcp: { host: '127.0.0.1', port: syslogPort },
          journal: { dir: join(dir, 'journal') },
        },
        windows: {
          http: { host: '127.0.0.1', port: windowsPort },
          tokens: [{ name: 'faults', token: WINDOWS_TOKEN }],
        },
      },
      correlate: { latenessSeconds: LATENESS_SECONDS },
      alerts: {
        // The load's device times are in the past; every alert must still go out.
        maxAgeHours: null,
        notifiers: [{ name: 'hook', type: 'webhook', url: `${receiver.origin}/hook` }],
        routes: [{ name: 'all', match: {}, notifiers: ['hook'] }],
        retry: { attempts: 3, initialMs: 200, parkedInitialMs: 1000, parkedMaxMs: 2000, checkEveryMs: 200 },
      },
    }),
  );
  const env = {
    ...h.env,
    RMWATCH_CONFIG: configFile,
    // RMWATCH_FAULTS_STAGE_LOG=info shows what each stage did, for a failing test's message.
    RMWATCH_LOG_LEVEL: process.env.RMWATCH_FAULTS_STAGE_LOG ?? 'warn',
  };
  const children = new Map<StageName, ChildProcess>();
  const logs = new Map<StageName, string>();
  const intended = new Set<ChildProcess>();
  const crashes: string[] = [];

  const launch = async (stage: StageName) => {
    const logFile = join(dir, `${stage}.log`);
    logs.set(stage, logFile);
    // The file is appended to across restarts: only what this launch writes counts as its start.
    const from = existsSync(logFile) ? statSync(logFile).size : 0;
    const out = openSync(logFile, 'a');
    // A process group of its own, so that a kill reaches the stage and nothing else.
    // SIGUSR2 makes Node write a diagnostic report (stacks, open handles) into `dir`: the evidence for a stage
    // that does not exit when told to.
    const child = spawn(process.execPath, [...REPORT_FLAGS(dir), 'cli/rmwatch.mjs', 'run', stage], {
      cwd: REPO_ROOT,
      env,
      detached: true,
      stdio: ['ignore', out, out],
    });
    children.set(stage, child);
    child.on('exit', (code, signal) => {
      if (!intended.has(child)) crashes.push(`${stage} exited (code ${code}, signal ${signal})`);
    });
    const deadline = Date.now() + 90_000;
    const written = () => readFileSync(logFile).subarray(from).toString('utf8');
    while (!written().includes(`rmwatch ${stage} is running`)) {
      if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline)
        throw new Error(`stage ${stage} did not start:\n${written().slice(-3000)}`);
      await sleep(200);
    }
  };

  const end = async (stage: StageName, signal: NodeJS.Signals) => {
    const child = children.get(stage);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    intended.add(child);
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    process.kill(-(child.pid as number), signal);
    // A stage gives itself 14 s to stop (cli/stop-deadline.ts); one still there later counts as a failure,
    // told with what the stage was doing.
    let late = false;
    const overdue = setTimeout(() => {
      late = true;
      process.kill(child.pid as number, 'SIGUSR2');
    }, 20_000);
    let threads = '';
    const gaveUp = setTimeout(() => {
      threads = threadsOf(child.pid as number);
      process.kill(-(child.pid as number), 'SIGKILL');
    }, 25_000);
    await exited;
    clearTimeout(overdue);
    clearTimeout(gaveUp);
    if (late)
      crashes.push(
        `${stage} did not exit within 20 s of ${signal}\n` +
          `--- its log:\n${readFileSync(logs.get(stage) as string, 'utf8').slice(-4000)}\n` +
          `--- its diagnostic report:\n${diagnosticReport(dir, child.pid as number)}\n` +
          `--- its threads 25 s after ${signal}:\n${threads || '(it exited before)'}`,
      );
  };

  return {
    syslogPort,
    windowsUrl: `http://127.0.0.1:${windowsPort}`,
    crashes,
    async start(stages) {
      await Promise.all(stages.map(launch));
    },
    kill: (stage) => end(stage, 'SIGKILL'),
    stop: (stage) => end(stage, 'SIGTERM'),
    alive(stage) {
      const child = children.get(stage);
      return child !== undefined && child.exitCode === null && child.signalCode === null;
    },
    output(stage) {
      const file = logs.get(stage);
      return file ? readFileSync(file, 'utf8') : '';
    },
    async close() {
      await Promise.all([...children.keys()].map((s) => end(s, 'SIGTERM')));
    },
  };
}

// --- sending ---------------------------------------------------------------------------------------------

/**
 * A router's TCP syslog sender: one line at a time, and when the collector goes away it reconnects and sends
 * the line it could not hand over again, as rsyslog's TCP output does.
 */
export class TcpSyslogSender {
  private socket: Socket | undefined;
  reconnects = 0;

  constructor(private readonly port: number) {}

  private connect(): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const socket = createConnection(this.port, '127.0.0.1');
      socket.once('connect', () => {
        socket.off('error', reject);
        socket.on('error', () => undefined);
        socket.on('close', () => {
          if (this.socket === socket) this.socket = undefined;
        });
        socket.on('end', () => socket.destroy());
        resolve(socket);
      });
      socket.once('error', reject);
    });
  }

  async send(line: Buffer, deadlineMs = 120_000): Promise<void> {
    const deadline = Date.now() + deadlineMs;
    for (;;) {
      try {
        if (!this.socket) {
          this.socket = await this.connect();
          this.reconnects++;
        }
        const socket = this.socket;
        await new Promise<void>((resolve, reject) =>
          socket.write(line, (err) => (err ? reject(err) : resolve())),
        );
        return;
      } catch (err) {
        this.socket?.destroy();
        this.socket = undefined;
        if (Date.now() > deadline)
          throw new Error(
            `the syslog collector on port ${this.port} took no line for ${deadlineMs / 1000} s`,
            {
              cause: err,
            },
          );
        await sleep(200);
      }
    }
  }

  close(): void {
    this.socket?.end();
  }
}

/** Windows events straight onto the raw topic (as the Windows collector writes them), retried until taken. */
async function produceWindows(h: Harness, lines: readonly RawLine[]): Promise<void> {
  const deadline = Date.now() + 180_000;
  for (;;) {
    try {
      await h.bus.produce(
        topicName(h.config, TOPICS.rawWindows),
        lines.map((l) => ({
          key: l.device,
          value: l.text,
          headers: toHeaders({
            received_at: new Date().toISOString(),
            peer: l.device,
            transport: 'http',
            charset: 'utf-8',
            format: l.format,
            timezone: 'Asia/Tokyo',
          }),
        })),
      );
      return;
    } catch (err) {
      // Sent again whole: the same Windows record keeps its event id, so a repeat overwrites.
      if (Date.now() > deadline) throw err;
      await sleep(500);
    }
  }
}

/**
 * Sends the load steadily, in order (router lines over TCP to the collector, Windows events to their raw
 * topic), about `seconds` long; `fault` starts once `at` of it was sent and runs alongside the rest.
 */
export async function sendLoad(
  h: Harness,
  sender: TcpSyslogSender,
  lines: readonly RawLine[],
  options: { seconds?: number; at?: number; fault?: () => Promise<void> } = {},
): Promise<void> {
  const chunk = 20;
  const pause = ((options.seconds ?? 6) * 1000) / Math.ceil(lines.length / chunk);
  let fault: Promise<void> | undefined;
  for (let i = 0; i < lines.length; i += chunk) {
    if (!fault && options.fault && i >= lines.length * (options.at ?? 0.4)) fault = options.fault();
    const part = lines.slice(i, i + chunk);
    let windows: RawLine[] = [];
    for (const line of part) {
      if (line.format === 'syslog') {
        if (windows.length > 0) await produceWindows(h, windows);
        windows = [];
        await sender.send(Buffer.from(`${line.text}\n`));
      } else windows.push(line);
    }
    if (windows.length > 0) await produceWindows(h, windows);
    await sleep(pause);
  }
  await fault;
}

// --- faults on the stack -----------------------------------------------------------------------------------

async function killPid(pid: number, marker: string): Promise<void> {
  process.kill(pid, 'SIGKILL');
  while (isOurProcess(pid, marker)) await sleep(100);
}

/** SIGKILL the broker, leave it down `downMs`, start it again (same data folder) and wait until it serves. */
export async function killAndRestartKafka(config: ResolvedConfig, downMs = 3000): Promise<void> {
  assertOwnStack(config);
  const pid = kafkaPid(config.stack);
  if (pid === undefined) throw new Error('the fault stack has no Kafka broker of its own to kill');
  await killPid(pid, 'kafka.Kafka');
  await sleep(downMs);
  await stackUp(config, createLogger('warn', 'faults-stack'));
}

/** SIGKILL the Elasticsearch node, leave it down `downMs`, start it again and wait until it is healthy. */
export async function killAndRestartElasticsearch(config: ResolvedConfig, downMs = 3000): Promise<void> {
  assertOwnStack(config);
  const pid = elasticsearchPid(config.stack);
  if (pid === undefined) throw new Error('the fault stack has no Elasticsearch node of its own to kill');
  await killPid(pid, 'org.elasticsearch');
  await sleep(downMs);
  await stackUp(config, createLogger('warn', 'faults-stack'));
}

// --- what arrived ------------------------------------------------------------------------------------------

export interface Counts {
  sent: number;
  /** Events expected (distinct ids of the good lines). */
  expectedEvents: number;
  indexed: number;
  /** Event ids indexed more than once. */
  duplicateEvents: number;
  expectedFindings: number;
  /** Active findings indexed of those expected. */
  findings: number;
  /** Active findings indexed beyond the rule cases' (the near-miss twins' side findings), for the record. */
  otherFindings: number;
  /** Event ids that more than one (unmerged) session claims: a session stitched twice. */
  eventsInTwoSessions: number;
  /** Keys with fewer active findings than expected, and with more. */
  findingsMissing: string[];
  findingsDoubled: string[];
  /** Alert ids the indexed findings and notices call for. */
  alertsExpected: number;
  alertsReceived: number;
  alertsMissing: string[];
  alertsDoubled: string[];
  /** Dead letters on rm.deadletter, by stage. */
  deadLetters: Record<string, number>;
  /** The same, as indexed in rm-deadletter. */
  deadLettersIndexed: Record<string, number>;
  /** Records the consumer groups have yet to commit. */
  lag: number;
}

interface Hit {
  _id: string;
  _source: Record<string, unknown>;
}

async function allHits(h: Harness, index: string): Promise<Hit[]> {
  const answer = (await esCurl(h.config, 'POST', `/${index}/_search?ignore_unavailable=true`, {
    size: 10_000,
    query: { match_all: {} },
  })) as { hits?: { hits: Hit[] } };
  return answer.hits?.hits ?? [];
}

const GROUPS: Record<string, readonly string[]> = {
  normalize: [TOPICS.rawSyslog, TOPICS.rawWindows, TOPICS.rawRdGateway],
  evidence: [TOPICS.rawSyslog, TOPICS.rawWindows, TOPICS.rawRdGateway],
  correlate: [TOPICS.events],
  index: [TOPICS.events, TOPICS.sessions, TOPICS.findings, TOPICS.notices, TOPICS.deadLetter],
  alerts: [TOPICS.findings, TOPICS.notices],
};

/** Records the pipeline's consumer groups have not yet committed, summed over groups and topics. */
export async function pipelineLag(h: Harness, groups = Object.keys(GROUPS)): Promise<number> {
  let lag = 0;
  for (const group of groups)
    for (const t of GROUPS[group] ?? []) {
      const topic = topicName(h.config, t as (typeof TOPICS)[keyof typeof TOPICS]);
      const end = await h.bus.topicEndOffsets(topic);
      const committed = await h.bus.committedOffsets(`${h.namespace}rmwatch.${group}`, topic);
      const done = [...committed.values()].reduce((n, o) => n + Math.max(0, Number(o)), 0);
      lag += Math.max(0, end - done);
    }
  return lag;
}

async function deadLettersOnTopic(h: Harness): Promise<Record<string, number>> {
  const out = await kcat(
    ['-C', '-t', topicName(h.config, TOPICS.deadLetter), '-o', 'beginning', '-e', '-q', '-f', '%s\n'],
    h.config,
  );
  const byStage: Record<string, number> = {};
  for (const line of out.stdout.split('\n').filter((l) => l.startsWith('{'))) {
    const stage = (JSON.parse(line) as { stage: string }).stage;
    byStage[stage] = (byStage[stage] ?? 0) + 1;
  }
  return byStage;
}

/** Everything the suite checks, read from Elasticsearch, Kafka and the receiver. */
export async function measure(
  h: Harness,
  load: { sent: number; events: number; findings: Readonly<Record<string, number>> },
  receiver: HttpReceiver,
  groups?: string[],
): Promise<Counts> {
  const ns = h.namespace;
  await esCurl(h.config, 'POST', `/${ns}rm-*/_refresh?ignore_unavailable=true`);
  const events = (await esCurl(h.config, 'POST', `/${ns}rm-events/_search?ignore_unavailable=true`, {
    size: 0,
    track_total_hits: true,
    aggs: { twice: { terms: { field: 'event.id', min_doc_count: 2, size: 100 } } },
  })) as { hits?: { total: { value: number } }; aggregations?: { twice: { buckets: unknown[] } } };

  const sessions = await allHits(h, `${ns}rm-sessions`);
  const startDay = new Map(sessions.map((s) => [s._id, tokyoDay(String(s._source.start))]));
  const findings = await allHits(h, `${ns}rm-findings`);
  const byKey = new Map<string, number>();
  for (const f of findings) {
    if (f._source.status !== 'active') continue;
    const day = startDay.get(String(f._source.session_id)) ?? '?';
    const key = `${day} ${String(f._source.rule)}${f._source.subject ? `:${String(f._source.subject)}` : ''}`;
    byKey.set(key, (byKey.get(key) ?? 0) + 1);
  }
  const notices = await allHits(h, `${ns}rm-notices`);

  const received = new Map<string, number>();
  for (const r of receiver.requests.filter((q) => q.status < 300)) {
    const id = String(r.headers['idempotency-key'] ?? '');
    received.set(id, (received.get(id) ?? 0) + 1);
  }
  const wanted = [
    ...findings.map((f) =>
      f._source.status === 'active' ? `${f._id}:active:${String(f._source.severity)}` : `${f._id}:withdrawn`,
    ),
    ...notices.map((n) => `${n._id}:${String(n._source.kind)}`),
  ];
  // A finding active again after a withdrawal ends in a count (`f-1:active:high:3`).
  const got = (id: string) => [...received.keys()].some((k) => k === id || k.startsWith(`${id}:`));

  const deadLettersIndexed = (await esCurl(
    h.config,
    'POST',
    `/${ns}rm-deadletter/_search?ignore_unavailable=true`,
    {
      size: 0,
      aggs: { stages: { terms: { field: 'stage', size: 50 } } },
    },
  )) as { aggregations?: { stages: { buckets: { key: string; doc_count: number }[] } } };

  return {
    sent: load.sent,
    expectedEvents: load.events,
    indexed: events.hits?.total.value ?? 0,
    duplicateEvents: events.aggregations?.twice.buckets.length ?? 0,
    expectedFindings: Object.values(load.findings).reduce((a, b) => a + b, 0),
    findings: Object.keys(load.findings).reduce(
      (a, k) => a + Math.min(byKey.get(k) ?? 0, load.findings[k] ?? 0),
      0,
    ),
    otherFindings: [...byKey].filter(([k]) => !(k in load.findings)).reduce((a, [, n]) => a + n, 0),
    eventsInTwoSessions: claimedTwice(sessions),
    findingsMissing: Object.entries(load.findings)
      .filter(([k, n]) => (byKey.get(k) ?? 0) < n)
      .map(([k, n]) => `${k} (${byKey.get(k) ?? 0} of ${n})`),
    findingsDoubled: [...byKey]
      .filter(([k, n]) => k in load.findings && n > (load.findings[k] ?? 0))
      .map(([k, n]) => `${k} (${n}, expected ${load.findings[k] ?? 0})`),
    alertsExpected: wanted.length,
    alertsReceived: received.size,
    alertsMissing: wanted.filter((id) => !got(id)),
    alertsDoubled: [...received].filter(([, n]) => n > 1).map(([id, n]) => `${id} ×${n}`),
    deadLetters: await deadLettersOnTopic(h),
    deadLettersIndexed: Object.fromEntries(
      (deadLettersIndexed.aggregations?.stages.buckets ?? []).map((b) => [b.key, b.doc_count]),
    ),
    lag: await pipelineLag(h, groups),
  };
}

function claimedTwice(sessions: readonly Hit[]): number {
  const claims = new Map<string, number>();
  for (const s of sessions) {
    if (s._source.status === 'merged') continue;
    const timeline = (s._source.timeline ?? []) as { event_id?: string; id?: string }[];
    for (const id of new Set(timeline.map((t) => t.event_id ?? t.id ?? '')))
      if (id) claims.set(id, (claims.get(id) ?? 0) + 1);
  }
  return [...claims.values()].filter((n) => n > 1).length;
}

const settledIn = (c: Counts) =>
  c.lag === 0 &&
  c.indexed >= c.expectedEvents &&
  c.findingsMissing.length === 0 &&
  c.alertsMissing.length === 0;

/**
 * Measures until the pipeline has caught up (nothing left to commit, every event and expected finding
 * indexed, every alert received) and two readings a few seconds apart agree, or `timeoutMs` passed; then
 * gives the last reading, so that a failing test shows what was missing.
 */
export async function settle(
  h: Harness,
  load: { sent: number; events: number; findings: Readonly<Record<string, number>> },
  receiver: HttpReceiver,
  options: { timeoutMs?: number; groups?: string[] } = {},
): Promise<Counts> {
  const deadline = Date.now() + (options.timeoutMs ?? 240_000);
  let last: Counts | undefined;
  for (;;) {
    let now: Counts | undefined;
    try {
      now = await measure(h, load, receiver, options.groups);
    } catch {
      // A server still coming back from a fault: try again.
    }
    if (now && last && settledIn(now) && JSON.stringify(now) === JSON.stringify(last)) return now;
    if (now) last = now;
    if (Date.now() > deadline) {
      if (last) return last;
      throw new Error('nothing could be measured before the deadline');
    }
    await sleep(now && settledIn(now) ? 3000 : 2000);
  }
}

/** The counts as a table on stderr, one per test. */
export function printCounts(title: string, c: Counts, extra: Record<string, string | number> = {}): void {
  const letters = (m: Record<string, number>) =>
    Object.entries(m)
      .map(([s, n]) => `${s} ${n}`)
      .join(', ') || '0';
  const rows: [string, string][] = [
    ['lines sent', String(c.sent)],
    [
      'events indexed / expected',
      `${c.indexed} / ${c.expectedEvents} (duplicated ids: ${c.duplicateEvents})`,
    ],
    [
      'findings indexed / expected',
      `${c.findings} / ${c.expectedFindings} (+${c.otherFindings} other; events in two sessions: ${c.eventsInTwoSessions})`,
    ],
    [
      'alerts received / expected',
      `${c.alertsReceived} / ${c.alertsExpected} (doubled: ${c.alertsDoubled.length})`,
    ],
    ['dead letters (rm.deadletter)', letters(c.deadLetters)],
    ['dead letters (rm-deadletter)', letters(c.deadLettersIndexed)],
    ['consumer lag', String(c.lag)],
    ...(c.findingsMissing.length > 0
      ? [['findings missing', c.findingsMissing.join(', ')] as [string, string]]
      : []),
    ...(c.findingsDoubled.length > 0
      ? [['findings doubled', c.findingsDoubled.join(', ')] as [string, string]]
      : []),
    ...(c.alertsMissing.length > 0
      ? [['alerts missing', c.alertsMissing.join(', ')] as [string, string]]
      : []),
    ...(c.alertsDoubled.length > 0
      ? [['alerts doubled', c.alertsDoubled.join(', ')] as [string, string]]
      : []),
    ...Object.entries(extra).map(([k, v]): [string, string] => [k, String(v)]),
  ];
  const width = Math.max(...rows.map(([k]) => k.length));
  process.stderr.write(`\n── ${title}\n${rows.map(([k, v]) => `  ${k.padEnd(width)}  ${v}`).join('\n')}\n`);
}
