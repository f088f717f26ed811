// Each family's fixtures normalise to exactly their expected output (RMWATCH_UPDATE_EXPECTED=1 rewrites it).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectedForm, fixtureFiles, NORMALIZE_DIR, normalizeFixture } from '../support/fixtures.ts';

describe('normaliser fixtures', () => {
  const files = fixtureFiles();
  it('every family has fixtures', () => {
    expect(files.length).toBeGreaterThanOrEqual(10);
  });

  it.each(files.map((f) => [relative(NORMALIZE_DIR, f), f]))(
    '%s matches its expected output',
    (_name, file) => {
      const actual = expectedForm(normalizeFixture(file));
      const expectedPath = `${file}-expected.json`;
      if (process.env.RMWATCH_UPDATE_EXPECTED)
        writeFileSync(expectedPath, `${JSON.stringify(actual, null, 2)}\n`);
      expect(
        existsSync(expectedPath),
        `${expectedPath} is missing (RMWATCH_UPDATE_EXPECTED=1 writes it)`,
      ).toBe(true);
      expect(actual).toEqual(JSON.parse(readFileSync(expectedPath, 'utf8')));
    },
  );
});
