// Binary .evtx files damaged in the ways copies get damaged (cut short, overwritten, not an .evtx at all):
// every part that cannot be decoded is a dead letter with a reason and its bytes; nothing crashes, nothing
// goes missing without a word.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readRecords } from '../../processors/normalize/files.ts';
import { Normalizer } from '../../processors/normalize/normalize.ts';
import { corpus, corpusAvailable } from '../support/corpus.ts';

const dir = mkdtempSync(join(tmpdir(), 'rmwatch-evtx-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function outcomes(name: string, bytes: Buffer) {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  const normalizer = new Normalizer();
  return readRecords(path, { format: 'auto', timezone: 'UTC' }).map((record) => ({
    record,
    result: normalizer.normalize(record),
  }));
}
const errors = (o: ReturnType<typeof outcomes>) =>
  o.flatMap(({ result }) => (result.ok ? [] : [result.error]));

describe('an .evtx that is not whole', () => {
  it('a file with the signature and nothing readable behind it is one dead letter', () => {
    const o = outcomes(
      'garbage.evtx',
      Buffer.concat([Buffer.from('ElfFile\0', 'latin1'), Buffer.alloc(300, 7)]),
    );
    expect(errors(o)).toEqual([expect.stringMatching(/^not a readable \.evtx file/)]);
    expect(o[0]?.record.bytes.subarray(0, 7).toString()).toBe('ElfFile');
  });

  describe.skipIf(!corpusAvailable)('made from a real gateway log', () => {
    const whole = corpusAvailable
      ? readFileSync(corpus('rdgateway/hayabusa-sample-evtx/ID302_RDS_Gateway_Logon_Logoff.evtx'))
      : Buffer.alloc(0);

    it('reads whole: 16 gateway events', () => {
      expect(outcomes('whole.evtx', whole).filter(({ result }) => result.ok)).toHaveLength(16);
    });

    it('cut inside its only chunk: the missing chunk is reported with the bytes that are there', () => {
      const o = outcomes('cut.evtx', whole.subarray(0, 4096 + 3000));
      expect(errors(o)).toEqual(['.evtx file truncated: its header declares 1 chunks, 0 are complete']);
      expect(o[0]?.record.bytes).toHaveLength(3000);
    });

    it('a record overwritten: it and the records the decoder cannot walk past are reported, by number', () => {
      const smashed = Buffer.from(whole);
      smashed.fill(0xff, 4096 + 512 + 2000, 4096 + 512 + 2600);
      expect(errors(outcomes('smashed.evtx', smashed))).toEqual([
        '.evtx record 74 could not be decoded: binary XML rendered without a System part',
        '.evtx chunk 1: 15 of its 16 records could not be walked (from record 75)',
      ]);
    });

    it('a chunk without its signature is reported as such', () => {
      const zeroed = Buffer.from(whole);
      zeroed.fill(0, 4096, 4096 + 8);
      expect(errors(outcomes('zeroed.evtx', zeroed))).toEqual(['.evtx chunk 1 has no chunk signature']);
    });
  });
});
