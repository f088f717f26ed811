import { describe, expect, it } from 'vitest';
import { decodeText, detectCharset } from '../../model/charset.ts';

// "保守作業 ログイン" in Shift_JIS, as an older Japanese router sends it.
const SHIFT_JIS = Buffer.from([
  0x95, 0xdb, 0x8e, 0xe7, 0x8d, 0xec, 0x8b, 0xc6, 0x20, 0x83, 0x8d, 0x83, 0x4f, 0x83, 0x43, 0x83, 0x93,
]);

describe('charset of received text', () => {
  it('UTF-8, Japanese included, is UTF-8', () => {
    const bytes = Buffer.from('<134>ユーザー 山田 がログインしました');
    expect(detectCharset(bytes)).toBe('utf-8');
    expect(decodeText(bytes, 'utf-8')).toBe('<134>ユーザー 山田 がログインしました');
  });

  it('bytes that are not UTF-8 but clean Shift_JIS are Shift_JIS, and decode to the same Japanese', () => {
    expect(detectCharset(SHIFT_JIS)).toBe('shift_jis');
    expect(decodeText(SHIFT_JIS, 'shift_jis')).toBe('保守作業 ログイン');
  });

  it('anything else is binary, and its bytes survive a round trip', () => {
    const bytes = Buffer.from([0x00, 0xff, 0x81, 0x0a, 0xfe, 0x1b]);
    expect(detectCharset(bytes)).toBe('binary');
    expect(Buffer.from(decodeText(bytes, 'binary'), 'latin1')).toEqual(bytes);
  });

  it('control characters make otherwise valid text binary', () => {
    expect(detectCharset(Buffer.from('abc\u0000def'))).toBe('binary');
    expect(detectCharset(Buffer.from('tab\tand CRLF\r\n'))).toBe('utf-8');
  });
});
