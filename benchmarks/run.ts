// `npm run bench`: brings the embedded stack up (or reuses it), runs the benchmarks, writes RESULTS.md.
import { loadConfig } from '../infra/config.ts';
import { createMessageBus } from '../infra/kafka.ts';
import { createLogger } from '../infra/logger.ts';
import { stackDown, stackUp } from '../infra/stack/stack.ts';
import { topicSpecs } from '../infra/topics.ts';
import { benchNormalize } from './normalize.ts';
import { machine, writeSection } from './results.ts';
import { benchSyslog, type SyslogRun } from './syslog.ts';

const only = process.argv.slice(2);
const wanted = (name: string) => only.length === 0 || only.includes(name);
const log = createLogger('warn', 'bench');

if (wanted('normalize')) {
  const runs = benchNormalize(20_000);
  const rows = runs.map(
    (r) =>
      `| ${r.family} | ${r.records} | ${r.seconds.toFixed(2)} | ${r.perSecond.toLocaleString('en-US')} |`,
  );
  writeSection(
    'normalize',
    `## Normaliser, events/s on one core\n\n${machine()}. Each family's fixtures (\`processors/normalize/<family>/test\`) repeated to 20,000 records, after a warm-up; the pure core (\`Normalizer.normalize\`), no Kafka.\n\n| family / fixture | records | seconds | records/s |\n|---|---|---|---|\n${rows.join('\n')}`,
  );
  console.log(rows.join('\n'));
}

if (wanted('syslog')) {
  const config = loadConfig({ env: { ...process.env, RMWATCH_NAMESPACE: `bench-${Date.now()}.` } });
  const up = await stackUp(config, log);
  const bus = createMessageBus(config, log);
  try {
    await bus.ensureTopics(topicSpecs(config));
    // A single short run on a 2-core machine shared with the broker swings by half either way: take three
    // long ones and report each receiver's median.
    const rounds: SyslogRun[][] = [];
    for (let i = 0; i < 3; i++) rounds.push(await benchSyslog(config, bus, { tcp: 1_000_000, udp: 300_000 }));
    const runs = (rounds[0] ?? []).map(({ receiver, transport }) => {
      const same = rounds
        .map((round) => round.find((r) => r.receiver === receiver && r.transport === transport))
        .filter((r): r is SyslogRun => r !== undefined)
        .sort((a, b) => a.perSecond - b.perSecond);
      return same[Math.floor(same.length / 2)] as SyslogRun;
    });
    const rate = (receiver: string, transport: string) =>
      runs.find((r) => r.receiver === receiver && r.transport === transport)?.perSecond ?? 0;
    const rows = runs.map(
      (r) =>
        `| ${r.receiver} | ${r.transport} | ${r.sent.toLocaleString('en-US')} | ${r.delivered.toLocaleString('en-US')} | ${r.seconds.toFixed(1)} | ${r.perSecond.toLocaleString('en-US')} |`,
    );
    const ratio = (t: string) => (rate('rmwatch', t) / Math.max(1, rate('rsyslog', t))).toFixed(2);
    writeSection(
      'syslog',
      `## syslog → Kafka: rmwatch collector vs rsyslog (omkafka)\n\n${machine()}; Kafka ${config.stack.kafkaVersion} on the same machine (embedded stack). Realistic VPN lines (~200 bytes: ASA, FortiGate, Yamaha RTX) from a separate sender process; one TCP connection (1,000,000 lines), or UDP in bursts of 200 (300,000 datagrams); each figure is the median of three rounds. A line counts once Kafka holds it: rsyslog writes a Kafka record per line (counted by topic end offsets); rmwatch writes batches of the lines each sender delivered within 2 ms (model/frames.ts), counted by reading the topic and adding up each batch's frame count. Both write with acks=all and idempotence, each as its own process; rmwatch reads UDP in a worker thread of its own.\n\n| receiver | transport | sent | in Kafka | seconds | records/s |\n|---|---|---|---|---|---|\n${rows.join('\n')}\n\nRatio rmwatch / rsyslog: TCP **${ratio('tcp')}**, UDP **${ratio('udp')}** (target ≥ 1.0).`,
    );
    console.log(rows.join('\n'));
    console.log(`ratio tcp ${ratio('tcp')} udp ${ratio('udp')}`);
    const { topics } = {
      topics: topicSpecs(config)
        .map((t) => t.name)
        .concat(`${config.namespace}bench.rsyslog`),
    };
    await bus.deleteTopics(topics);
  } finally {
    await bus.close();
    if (up.started.length > 0) await stackDown(config, log, up.started);
  }
}
