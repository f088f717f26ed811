// A batch of syslog frames from one sender in one Kafka record of `rm.raw.syslog`. A busy VPN router sends
// tens of thousands of lines a second, and a Kafka record per line costs more than receiving the line; so the
// collector packs the frames one connection (or one UDP sender) delivered within a few milliseconds into one
// record, in arrival order. Each frame keeps its own bytes exactly as received, its receive time and its
// charset; what all frames share (peer, port, transport, format, zone) stays in the record's headers.
//
// Value layout, per frame: receive time (ms since the epoch, float64 BE) · charset (1 byte) · length
// (uint32 BE) · the bytes. The header `rm-frames` holds the count; a record without it is a single frame
// whose bytes are the whole value (as every other raw topic, and as kcat or an older collector writes it).
import { Charset } from './charset.ts';
import { fromHeaders, toHeaders, type ReceiveMetadata } from './raw.ts';

export const FRAMES_HEADER = 'rm-frames';
const FRAME_HEADER_BYTES = 8 + 1 + 4;
const CHARSETS = Charset.options;

export interface Frame {
  bytes: Buffer;
  receivedAtMs: number;
  charset: Charset;
}

export type SharedMetadata = Omit<ReceiveMetadata, 'received_at' | 'charset'>;

/** The Kafka value and headers of a batch of frames (at least one). */
export function packFrames(
  shared: SharedMetadata,
  frames: readonly Frame[],
): { value: Buffer; headers: Record<string, string> } {
  const first = frames[0];
  if (!first) throw new Error('packFrames: no frames');
  let size = 0;
  for (const f of frames) size += FRAME_HEADER_BYTES + f.bytes.length;
  const value = Buffer.allocUnsafe(size);
  let at = 0;
  for (const f of frames) {
    value.writeDoubleBE(f.receivedAtMs, at);
    value.writeUInt8(CHARSETS.indexOf(f.charset), at + 8);
    value.writeUInt32BE(f.bytes.length, at + 9);
    f.bytes.copy(value, at + FRAME_HEADER_BYTES);
    at += FRAME_HEADER_BYTES + f.bytes.length;
  }
  // The record's own receive metadata is its first frame's, so that readers of headers alone see a whole set.
  const headers = toHeaders({
    ...shared,
    received_at: new Date(first.receivedAtMs).toISOString(),
    charset: first.charset,
  });
  headers[FRAMES_HEADER] = String(frames.length);
  return { value, headers };
}

export class FrameBatchError extends Error {
  override name = 'FrameBatchError';
}

/**
 * The raw records a Kafka record holds, each with its own receive metadata: the frames of a batch, or the
 * record itself. Throws FrameBatchError when a batch is damaged (its bytes then go to the dead letters whole).
 */
export function unpackFrames(
  value: Buffer,
  headers: Readonly<Record<string, string>>,
): { bytes: Buffer; meta: ReceiveMetadata }[] {
  const meta = fromHeaders(headers);
  const count = headers[FRAMES_HEADER];
  if (count === undefined) return [{ bytes: value, meta }];
  const expected = Number(count);
  if (!Number.isInteger(expected) || expected < 1)
    throw new FrameBatchError(`${FRAMES_HEADER} header is not a frame count: ${JSON.stringify(count)}`);
  const out: { bytes: Buffer; meta: ReceiveMetadata }[] = [];
  let at = 0;
  while (at < value.length) {
    if (at + FRAME_HEADER_BYTES > value.length)
      throw new FrameBatchError(`frame batch cut inside the header of frame ${out.length + 1}`);
    const ms = value.readDoubleBE(at);
    const charset = CHARSETS[value.readUInt8(at + 8)];
    const length = value.readUInt32BE(at + 9);
    const start = at + FRAME_HEADER_BYTES;
    if (charset === undefined || !Number.isFinite(ms) || start + length > value.length)
      throw new FrameBatchError(`frame ${out.length + 1} of the batch is damaged`);
    out.push({
      bytes: value.subarray(start, start + length),
      meta: { ...meta, received_at: new Date(ms).toISOString(), charset },
    });
    at = start + length;
  }
  if (out.length !== expected)
    throw new FrameBatchError(
      `frame batch holds ${out.length} frames, its ${FRAMES_HEADER} header says ${expected}`,
    );
  return out;
}

/** How many frames a Kafka record carries: its batch's count, or 1. */
export function framesOf(headers: Readonly<Record<string, string>> | undefined): number {
  const frames = Number(headers?.[FRAMES_HEADER] ?? 1);
  return Number.isInteger(frames) && frames > 0 ? frames : 1;
}
