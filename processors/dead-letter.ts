// What every stage writes to rm.deadletter for a record it could not take: its bytes, why, and where it
// was read, keyed by its source.
import type { IncomingRecord, OutgoingRecord } from '../infra/kafka.ts';
import type { DeadLetter } from '../model/deadletter.ts';

export function deadLetterRecord(
  stage: string,
  record: IncomingRecord,
  error: string,
  options: { source?: string; frame?: { bytes: Buffer; index: number } } = {},
): OutgoingRecord {
  const letter: DeadLetter = {
    stage,
    source: options.source ?? record.key ?? record.topic,
    error,
    raw: (options.frame?.bytes ?? record.value ?? Buffer.alloc(0)).toString('base64'),
    at: new Date().toISOString(),
    origin: {
      topic: record.topic,
      partition: record.partition,
      offset: record.offset,
      frame: options.frame?.index,
    },
  };
  return { key: letter.source, value: JSON.stringify(letter) };
}
