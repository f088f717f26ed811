// Windows and RD Gateway collector.
//   input:  HTTP POST /v1/windows/events (bearer token): Winlogbeat / Elastic Agent NDJSON or JSON,
//           or Windows event XML (wevtutil, Get-WinEvent ToXml(), WEF); and Winlogbeat's Kafka output topics
//   output: rm.raw.rdgateway for the TerminalServices-Gateway channel, rm.raw.windows for everything else —
//           key: computer name (else sender); value: the event as received; headers: receive metadata
//   config: `collectors.windows` (./settings.ts)
// The HTTP answer is 202 only after Kafka acknowledged every record of the request; a shipper that gets
// 503 sends the batch again, and the deterministic event ids make the repeat harmless.
import { timingSafeEqual } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import type { ResolvedConfig } from '../../infra/config.ts';
import type { Consumption, MessageBus } from '../../infra/kafka.ts';
import type { Logger } from '../../infra/logger.ts';
import { Counters } from '../../infra/metrics.ts';
import { oneSendAtATime } from '../../infra/send-queue.ts';
import { TOPICS, topicName } from '../../infra/topics.ts';
import { detectCharset } from '../../model/charset.ts';
import { canonicalAddress } from '../../model/network.ts';
import { toHeaders, type RawFormat, type ReceiveMetadata } from '../../model/raw.ts';
import { fitsOneRecord, oversizeLetter } from '../oversize.ts';
import { routeOf, splitBody } from './records.ts';
import type { WindowsCollectorSettings } from './settings.ts';

export interface WindowsCollector {
  /** The HTTP endpoint's URL (undefined when it is off). */
  url?: string;
  counters: Counters;
  close(): Promise<void>;
}

type Config = Pick<ResolvedConfig, 'namespace'> & { collectors: { windows: WindowsCollectorSettings } };

/**
 * Hands events to Kafka, each on its raw topic; an event too large for one Kafka record goes to the dead-letter
 * topic instead (one huge event must not make a shipper resend its whole batch forever).
 * @returns how many events went to the raw topics, and how many to the dead-letter topic
 */
export async function forwardWindowsRecords(
  config: Pick<ResolvedConfig, 'namespace'>,
  bus: Pick<MessageBus, 'produceAll'>,
  items: readonly Buffer[],
  meta: Omit<ReceiveMetadata, 'charset' | 'format'> & { format: Exclude<RawFormat, 'syslog'> },
): Promise<{ accepted: number; deadLettered: number }> {
  let deadLettered = 0;
  await bus.produceAll(
    items.map((value) => {
      if (!fitsOneRecord(value)) {
        deadLettered++;
        const letter = oversizeLetter('collector.windows', meta.peer, value, meta.received_at);
        return {
          topic: topicName(config, TOPICS.deadLetter),
          record: { key: meta.peer, value: JSON.stringify(letter) },
        };
      }
      const { topic, computer } = routeOf(value);
      return {
        topic: topicName(config, topic),
        record: {
          key: computer ?? meta.peer,
          value,
          headers: toHeaders({ ...meta, charset: detectCharset(value) }),
        },
      };
    }),
  );
  return { accepted: items.length - deadLettered, deadLettered };
}

export async function startWindowsCollector(
  config: Config,
  bus: MessageBus,
  log: Logger,
): Promise<WindowsCollector> {
  const settings = config.collectors.windows;
  const counters = new Counters('windows', [
    'received',
    'unauthorized',
    'oversize',
    'too_large',
    'kafka_failures',
  ]);
  const consumptions: Consumption[] = [];
  let server: FastifyInstance | undefined;
  let url: string | undefined;
  // Requests arrive side by side; their records go out one send at a time (infra/send-queue.ts).
  const sender = oneSendAtATime(bus);

  if (settings.http) {
    server = Fastify({ bodyLimit: settings.maxBodyBytes, logger: false });
    const tokens = settings.tokens.map((t) => ({ name: t.name, token: Buffer.from(t.token) }));
    server.removeAllContentTypeParsers();
    server.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

    server.get('/healthz', async () => ({ status: 'ok' }));
    server.post('/v1/windows/events', async (request, reply) => {
      const presented = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
      const shipper = presented
        ? tokens.find(
            (t) =>
              t.token.length === Buffer.byteLength(presented) &&
              timingSafeEqual(t.token, Buffer.from(presented)),
          )
        : undefined;
      if (!shipper) {
        counters.inc('unauthorized');
        return reply
          .code(401)
          .header('www-authenticate', 'Bearer')
          .send({ error: 'a valid bearer token is required' });
      }
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const type = request.headers['content-type'] ?? '';
      const query = request.query as { format?: string };
      const format: 'evtxml' | 'winlogbeat' =
        query.format === 'evtxml' || query.format === 'winlogbeat'
          ? query.format
          : /xml/i.test(type) || body.subarray(0, 64).toString().trimStart().startsWith('<')
            ? 'evtxml'
            : 'winlogbeat';
      const items = splitBody(body, format);
      if (items.length === 0) return reply.code(400).send({ error: 'the body holds no events' });
      let forwarded: { accepted: number; deadLettered: number };
      try {
        forwarded = await forwardWindowsRecords(config, sender, items, {
          received_at: new Date().toISOString(),
          peer: canonicalAddress(request.ip),
          peer_port: request.socket.remotePort,
          transport: 'http',
          format,
          timezone: settings.timezone,
        });
      } catch (err) {
        counters.inc('kafka_failures');
        log.warn(
          { err: String(err), shipper: shipper.name },
          'Kafka did not take a request; the shipper must resend',
        );
        return reply
          .code(503)
          .header('retry-after', '5')
          .send({ error: 'events could not be stored now; send again' });
      }
      counters.inc('received', forwarded.accepted);
      if (forwarded.deadLettered > 0) counters.inc('oversize', forwarded.deadLettered);
      return reply.code(202).send(forwarded);
    });
    server.setErrorHandler((err, _request, reply) => {
      const status = (err as { statusCode?: number }).statusCode ?? 500;
      if (status === 413) counters.inc('too_large');
      void reply.code(status).send({ error: err instanceof Error ? err.message : String(err) });
    });
    url = await server.listen({ host: settings.http.host, port: settings.http.port });
    log.info({ url }, 'Windows collector listening');
  }

  for (const topic of settings.kafkaInputs) {
    consumptions.push(
      await bus.consume({
        groupId: `${config.namespace}rmwatch.collector.windows`,
        topics: [topic],
        fromBeginning: true,
        handler: async (batch) => {
          const items = batch.records
            .map((r) => r.value)
            .filter((v): v is Buffer => v !== null && v.length > 0);
          const forwarded = await forwardWindowsRecords(config, sender, items, {
            received_at: new Date().toISOString(),
            peer: topic,
            transport: 'kafka',
            format: 'winlogbeat',
            timezone: settings.timezone,
          });
          counters.inc('received', forwarded.accepted);
          if (forwarded.deadLettered > 0) counters.inc('oversize', forwarded.deadLettered);
        },
      }),
    );
  }

  return {
    url,
    counters,
    async close() {
      await Promise.all(consumptions.map((c) => c.stop()));
      await server?.close();
    },
  };
}
