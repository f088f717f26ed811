// The normaliser's fixtures: `processors/normalize/<family>/test/<name>` with `<name>-expected.json` beside it.
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { CanonicalEvent } from '../../model/index.ts';
import { readRecords } from '../../processors/normalize/files.ts';
import { Normalizer } from '../../processors/normalize/normalize.ts';
import { REPO_ROOT } from './harness.ts';

export const NORMALIZE_DIR = join(REPO_ROOT, 'processors', 'normalize');

export function fixtureFiles(): string[] {
  return readdirSync(NORMALIZE_DIR, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .flatMap((d) => {
      const dir = join(NORMALIZE_DIR, d.name, 'test');
      try {
        return readdirSync(dir)
          .filter((f) => !f.endsWith('-expected.json'))
          .map((f) => join(dir, f));
      } catch {
        return [];
      }
    })
    .sort();
}

/** Every record of a fixture, as one result per record: its events, or its dead-letter reason. */
export function normalizeFixture(path: string): (CanonicalEvent[] | { error: string })[] {
  const normalizer = new Normalizer();
  // Read by the path relative to the checkout, so results do not depend on where it lives.
  return readRecords(relative(REPO_ROOT, path) || path, {
    format: 'auto',
    timezone: 'Asia/Tokyo',
    receivedAt: new Date('2026-11-23T15:00:00Z'),
  }).map((record) => {
    const result = normalizer.normalize(record);
    return result.ok ? result.events : { error: result.error };
  });
}

/** Expected-output form: without the original text and the file path, which only repeat the input. */
export function expectedForm(results: ReturnType<typeof normalizeFixture>): unknown {
  return results.map((r) =>
    Array.isArray(r)
      ? r.map(({ message: _message, log, ...rest }) => ({ ...rest, log: { line: log?.file?.line } }))
      : r,
  );
}
