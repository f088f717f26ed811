// The normaliser's pure core on one core: events/s per source family, over each family's fixtures repeated.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readRecords } from '../processors/normalize/files.ts';
import { Normalizer, type RawInput } from '../processors/normalize/normalize.ts';

const DIR = fileURLToPath(new URL('../processors/normalize', import.meta.url));

export interface NormalizeRun {
  family: string;
  records: number;
  seconds: number;
  perSecond: number;
}

export function benchNormalize(perFamily: number): NormalizeRun[] {
  const runs: NormalizeRun[] = [];
  for (const family of readdirSync(DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort()) {
    let fixtures: string[];
    try {
      fixtures = readdirSync(join(DIR, family, 'test')).filter((f) => !f.endsWith('-expected.json'));
    } catch {
      continue;
    }
    for (const fixture of fixtures) {
      const records: RawInput[] = readRecords(join(DIR, family, 'test', fixture), {
        format: 'auto',
        timezone: 'Asia/Tokyo',
      });
      if (records.length === 0) continue;
      const normalizer = new Normalizer();
      // Warm-up, then the measured pass.
      for (let i = 0; i < 2000; i++) normalizer.normalize(records[i % records.length] as RawInput);
      const started = process.hrtime.bigint();
      for (let i = 0; i < perFamily; i++) normalizer.normalize(records[i % records.length] as RawInput);
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      runs.push({
        family: `${family}/${fixture}`,
        records: perFamily,
        seconds,
        perSecond: Math.round(perFamily / seconds),
      });
    }
  }
  return runs;
}
