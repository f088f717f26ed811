// Text from devices: UTF-8 from most, Shift_JIS from older Japanese ones, and now and then bytes that are
// neither. The raw bytes are always kept; the charset says how to read them.
import { isUtf8 } from 'node:buffer';
import { z } from 'zod';

export const Charset = z.enum(['utf-8', 'shift_jis', 'binary']);
export type Charset = z.infer<typeof Charset>;

const shiftJis = new TextDecoder('shift_jis', { fatal: true });
const utf8 = new TextDecoder('utf-8');
// C0 controls other than tab, LF and CR do not occur in log text; their presence means binary.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/;

export function detectCharset(bytes: Uint8Array): Charset {
  if (isUtf8(bytes)) return CONTROL.test(utf8.decode(bytes)) ? 'binary' : 'utf-8';
  try {
    return CONTROL.test(shiftJis.decode(bytes)) ? 'binary' : 'shift_jis';
  } catch {
    return 'binary';
  }
}

/** The text of `bytes` in `charset`; binary bytes map one to one onto U+0000–U+00FF so nothing is lost. */
export function decodeText(bytes: Uint8Array, charset: Charset): string {
  switch (charset) {
    case 'utf-8':
      return utf8.decode(bytes);
    case 'shift_jis':
      return shiftJis.decode(bytes);
    case 'binary':
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('latin1');
  }
}
