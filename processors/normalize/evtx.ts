// Binary `.evtx` files — the Event Log's own format, as auditors copy them off a jump terminal or gateway —
// rendered record by record into the same event XML that wevtutil and WEF deliver, so one parser reads both.
// The binary XML decoding is @ts-evtx/core's. This module decides what each part of the file becomes: XML to
// normalise, or bytes and a reason for the dead-letter output. The decoder stops quietly at the first damaged
// record of a chunk, so the records it walked are counted against what the chunk header declares; a shortfall
// is reported, never lost without a word.
import { EvtxFile, type ChunkHeader, type Record as EvtxRecordBlock } from '@ts-evtx/core';

const MAGIC = Buffer.from('ElfFile\0', 'latin1');
const FILE_HEADER_BYTES = 4096;
const CHUNK_BYTES = 65536;
/** A dead letter carries the bytes it is about; of a whole unreadable file, this much is enough to judge it. */
const UNREADABLE_FILE_SAMPLE = CHUNK_BYTES;

export type EvtxRecord = { xml: string } | { bytes: Buffer; error: string };

export function isEvtx(data: Buffer): boolean {
  return data.length >= MAGIC.length && data.subarray(0, MAGIC.length).equals(MAGIC);
}

/** Every record of the file in file order; what cannot be decoded is an error entry, never a silent gap. */
export function readEvtx(path: string, data: Buffer): EvtxRecord[] {
  let file: EvtxFile;
  try {
    file = EvtxFile.openSync(path);
  } catch (err) {
    return [
      { bytes: data.subarray(0, UNREADABLE_FILE_SAMPLE), error: `not a readable .evtx file: ${reason(err)}` },
    ];
  }
  const out: EvtxRecord[] = [];
  const declared = file.header.chunkCount();
  let index = 0;
  for (const chunk of file.chunks()) {
    out.push(...chunkRecords(chunk, index, data));
    index++;
  }
  if (index < declared) {
    out.push({
      bytes: data.subarray(FILE_HEADER_BYTES + index * CHUNK_BYTES),
      error: `.evtx file truncated: its header declares ${declared} chunks, ${index} are complete`,
    });
  }
  return out;
}

function chunkRecords(chunk: ChunkHeader, index: number, data: Buffer): EvtxRecord[] {
  const start = FILE_HEADER_BYTES + index * CHUNK_BYTES;
  const chunkBytes = data.subarray(start, start + CHUNK_BYTES);
  if (!chunk.checkMagic())
    return [{ bytes: chunkBytes, error: `.evtx chunk ${index + 1} has no chunk signature` }];
  const out: EvtxRecord[] = [];
  const first = chunk.logFirstRecordNumber();
  const expected = Number(chunk.logLastRecordNumber() - first) + 1;
  let walked = 0;
  let resumeAt = 0x200;
  try {
    for (const record of chunk.records()) {
      walked++;
      resumeAt = record.offset - start + record.length();
      out.push(decode(record));
    }
  } catch (err) {
    out.push({
      bytes: chunkBytes.subarray(resumeAt),
      error: `.evtx chunk ${index + 1} broke off: ${reason(err)}`,
    });
    return out;
  }
  if (walked < expected)
    out.push({
      bytes: chunkBytes.subarray(resumeAt),
      error: `.evtx chunk ${index + 1}: ${expected - walked} of its ${expected} records could not be walked (from record ${String(first + BigInt(walked))})`,
    });
  return out;
}

function decode(record: EvtxRecordBlock): EvtxRecord {
  const undecodable = (why: string): EvtxRecord => ({
    bytes: Buffer.from(record.data()),
    error: `.evtx record ${String(record.recordNum())} could not be decoded: ${why}`,
  });
  try {
    const xml = record.renderXml();
    // Binary XML the decoder does not know renders as an empty <Event/>: that is a decoding failure (with the
    // record's own bytes kept), not an event without a System part.
    return xml.includes('<System') ? { xml } : undecodable('binary XML rendered without a System part');
  } catch (err) {
    return undecodable(reason(err));
  }
}

function reason(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
