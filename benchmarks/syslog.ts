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

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface SyslogRun {
  receiver: 'rmwatch' | 'rsyslog';
  transport: 'tcp' | 'udp';
  sent: number;
  delivered: number;
  seconds: number;
  perSecond: number;
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

/** Sends `count` lines and waits until Kafka holds them (or stops growing). */
async function measure(
  bus: MessageBus,
  topic: string,
  transport: 'tcp' | 'udp',
  port: number,
  count: number,
): Promise<Omit<SyslogRun, 'receiver' | 'transport'>> {
  const before = await bus.topicEndOffsets(topic);
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
    ],
    {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const senderDone = new Promise<void>((r) => sender.once('exit', () => r()));
  let delivered = 0;
  let lastChange = Date.now();
  let finishedAt = Date.now();
  for (;;) {
    await new Promise((r) => setTimeout(r, 50));
    const now = (await bus.topicEndOffsets(topic)) - before;
    if (now !== delivered) {
      delivered = now;
      lastChange = finishedAt = Date.now();
    }
    if (delivered >= count) break;
    // UDP may lose datagrams: stop once nothing more arrived for 3 s after the sender finished.
    if (sender.exitCode !== null && Date.now() - lastChange > 3000) break;
    if (Date.now() - started > 300_000) break;
  }
  await senderDone;
  const seconds = (finishedAt - started) / 1000;
  return { sent: count, delivered, seconds, perSecond: Math.round(delivered / seconds) };
}

export async function benchSyslog(
  config: ResolvedConfig,
  bus: MessageBus,
  counts: { tcp: number; udp: number },
): Promise<SyslogRun[]> {
  const runs: SyslogRun[] = [];
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
  const raw = topicName(config, TOPICS.rawSyslog);
  try {
    runs.push({
      receiver: 'rmwatch',
      transport: 'tcp',
      ...(await measure(bus, raw, 'tcp', tcpPort, counts.tcp)),
    });
    runs.push({
      receiver: 'rmwatch',
      transport: 'udp',
      ...(await measure(bus, raw, 'udp', udpPort, counts.udp)),
    });
  } finally {
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
      ...(await measure(bus, rsTopic, 'tcp', rsTcp, counts.tcp)),
    });
    runs.push({
      receiver: 'rsyslog',
      transport: 'udp',
      ...(await measure(bus, rsTopic, 'udp', rsUdp, counts.udp)),
    });
  } finally {
    await stopChild(rsyslog);
  }
  return runs;
}
