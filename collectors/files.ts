// File collector (`rmwatch ingest FILE…`): exported logs into the raw topics, as if their devices had sent
// them — syslog lines to rm.raw.syslog, Windows events to rm.raw.windows / rm.raw.rdgateway. The receive
// metadata names the file (transport `file`), so every event can be traced back to it.
import type { ResolvedConfig } from '../infra/config.ts';
import type { MessageBus } from '../infra/kafka.ts';
import { TOPICS, topicName } from '../infra/topics.ts';
import { toHeaders } from '../model/raw.ts';
import { readRecords, type FileFormat } from '../processors/normalize/files.ts';
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
    await bus.produceAll(
      records.map(({ bytes, meta }) => {
        const route =
          meta.format === 'syslog' ? { topic: TOPICS.rawSyslog, computer: undefined } : routeOf(bytes);
        return {
          topic: topicName(config, route.topic),
          record: { key: route.computer ?? file, value: bytes, headers: toHeaders(meta) },
        };
      }),
    );
    total += records.length;
    onFile(file, records.length);
  }
  return total;
}
