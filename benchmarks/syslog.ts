// syslog → Kafka: rmwatch's collector against rsyslog (imtcp/imudp → omkafka), side by side, same broker,
// same load from a separate sender process. Throughput counts a record once Kafka holds it.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import type { ResolvedConfig } from '../infra/config.ts';
import type { MessageBus } from '../infra/kafka.ts';
import { TOPICS, topicName } from '../infra/topics.ts';
import { framesOf } from '../model/frames.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface SyslogRun {
  receiver: 'rmwatch' | 'rsyslog';
  transport: 'tcp' | 'udp';
  sent: number;
  delivered: number;
  seconds: number;
  perSecond: number;
}

/** UDP at a steady offered rate, as routers send: how much of it reached Kafka. */
export interface SyslogOffered {
  receiver: 'rmwatch' | 'rsyslog';
  rate: number;
  sent: number;
  delivered: number;
}

export interface SyslogLoad {
  tcp: number;
  udp: number;
  /** Offered UDP rates, datagrams/s, each held for `offeredSeconds`. */
  offeredRates: readonly number[];
  offeredSeconds: number;
}

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

function waitForOutput(child: ChildProcess, text: string, timeoutMs = 60_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "${text}" within ${timeoutMs} ms`)), timeoutMs);
    const onData = (b: Buffer) => {
      if (b.toString().includes(text)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`exited with ${code} before "${text}"`)));
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve();
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/** A count over a topic: Kafka records (end offsets, cheap to ask) or the lines they carry. */
type Counter = () => Promise<number>;
interface Counting {
  progress: Counter;
  lines: Counter;
  stop: () => Promise<void>;
}

/** rsyslog writes one Kafka record per line: the end offsets count both its progress and its lines. */
function perLine(bus: MessageBus, topic: string): Counting {
  const progress: Counter = () => bus.topicEndOffsets(topic);
  return { progress, lines: progress, stop: async () => undefined };
}

/**
 * rmwatch writes batches of frames (model/frames.ts): progress is watched by end offsets, as with rsyslog, and
 * the lines are counted by reading the topic and adding up each record's frame count. The topic is read only
 * between measurements, never during one: reading it takes CPU that the receiver under test would miss.
 */
function perBatch(bus: MessageBus, topic: string): Counting {
  const groupId = `${topic}.bench.${Date.now()}`;
  /** The next offset to count, by partition: a record delivered twice counts once. */
  const next = new Map<number, bigint>();
  let records = 0;
  let frames = 0;
  const lines: Counter = async () => {
    const end = await bus.topicEndOffsets(topic);
    if (records >= end) return frames;
    const consumption = await bus.consume({
      groupId,
      topics: [topic],
      fromBeginning: true,
      handler: async (batch) => {
        for (const r of batch.records) {
          const offset = BigInt(r.offset);
          if (offset < (next.get(batch.partition) ?? 0n)) continue;
          next.set(batch.partition, offset + 1n);
          records++;
          frames += framesOf(r.headers);
        }
      },
    });
    try {
      const deadline = Date.now() + 120_000;
      while (records < end && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    } finally {
      await consumption.stop();
    }
    return frames;
  };
  return { progress: () => bus.topicEndOffsets(topic), lines, stop: async () => undefined };
}

/**
 * Sends `count` lines and times them until Kafka holds the last one, that is until the topic stops growing
 * (2 s without a new record after the sender finished: UDP may lose datagrams, so all of them may never come).
 */
async function measure(
  counter: Counting,
  transport: 'tcp' | 'udp' | 'udp-paced',
  port: number,
  count: number,
  rate = 0,
): Promise<Omit<SyslogRun, 'receiver' | 'transport'>> {
  const linesBefore = await counter.lines();
  let progress = await counter.progress();
  const started = Date.now();
  const sender = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      join(ROOT, 'benchmarks', 'sender.ts'),
      transport,
      '127.0.0.1',
      String(port),
      String(count),
      String(rate),
    ],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const senderDone = new Promise<void>((r) => sender.once('exit', () => r()));
  let finishedAt = Date.now();
  for (;;) {
    await new Promise((r) => setTimeout(r, 20));
    const now = await counter.progress();
    if (now !== progress) {
      progress = now;
      finishedAt = Date.now();
    }
    if (sender.exitCode !== null && Date.now() - finishedAt > 2000) break;
    if (Date.now() - started > 300_000) break;
  }
  await senderDone;
  const delivered = (await counter.lines()) - linesBefore;
  const seconds = (finishedAt - started) / 1000;
  return { sent: count, delivered, seconds, perSecond: Math.round(delivered / seconds) };
}

/** The offered-rate ladder, one step after another, for one receiver. */
async function offer(
  receiver: SyslogOffered['receiver'],
  counter: Counting,
  port: number,
  load: SyslogLoad,
): Promise<SyslogOffered[]> {
  const steps: SyslogOffered[] = [];
  for (const rate of load.offeredRates) {
    const { sent, delivered } = await measure(counter, 'udp-paced', port, rate * load.offeredSeconds, rate);
    steps.push({ receiver, rate, sent, delivered });
  }
  return steps;
}

export async function benchSyslog(
  config: ResolvedConfig,
  bus: MessageBus,
  counts: SyslogLoad,
): Promise<{ runs: SyslogRun[]; offered: SyslogOffered[] }> {
  const runs: SyslogRun[] = [];
  const offered: SyslogOffered[] = [];
  const work = mkdtempSync(join(tmpdir(), 'rmwatch-bench-'));

  // rmwatch's collector, as its own process.
  const tcpPort = await freePort();
  const udpPort = await freePort();
  const configFile = join(work, 'rmwatch.yaml');
  writeFileSync(
    configFile,
    stringify({
      namespace: config.namespace,
      kafka: { brokers: config.kafka.brokers },
      elasticsearch: { url: config.elasticsearch.url },
      log: { level: 'warn' },
      collectors: {
        syslog: {
          udp: { host: '127.0.0.1', port: udpPort },
          tcp: { host: '127.0.0.1', port: tcpPort },
          journal: { dir: join(work, 'journal') },
        },
      },
    }),
  );
  const collector = spawn(
    process.execPath,
    [join(ROOT, 'cli', 'rmwatch.mjs'), '--config', configFile, 'run', 'syslog'],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  await waitForOutput(collector, 'is running');
  const raw = perBatch(bus, topicName(config, TOPICS.rawSyslog));
  try {
    runs.push({
      receiver: 'rmwatch',
      transport: 'tcp',
      ...(await measure(raw, 'tcp', tcpPort, counts.tcp)),
    });
    runs.push({
      receiver: 'rmwatch',
      transport: 'udp',
      ...(await measure(raw, 'udp', udpPort, counts.udp)),
    });
    offered.push(...(await offer('rmwatch', raw, udpPort, counts)));
  } finally {
    await raw.stop();
    await stopChild(collector);
  }

  // rsyslog, the same way into a topic of its own on the same broker.
  const rsTopic = `${config.namespace}bench.rsyslog`;
  await bus.ensureTopics([{ name: rsTopic, partitions: 3, replicationFactor: 1, configs: {} }]);
  const rsTcp = await freePort();
  const rsUdp = await freePort();
  const conf = join(work, 'rsyslog.conf');
  writeFileSync(
    conf,
    `global(workDirectory="${work}")
module(load="imtcp")
module(load="imudp")
module(load="omkafka")
template(name="raw" type="string" string="%rawmsg%")
input(type="imtcp" address="127.0.0.1" port="${rsTcp}" ruleset="tokafka")
input(type="imudp" address="127.0.0.1" port="${rsUdp}" ruleset="tokafka")
ruleset(name="tokafka") {
  action(type="omkafka" broker=["${config.kafka.brokers.join('","')}"] topic="${rsTopic}" template="raw"
         confParam=["acks=all", "enable.idempotence=true"] partitions.auto="on")
}
`,
  );
  const rsyslog = spawn('rsyslogd', ['-n', '-f', conf, '-i', join(work, 'rsyslogd.pid')], {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  await new Promise((r) => setTimeout(r, 1500));
  try {
    runs.push({
      receiver: 'rsyslog',
      transport: 'tcp',
      ...(await measure(perLine(bus, rsTopic), 'tcp', rsTcp, counts.tcp)),
    });
    runs.push({
      receiver: 'rsyslog',
      transport: 'udp',
      ...(await measure(perLine(bus, rsTopic), 'udp', rsUdp, counts.udp)),
    });
    offered.push(...(await offer('rsyslog', perLine(bus, rsTopic), rsUdp, counts)));
  } finally {
    await stopChild(rsyslog);
  }
  return { runs, offered };
}
