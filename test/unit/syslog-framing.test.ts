import { describe, expect, it } from 'vitest';
import { FrameDecoder, type Frame } from '../../collectors/syslog/framing.ts';

function frames(chunks: (string | Buffer)[], maxFrameBytes = 1024): Frame[] {
  const out: Frame[] = [];
  const decoder = new FrameDecoder(maxFrameBytes, (f) => out.push(f));
  for (const c of chunks) decoder.push(Buffer.isBuffer(c) ? c : Buffer.from(c));
  decoder.end();
  return out;
}
const texts = (fs: Frame[]) => fs.map((f) => f.bytes.toString('utf8'));

describe('TCP syslog framing (RFC 6587)', () => {
  it('a frame starting with "<" ends at LF, and a CR before the LF is dropped', () => {
    expect(texts(frames(['<134>one\n<134>two\r\n<134>three']))).toEqual([
      '<134>one',
      '<134>two',
      '<134>three',
    ]);
  });

  it('a frame starting with a digit is octet-counted, and may contain LFs', () => {
    expect(texts(frames(['10 <134>a\nb c8 <134>xyz']))).toEqual(['<134>a\nb c', '<134>xyz']);
  });

  it('both framings may alternate on one connection', () => {
    expect(texts(frames(['<1>lf\n8 <1>octet<1>lf again\n']))).toEqual(['<1>lf', '<1>octet', '<1>lf again']);
  });

  it('frames split anywhere across reads come out whole', () => {
    const stream = '14 <134>first one<134>second\n5 <1>xy';
    for (let cut = 1; cut < stream.length; cut++) {
      expect(texts(frames([stream.slice(0, cut), stream.slice(cut)])), `cut at ${cut}`).toEqual([
        '<134>first one',
        '<134>second',
        '<1>xy',
      ]);
    }
  });

  it('a multi-byte character split across reads survives', () => {
    const bytes = Buffer.from('<134>保守作業\n');
    expect(texts(frames([bytes.subarray(0, 7), bytes.subarray(7)]))).toEqual(['<134>保守作業']);
  });

  it('a line without PRI is still a line', () => {
    expect(texts(frames(['2024-12-15 14:10:00 OpenVPN started\n']))).toEqual([
      '2024-12-15 14:10:00 OpenVPN started',
    ]);
  });

  it('an LF-framed line longer than the limit is cut, flagged, and the rest of it skipped', () => {
    const out = frames([`<1>${'a'.repeat(50)}`, `${'b'.repeat(50)}\n<1>next\n`], 20);
    expect(out.map((f) => [f.bytes.length, f.truncated])).toEqual([
      [20, true],
      [7, false],
    ]);
    expect(out[1]?.bytes.toString()).toBe('<1>next');
  });

  it('an octet-counted frame longer than the limit is cut, flagged, and the rest of it skipped', () => {
    const body = `<1>${'x'.repeat(97)}`;
    const out = frames([`100 ${body.slice(0, 30)}`, body.slice(30), '7 <1>next'], 20);
    expect(out.map((f) => [f.bytes.toString(), f.truncated])).toEqual([
      [body.slice(0, 20), true],
      ['<1>next', false],
    ]);
  });

  it('blank lines between frames are not frames', () => {
    expect(texts(frames(['\n\n<1>a\n\r\n<1>b\n']))).toEqual(['<1>a', '<1>b']);
  });
});
