// Exported log files → raw records, for `rmwatch parse` and `rmwatch analyze`: the same records the
// collectors would have produced, with the file and line (or record index) they came from.
import { readFileSync } from 'node:fs';
import { detectCharset } from '../../model/charset.ts';
import type { RawFormat } from '../../model/raw.ts';
import { isEvtx, readEvtx } from './evtx.ts';
import type { RawInput } from './normalize.ts';

/** What a file holds: the raw record formats, or binary `.evtx`, which is read into event XML records. */
export type FileFormat = 'auto' | 'evtx' | RawFormat;
export const FILE_FORMATS: readonly FileFormat[] = ['auto', 'syslog', 'winlogbeat', 'evtxml', 'evtx'];

export interface FileOptions {
  format: FileFormat;
  timezone: string;
  year?: number;
  /** Anchor for year inference; default now. */
  receivedAt?: Date;
}

/** Which kind of file this is, from its first non-blank bytes. */
export function detectFormat(data: Buffer): RawFormat | 'evtx' {
  if (isEvtx(data)) return 'evtx';
  const head = data
    .subarray(0, 4096)
    .toString('utf8')
    .replace(/^\uFEFF/, '')
    .trimStart();
  // Event Viewer copies start with "- <Event …".
  if (/^(?:<\?xml|<Events|(?:- )?<Event[\s>])/.test(head)) return 'evtxml';
  if (head.startsWith('{') || head.startsWith('[')) return 'winlogbeat';
  return 'syslog';
}

/**
 * A file that is one JSON document — an array of events, or `{"events": […]}` as Winlogbeat's file output
 * and test data write it — gives one record per event; NDJSON (one event per line) gives undefined.
 */
export function jsonDocuments(data: Buffer): Buffer[] | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(data.toString('utf8').replace(/^\uFEFF/, ''));
  } catch {
    return undefined;
  }
  const list = Array.isArray(doc)
    ? doc
    : typeof doc === 'object' && doc !== null && Array.isArray((doc as { events?: unknown }).events)
      ? (doc as { events: unknown[] }).events
      : [doc];
  return list.map((e) => Buffer.from(JSON.stringify(e)));
}

export function readRecords(path: string, options: FileOptions): RawInput[] {
  const data = readFileSync(path);
  const format = options.format === 'auto' ? detectFormat(data) : options.format;
  const received_at = (options.receivedAt ?? new Date()).toISOString();
  const meta = (bytes: Buffer, charset = detectCharset(bytes)) => ({
    received_at,
    peer: path,
    transport: 'file' as const,
    charset,
    format: format === 'evtx' ? ('evtxml' as const) : format,
    timezone: options.timezone,
  });
  if (format === 'evtx') {
    return readEvtx(path, data).map((record, i) => {
      const file = { path, line: i + 1 };
      if ('xml' in record) {
        const bytes = Buffer.from(record.xml);
        return { bytes, meta: meta(bytes, 'utf-8'), year: options.year, file };
      }
      return { bytes: record.bytes, meta: meta(record.bytes, 'binary'), unreadable: record.error, file };
    });
  }
  if (format === 'winlogbeat') {
    const documents = jsonDocuments(data);
    if (documents)
      return documents.map((bytes, i) => ({
        bytes,
        meta: meta(bytes),
        year: options.year,
        file: { path, line: i + 1 },
      }));
  }
  if (format === 'evtxml') {
    return splitXmlEvents(data).map((bytes, i) => ({
      bytes,
      meta: meta(bytes),
      year: options.year,
      file: { path, line: i + 1 },
    }));
  }
  const records: RawInput[] = [];
  let start = 0;
  let line = 0;
  while (start < data.length) {
    let end = data.indexOf(0x0a, start);
    if (end === -1) end = data.length;
    line++;
    let bytes = data.subarray(start, end);
    if (bytes.length > 0 && bytes[bytes.length - 1] === 0x0d) bytes = bytes.subarray(0, bytes.length - 1);
    if (line === 1 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) bytes = bytes.subarray(3);
    // Blank lines separate nothing and are not records.
    if (bytes.some((b) => b !== 0x20 && b !== 0x09))
      records.push({ bytes, meta: meta(bytes), year: options.year, file: { path, line } });
    start = end + 1;
  }
  return records;
}

/** Each `<Event …>…</Event>` of an `<Events>` document (or of one event per line) as its own bytes. */
export function splitXmlEvents(data: Buffer): Buffer[] {
  const text = data.toString('utf8');
  const out: Buffer[] = [];
  const open = /<Event[\s>]/g;
  let match: RegExpExecArray | null;
  while ((match = open.exec(text)) !== null) {
    const close = text.indexOf('</Event>', match.index);
    // A truncated last event is still a record: it goes to the dead-letter output with its bytes.
    const end = close === -1 ? text.length : close + '</Event>'.length;
    out.push(Buffer.from(text.slice(match.index, end)));
    open.lastIndex = end;
  }
  return out;
}
