// Syslog collector for VPN routers.
//   input:  syslog over UDP, TCP (RFC 6587) and TLS (RFC 5425) from allowed senders
//   output: rm.raw.syslog — key: sender address; value: a batch of the sender's frames, each as received
//           with its receive time and charset; headers: the shared receive metadata (model/frames.ts)
//           rm.deadletter — frames cut at `maxFrameBytes`, with their first bytes
//   config: `collectors.syslog` (./settings.ts)
// Each transport is read, framed and batched in a receiver thread of its own (./receiver.ts); this thread
// forwards. Records Kafka cannot take are journaled on disk and replayed in order (collectors/forwarder.ts).
import type { ResolvedConfig } from '../../infra/config.ts';
import type { MessageBus } from '../../infra/kafka.ts';
import type { Logger } from '../../infra/logger.ts';
import { Counters } from '../../infra/metrics.ts';
import { TOPICS, topicName } from '../../infra/topics.ts';
import { Forwarder } from '../forwarder.ts';
import { Journal, JournalSettings } from '../journal.ts';
import { startListener, type Delivery, type Listener } from './listeners.ts';
import type { ReceiverOptions } from './receiver.ts';
import type { SyslogCollectorSettings } from './settings.ts';

export interface SyslogCollector {
  listeners: Listener[];
  counters: Counters;
  forwarder: Forwarder;
  /** Stops listening, then hands Kafka (or the journal) everything received. */
  close(): Promise<void>;
}

export async function startSyslogCollector(
  config: Pick<ResolvedConfig, 'namespace' | 'stack'> & { collectors: { syslog: SyslogCollectorSettings } },
  bus: MessageBus,
  log: Logger,
): Promise<SyslogCollector> {
  const settings = config.collectors.syslog;
  const counters = new Counters('syslog', ['received', 'denied', 'oversize', 'receiver_failures']);
  const rawTopic = topicName(config, TOPICS.rawSyslog);
  const deadLetterTopic = topicName(config, TOPICS.deadLetter);
  const journal = new Journal(
    JournalSettings.parse({ dir: `${config.stack.dir}/journal/syslog`, ...settings.journal }),
    log,
    counters,
  );
  const listeners: Listener[] = [];
  const forwarder = new Forwarder(bus, journal, settings.forwarder, log, counters, (high) => {
    for (const l of listeners) (high ? l.pause : l.resume).call(l);
    log.warn({ queued: forwarder.queued }, high ? 'pausing senders: Kafka is behind' : 'resuming senders');
  });

  // The receivers (one thread per transport) hand over finished Kafka records; this thread forwards them.
  const deliver = (message: Delivery) => {
    switch (message.kind) {
      case 'batch':
        counters.inc('received', message.frames);
        forwarder.send(rawTopic, {
          key: message.key,
          value: Buffer.from(message.value),
          headers: message.headers,
        });
        return;
      case 'oversize':
        counters.inc('received');
        counters.inc('oversize');
        forwarder.send(deadLetterTopic, { key: message.key, value: message.value, headers: message.headers });
        return;
      case 'refused':
        counters.inc('denied', message.count);
        return;
      case 'log':
        log[message.level](message.fields, message.message);
        return;
    }
  };
  const onFailure = (message: string) => {
    counters.inc('receiver_failures');
    log.error(message);
  };

  const shared = {
    maxFrameBytes: settings.maxFrameBytes,
    allow: settings.allow,
    sources: settings.sources,
    defaultTimezone: settings.defaultTimezone,
    batch: settings.batch,
  };
  const receivers: ReceiverOptions[] = [];
  if (settings.udp) receivers.push({ ...shared, transport: 'udp', ...settings.udp });
  if (settings.tcp) receivers.push({ ...shared, transport: 'tcp', ...settings.tcp });
  if (settings.tls) {
    const { host, port, ...tls } = settings.tls;
    receivers.push({ ...shared, transport: 'tls', host, port, tls });
  }
  try {
    for (const options of receivers) listeners.push(await startListener(options, deliver, onFailure));
  } catch (err) {
    await Promise.all(listeners.map((l) => l.close()));
    throw err;
  }
  for (const l of listeners)
    log.info({ transport: l.transport, ...l.address() }, 'syslog collector listening');

  return {
    listeners,
    counters,
    forwarder,
    async close() {
      await Promise.all(listeners.map((l) => l.close()));
      // Kafka gets a few seconds to take the rest; whatever it has not taken then waits in the journal.
      await Promise.race([forwarder.flush(), new Promise((r) => setTimeout(r, 5000).unref())]);
      await forwarder.close();
    },
  };
}
