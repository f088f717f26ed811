// `npm run bench`: brings the embedded stack up (or reuses it), runs the benchmarks, writes RESULTS.md.
import { loadConfig } from '../infra/config.ts';
import { createMessageBus } from '../infra/kafka.ts';
import { createLogger } from '../infra/logger.ts';
import { stackDown, stackUp } from '../infra/stack/stack.ts';
import { topicSpecs } from '../infra/topics.ts';
import { benchNormalize } from './normalize.ts';
import { machine, writeSection } from './results.ts';
import { benchSyslog } from './syslog.ts';

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
    const runs = await benchSyslog(config, bus, { tcp: 200_000, udp: 100_000 });
    const rate = (receiver: string, transport: string) =>
      runs.find((r) => r.receiver === receiver && r.transport === transport)?.perSecond ?? 0;
    const rows = runs.map(
      (r) =>
        `| ${r.receiver} | ${r.transport} | ${r.sent.toLocaleString('en-US')} | ${r.delivered.toLocaleString('en-US')} | ${r.seconds.toFixed(1)} | ${r.perSecond.toLocaleString('en-US')} |`,
    );
    const ratio = (t: string) => (rate('rmwatch', t) / Math.max(1, rate('rsyslog', t))).toFixed(2);
    writeSection(
      'syslog',
      `## syslog → Kafka: rmwatch collector vs rsyslog (omkafka)\n\n${machine()}; Kafka ${config.stack.kafkaVersion} on the same machine (embedded stack). Realistic VPN lines (~200 bytes: ASA, FortiGate, Yamaha RTX) from a separate sender process; one TCP connection, or UDP in bursts of 200. A record counts once Kafka holds it (topic end offsets); both receivers write with acks=all and idempotence, each as its own process.\n\n| receiver | transport | sent | in Kafka | seconds | records/s |\n|---|---|---|---|---|---|\n${rows.join('\n')}\n\nRatio rmwatch / rsyslog: TCP **${ratio('tcp')}**, UDP **${ratio('udp')}** (target ≥ 1.0).`,
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
