// Running the syslog collector in a test, and reading back what it wrote to Kafka.
import { SyslogCollectorSettings } from '../../collectors/syslog/settings.ts';
import { startSyslogCollector, type SyslogCollector } from '../../collectors/syslog/collector.ts';
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
