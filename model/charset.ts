// Text from devices: UTF-8 from most, Shift_JIS from older Japanese ones, and now and then bytes that are
// neither. The raw bytes are always kept; the charset says how to read them.
import { isUtf8 } from 'node:buffer';
import { z } from 'zod';

export const Charset = z.enum(['utf-8', 'shift_jis', 'binary']);
export type Charset = z.infer<typeof Charset>;

const shiftJis = new TextDecoder('shift_jis', { fatal: true });
const utf8 = new TextDecoder('utf-8');

/**
 * C0 controls other than tab, LF and CR, and DEL, do not occur in log text; their presence means binary.
 * They are single bytes that never occur inside a UTF-8 or Shift_JIS multi-byte sequence, so the bytes can be
 * checked without decoding them.
 */
function hasControlBytes(bytes: Uint8Array): boolean {
  // An indexed loop: for…of over a Buffer costs three times as much, and this runs on every received line.
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    if ((b < 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) || b === 0x7f) return true;
  }
  return false;
}

export function detectCharset(bytes: Uint8Array): Charset {
  if (hasControlBytes(bytes)) return 'binary';
  if (isUtf8(bytes)) return 'utf-8';
  try {
    shiftJis.decode(bytes);
    return 'shift_jis';
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
