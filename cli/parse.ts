// `rmwatch parse FILE…`: one canonical event per line on stdout, dead letters on stderr, a summary last.
import type { Writable } from 'node:stream';
import type { DeadLetter } from '../model/deadletter.ts';
import { readRecords, type FileFormat } from '../processors/normalize/files.ts';
import { Normalizer } from '../processors/normalize/normalize.ts';

export interface ParseOptions {
  format: FileFormat;
  tz: string;
  year?: number;
}

export interface ParseSummary {
  records: number;
  events: number;
  deadLetters: number;
}

export function parseFiles(
  files: readonly string[],
  options: ParseOptions,
  out: Writable,
  err: Writable,
): ParseSummary {
  const normalizer = new Normalizer();
  const summary: ParseSummary = { records: 0, events: 0, deadLetters: 0 };
  for (const file of files) {
    for (const record of readRecords(file, {
      format: options.format,
      timezone: options.tz,
      year: options.year,
    })) {
      summary.records++;
      const result = normalizer.normalize(record);
      if (result.ok) {
        for (const event of result.events) out.write(`${JSON.stringify(event)}\n`);
        summary.events += result.events.length;
      } else {
        summary.deadLetters++;
        const letter: DeadLetter & { log: { file: { path: string; line: number } } } = {
          stage: 'parse',
          source: file,
          error: result.error,
          raw: record.bytes.toString('base64'),
          at: new Date().toISOString(),
          log: { file: record.file ?? { path: file, line: 0 } },
        };
        err.write(`${JSON.stringify(letter)}\n`);
      }
    }
  }
  err.write(
    `rmwatch parse: ${summary.records} records in ${files.length} file(s): ${summary.events} events, ${summary.deadLetters} dead letters\n`,
  );
  return summary;
}
