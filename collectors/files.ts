// File collector (`rmwatch ingest FILE…`): exported logs into the raw topics, as if their devices had sent
// them — syslog lines to rm.raw.syslog, Windows events to rm.raw.windows / rm.raw.rdgateway. The receive
// metadata names the file (transport `file`), so every event can be traced back to it. A record the reader
// cannot take out of its container (a damaged `.evtx` record) goes to rm.deadletter with its bytes.
import type { ResolvedConfig } from '../infra/config.ts';
import type { MessageBus } from '../infra/kafka.ts';
import { TOPICS, topicName } from '../infra/topics.ts';
import type { DeadLetter } from '../model/deadletter.ts';
import { toHeaders } from '../model/raw.ts';
import { readRecords, type FileFormat } from '../processors/normalize/files.ts';
import type { RawInput } from '../processors/normalize/normalize.ts';
import { fitsOneRecord, oversizeLetter } from './oversize.ts';
import { routeOf } from './windows/records.ts';

export async function ingestFiles(
  config: Pick<ResolvedConfig, 'namespace'>,
  bus: MessageBus,
  files: readonly string[],
  options: { format: FileFormat; timezone: string },
  onFile: (file: string, records: number) => void = () => undefined,
): Promise<number> {
  let total = 0;
  for (const file of files) {
    const records = readRecords(file, { format: options.format, timezone: options.timezone });
    await bus.produceAll(records.map((record) => entryOf(config, file, record)));
    total += records.length;
    onFile(file, records.length);
  }
  return total;
}

function entryOf(
  config: Pick<ResolvedConfig, 'namespace'>,
  file: string,
  { bytes, meta, unreadable }: RawInput,
) {
  const at = new Date().toISOString();
  // A record its container would not give up, or one too large for Kafka, goes to the dead letters.
  const letter: DeadLetter | undefined =
    unreadable !== undefined
      ? { stage: 'ingest', source: file, error: unreadable, raw: bytes.toString('base64'), at }
      : fitsOneRecord(bytes)
        ? undefined
        : oversizeLetter('ingest', file, bytes, at);
  if (letter)
    return {
      topic: topicName(config, TOPICS.deadLetter),
      record: { key: file, value: Buffer.from(JSON.stringify(letter)) },
    };
  const route = meta.format === 'syslog' ? { topic: TOPICS.rawSyslog, computer: undefined } : routeOf(bytes);
  return {
    topic: topicName(config, route.topic),
    record: { key: route.computer ?? file, value: bytes, headers: toHeaders(meta) },
  };
}
