// Files people hand over: UTF-8 (with or without BOM), or Shift_JIS as Excel saves "CSV" on a Japanese
// Windows. Anything else is refused with a hint on how to save it instead.
import { decodeText, detectCharset } from '../../model/charset.ts';

export type Decoded = { ok: true; text: string } | { ok: false; reason: string };

export function decodeLedgerBytes(bytes: Uint8Array): Decoded {
  // Excel's "Unicode text" is UTF-16; its zero bytes would otherwise only be reported as binary.
  if ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))
    return { ok: false, reason: 'the file is UTF-16; save it as "CSV UTF-8" or "CSV" instead' };
  const charset = detectCharset(bytes);
  if (charset === 'binary') return { ok: false, reason: 'the file is neither UTF-8 nor Shift_JIS text' };
  // The UTF-8 decoder drops a byte-order mark itself.
  return { ok: true, text: decodeText(bytes, charset) };
}
