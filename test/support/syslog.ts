// Running the syslog collector in a test, and reading back what it wrote to Kafka.
import { SyslogCollectorSettings } from '../../collectors/syslog/settings.ts';
import { startSyslogCollector, type SyslogCollector } from '../../collectors/syslog/collector.ts';
import type { IncomingRecord } from '../../infra/kafka.ts';
import { runSetup } from '../../infra/setup.ts';
import { createMessageBus } from '../../infra/kafka.ts';
import type { Harness } from './harness.ts';

export async function startCollector(
  h: Harness,
  overrides: Record<string, unknown> = {},
): Promise<{ collector: SyslogCollector; udpPort: number; tcpPort: number; tlsPort: number }> {
  const syslog = SyslogCollectorSettings.parse({
    udp: { host: '127.0.0.1', port: 0 },
    tcp: { host: '127.0.0.1', port: 0 },
    journal: { dir: `${h.config.stack.dir}/journal/${h.namespace}${Math.random().toString(36).slice(2)}` },
    ...overrides,
  });
  const bus = createMessageBus(h.config, h.log, { produceRetries: 1 });
  const collector = await startSyslogCollector({ ...h.config, collectors: { syslog } }, bus, h.log);
  const port = (t: string) => collector.listeners.find((l) => l.transport === t)?.address().port ?? 0;
  const close = collector.close.bind(collector);
  collector.close = async () => {
    await close();
    await bus.close();
  };
  return { collector, udpPort: port('udp'), tcpPort: port('tcp'), tlsPort: port('tls') };
}

export async function setupNamespace(h: Harness): Promise<void> {
  await runSetup(h.config, h.bus, h.store);
}

/**
 * Reads `topic` from the beginning, in a group of its own, until `done` says so (a count of records, or a
 * predicate over what was read) or `timeoutMs` passed.
 */
export async function readTopic(
  h: Harness,
  topic: string,
  done: number | ((records: readonly IncomingRecord[]) => boolean),
  timeoutMs = 60_000,
): Promise<IncomingRecord[]> {
  const seen: IncomingRecord[] = [];
  const consumption = await h.bus.consume({
    groupId: `${topic}.reader.${Math.random().toString(36).slice(2)}`,
    topics: [topic],
    fromBeginning: true,
    handler: async (batch) => void seen.push(...batch.records),
  });
  const deadline = Date.now() + timeoutMs;
  const finished = typeof done === 'number' ? () => seen.length >= done : () => done(seen);
  while (!finished() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  await consumption.stop();
  return seen;
}
