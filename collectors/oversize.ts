// How large one raw record may be. Kafka refuses a request over the broker's message.max.bytes (1 MiB by
// default), and a record it refuses would be offered again forever (from the journal, or by a shipper told to
// resend). So a record must fit one request, and so must its dead letter, which carries the bytes in base64
// (4/3 of their size): 512 KiB leaves room for both.
import type { DeadLetter } from '../model/deadletter.ts';

export const MAX_RAW_RECORD_BYTES = 512 * 1024;
/** Of a record too large to forward, the dead letter keeps this much: enough to see what it was. */
const KEPT_BYTES = 64 * 1024;

export function fitsOneRecord(bytes: Buffer): boolean {
  return bytes.length <= MAX_RAW_RECORD_BYTES;
}

export function oversizeLetter(stage: string, source: string, bytes: Buffer, at: string): DeadLetter {
  return {
    stage,
    source,
    error: `record of ${bytes.length} bytes is over the ${MAX_RAW_RECORD_BYTES}-byte limit of one raw record; its first ${KEPT_BYTES} bytes are kept`,
    raw: bytes.subarray(0, KEPT_BYTES).toString('base64'),
    at,
  };
}
