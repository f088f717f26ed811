// Normaliser stage.
//   input:  rm.raw.syslog, rm.raw.windows, rm.raw.rdgateway (raw bytes + receive metadata headers; syslog
//           records may be batches of frames, model/frames.ts)
//   output: rm.events — key: normalized account (host when none); value: canonical event (JSON) with
//           `raw.id`, the id of its raw record in the evidence store (model/ids.ts evidenceId)
//           rm.deadletter — key: source; value: dead-letter record with the raw bytes and the reason
//   group:  <namespace>rmwatch.normalize
// A batch's offsets are committed only after its events and dead letters are in Kafka; a redelivered batch
// produces the same event ids, so downstream writes overwrite instead of duplicating.
import type { ResolvedConfig } from '../../infra/config.ts';
import type { Consumption, IncomingRecord, MessageBus, OutgoingRecord } from '../../infra/kafka.ts';
import type { Logger } from '../../infra/logger.ts';
import { Counters } from '../../infra/metrics.ts';
import { TOPICS, topicName } from '../../infra/topics.ts';
import { deadLetterRecord } from '../dead-letter.ts';
import { eventKey, evidenceId } from '../../model/ids.ts';
import { FRAMES_HEADER, unpackFrames } from '../../model/frames.ts';
import { Normalizer } from './normalize.ts';

export interface NormalizeStage {
  counters: Counters;
  stop(): Promise<void>;
}

export async function startNormalizeStage(
  config: Pick<ResolvedConfig, 'namespace'>,
  bus: MessageBus,
  log: Logger,
): Promise<NormalizeStage> {
  const counters = new Counters('normalize', ['records', 'events', 'dead_letters']);
  const normalizer = new Normalizer();
  const eventsTopic = topicName(config, TOPICS.events);
  const deadLetterTopic = topicName(config, TOPICS.deadLetter);

  const deadLetter = (
    record: IncomingRecord,
    error: string,
    frame?: { bytes: Buffer; index: number },
  ): OutgoingRecord =>
    deadLetterRecord('normalize', record, error, { source: record.headers['rm-peer'], frame });

  const consumption: Consumption = await bus.consume({
    groupId: `${config.namespace}rmwatch.normalize`,
    topics: [TOPICS.rawSyslog, TOPICS.rawWindows, TOPICS.rawRdGateway].map((t) => topicName(config, t)),
    fromBeginning: true,
    handler: async (batch) => {
      const events: OutgoingRecord[] = [];
      const letters: OutgoingRecord[] = [];
      for (const record of batch.records) {
        let raws: ReturnType<typeof unpackFrames>;
        try {
          raws = unpackFrames(record.value ?? Buffer.alloc(0), record.headers);
          // Counted as received: each frame of a batch is one raw record.
          counters.inc('records', raws.length);
        } catch (err) {
          counters.inc('records');
          // Missing receive metadata or a damaged frame batch: the record's bytes go to the dead letters whole.
          letters.push(deadLetter(record, (err as Error).message.split('\n')[0] ?? String(err)));
          continue;
        }
        const batched = raws.length > 1 || record.headers[FRAMES_HEADER] !== undefined;
        raws.forEach(({ bytes, meta }, i) => {
          let error: string;
          try {
            const result = normalizer.normalize({ bytes, meta });
            if (result.ok) {
              // The link to the raw record in the evidence store; event.id stays as it is (it dedups).
              const raw = { id: evidenceId(record.topic, record.partition, record.offset, i + 1) };
              for (const event of result.events)
                events.push({ key: eventKey(event), value: JSON.stringify({ ...event, raw }) });
              return;
            }
            error = result.error;
          } catch (err) {
            // A parser fault: never a reason to stop the partition.
            error = (err as Error).message.split('\n')[0] ?? String(err);
            log.error({ err, topic: record.topic, offset: record.offset }, 'normaliser fault');
          }
          letters.push(deadLetter(record, error, batched ? { bytes, index: i + 1 } : undefined));
        });
      }
      await bus.produce(eventsTopic, events);
      await bus.produce(deadLetterTopic, letters);
      counters.inc('events', events.length);
      counters.inc('dead_letters', letters.length);
    },
  });
  log.info({ group: `${config.namespace}rmwatch.normalize` }, 'normaliser running');
  return { counters, stop: () => consumption.stop() };
}
