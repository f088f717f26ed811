// Syslog collector for VPN routers.
//   input:  syslog over UDP, TCP (RFC 6587) and TLS (RFC 5425) from allowed senders
//   output: rm.raw.syslog — key: sender address; value: a batch of the sender's frames, each as received
//           with its receive time and charset; headers: the shared receive metadata (model/frames.ts)
//           rm.deadletter — frames cut at `maxFrameBytes`, with their first bytes
//   config: `collectors.syslog` (./settings.ts)
// Records Kafka cannot take are journaled on disk and replayed in order (collectors/forwarder.ts).
import type { ResolvedConfig } from '../../infra/config.ts';
import type { MessageBus } from '../../infra/kafka.ts';
import type { Logger } from '../../infra/logger.ts';
import { Counters } from '../../infra/metrics.ts';
import { TOPICS, topicName } from '../../infra/topics.ts';
import { detectCharset } from '../../model/charset.ts';
import type { DeadLetter } from '../../model/deadletter.ts';
import { packFrames, type SharedMetadata } from '../../model/frames.ts';
import { BoundedMemory } from '../../infra/bounded-map.ts';
import { addressMatcher } from '../../model/network.ts';
import { toHeaders } from '../../model/raw.ts';
import { Forwarder } from '../forwarder.ts';
import { Journal, JournalSettings } from '../journal.ts';
import { FramePacker } from './packer.ts';
import { listenStream, listenUdp, type Listener, type ReceivedFrame } from './listeners.ts';
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
  const counters = new Counters('syslog');
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

  const allowed = settings.allow.length > 0 ? addressMatcher(settings.allow) : () => true;
  const zones = settings.sources.map((s) => ({ matches: addressMatcher([s.cidr]), timezone: s.timezone }));
  const timezoneOf = (peer: string) =>
    zones.find((z) => z.matches(peer))?.timezone ?? settings.defaultTimezone;
  const refusedLogged = new Set<string>();

  const admits = (peer: string, transport: ReceivedFrame['transport']): boolean => {
    if (allowed(peer)) return true;
    counters.inc('denied');
    // One line per refused sender is enough to act on; the counter carries the volume.
    if (!refusedLogged.has(peer) && refusedLogged.size < 10_000) {
      refusedLogged.add(peer);
      log.warn({ peer, transport }, 'syslog sender not on the allow-list; its records are dropped');
    }
    return false;
  };

  const packer = new FramePacker(settings.batch, (shared, frames) => {
    const { value, headers } = packFrames(shared, frames);
    forwarder.send(rawTopic, { key: shared.peer, value, headers });
  });

  // One metadata object per sender (connection or UDP socket), so the packer groups by identity.
  const senders = new SenderMetadata(timezoneOf);

  const onFrame = (frame: ReceivedFrame) => {
    counters.inc('received');
    const shared = senders.of(frame);
    if (frame.truncated) {
      const meta = {
        ...shared,
        received_at: frame.receivedAt.toISOString(),
        charset: detectCharset(frame.bytes),
      };
      counters.inc('oversize');
      const letter: DeadLetter = {
        stage: 'collector.syslog',
        source: frame.peer,
        error: `frame longer than ${settings.maxFrameBytes} bytes; the first ${settings.maxFrameBytes} are kept`,
        raw: frame.bytes.toString('base64'),
        at: meta.received_at,
      };
      forwarder.send(deadLetterTopic, {
        key: frame.peer,
        value: JSON.stringify(letter),
        headers: toHeaders(meta),
      });
      return;
    }
    packer.add(shared, {
      bytes: frame.bytes,
      receivedAtMs: frame.receivedAt.getTime(),
      charset: detectCharset(frame.bytes),
    });
  };

  const options = { maxFrameBytes: settings.maxFrameBytes, admits, onFrame, log };
  try {
    if (settings.udp) listeners.push(await listenUdp(settings.udp.host, settings.udp.port, options));
    if (settings.tcp) listeners.push(await listenStream(settings.tcp.host, settings.tcp.port, options));
    if (settings.tls)
      listeners.push(await listenStream(settings.tls.host, settings.tls.port, options, settings.tls));
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
      packer.flush();
      // Kafka gets a few seconds to take the rest; whatever it has not taken then waits in the journal.
      await Promise.race([forwarder.flush(), new Promise((r) => setTimeout(r, 5000).unref())]);
      await forwarder.close();
    },
  };
}

class SenderMetadata {
  private readonly known = new BoundedMemory<SharedMetadata>(10_000);

  constructor(private readonly timezoneOf: (peer: string) => string) {}

  private last:
    { frame: Pick<ReceivedFrame, 'peer' | 'peerPort' | 'transport'>; shared: SharedMetadata } | undefined;

  of(frame: ReceivedFrame): SharedMetadata {
    // Most frames come from the same sender as the one before.
    const last = this.last;
    if (
      last &&
      last.frame.peerPort === frame.peerPort &&
      last.frame.peer === frame.peer &&
      last.frame.transport === frame.transport
    )
      return last.shared;
    const key = `${frame.transport} ${frame.peer} ${frame.peerPort}`;
    let shared = this.known.get(key);
    if (!shared) {
      shared = {
        peer: frame.peer,
        peer_port: frame.peerPort,
        transport: frame.transport,
        format: 'syslog',
        timezone: this.timezoneOf(frame.peer),
      };
      this.known.set(key, shared);
    }
    this.last = { frame: { peer: frame.peer, peerPort: frame.peerPort, transport: frame.transport }, shared };
    return shared;
  }
}
