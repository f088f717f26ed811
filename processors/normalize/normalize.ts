// The normaliser's pure core: one raw record (bytes + receive metadata) → canonical events, or the reason it
// could not be read. The streaming stage and `rmwatch parse` / `analyze` share it, so they agree.
import { isIP } from 'node:net';
import { decodeText } from '../../model/charset.ts';
import { CanonicalEvent } from '../../model/event.ts';
import { eventId } from '../../model/ids.ts';
import type { ReceiveMetadata } from '../../model/raw.ts';
import * as ciscoAsa from './cisco-asa/parse.ts';
import * as fortigate from './fortigate/parse.ts';
import * as openvpn from './openvpn/parse.ts';
import * as paloalto from './paloalto/parse.ts';
import * as strongswan from './strongswan/parse.ts';
import * as yamahaRtx from './yamaha-rtx/parse.ts';
import type { EventDraft, FamilyContext } from './draft.ts';
import { DeviceMemories } from './memory.ts';
import { parseSyslog, SyslogParseError, type SyslogMessage } from './syslog.ts';
import { fromNxlog, fromWinlogbeat, fromXml, WindowsEventError, type WindowsEvent } from './windows/event.ts';
import { mapWindowsEvent } from './windows/map.ts';
import { fromSnare, snareRecord } from './windows/snare.ts';

export interface SyslogFamily {
  dataset: string;
  recognises(msg: SyslogMessage): boolean;
  parse(msg: SyslogMessage, ctx: FamilyContext): EventDraft | EventDraft[] | undefined;
}

/** Tried in order; the first that recognises a line parses it. */
export const SYSLOG_FAMILIES: readonly SyslogFamily[] = [
  ciscoAsa,
  fortigate,
  paloalto,
  yamahaRtx,
  strongswan,
  openvpn,
];

export interface RawInput {
  bytes: Buffer;
  meta: ReceiveMetadata;
  /** Year for year-less timestamps, when the caller knows better than inference (`rmwatch parse --year`). */
  year?: number;
  /** Where an offline parse read the record. */
  file?: { path: string; line: number };
  /** Why the reader could not even take a record out of its container (a damaged `.evtx` record). */
  unreadable?: string;
}

export type NormalizeResult = { ok: true; events: CanonicalEvent[] } | { ok: false; error: string };

export class Normalizer {
  private readonly memories = new DeviceMemories();

  normalize(input: RawInput): NormalizeResult {
    if (input.unreadable !== undefined) return { ok: false, error: input.unreadable };
    if (input.bytes.length === 0) return { ok: false, error: 'empty record' };
    if (input.meta.charset === 'binary') return { ok: false, error: 'not text: neither UTF-8 nor Shift_JIS' };
    const text = decodeText(input.bytes, input.meta.charset);
    try {
      switch (input.meta.format) {
        case 'syslog':
          return this.normalizeSyslog(text, input);
        case 'evtxml':
          return this.normalizeWindows(fromXml(text), text, input);
        case 'winlogbeat':
          return this.normalizeWindows(fromWinlogbeat(parseJson(text)), text, input);
      }
    } catch (err) {
      if (err instanceof SyslogParseError || err instanceof WindowsEventError)
        return { ok: false, error: err.message };
      throw err;
    }
  }

  private normalizeSyslog(text: string, input: RawInput): NormalizeResult {
    const receivedAtMs = Date.parse(input.meta.received_at);
    const msg = parseSyslog(text, { timezone: input.meta.timezone, receivedAtMs, year: input.year });
    // Snare agents (and NXLog's Snare output) ship Windows events as tab-separated fields inside syslog.
    const snare = snareRecord(msg.message);
    if (snare !== undefined)
      return this.normalizeWindows(fromSnare(snare, msg.timestamp, input.meta.timezone), text, input);
    // NXLog ships Windows events as JSON inside syslog.
    if (msg.message.startsWith('{') && msg.message.includes('"EventID"')) {
      const value = parseJson(msg.message);
      if (typeof value === 'object' && value !== null && !Array.isArray(value))
        return this.normalizeWindows(
          fromNxlog(value as Record<string, unknown>, input.meta.timezone),
          text,
          input,
        );
    }
    const family = SYSLOG_FAMILIES.find((f) => f.recognises(msg));
    if (!family)
      return { ok: false, error: 'no parser recognises this record (unknown device or message format)' };
    const observer = msg.hostname ?? input.meta.peer;
    const drafts = family.parse(msg, {
      observer,
      memory: this.memoryOf(observer),
      timezone: input.meta.timezone,
      receivedAtMs,
      year: input.year,
    });
    const list = drafts === undefined ? [] : Array.isArray(drafts) ? drafts : [drafts];
    if (list.length === 0) return { ok: false, error: `${family.dataset}: recognised but not parsable` };
    return this.finish(list, {
      dataset: family.dataset,
      observer,
      timestamp: msg.timestamp,
      message: text,
      input,
    });
  }

  private normalizeWindows(event: WindowsEvent, text: string, input: RawInput): NormalizeResult {
    const mapped = mapWindowsEvent(event, this.memoryOf(event.computer || input.meta.peer));
    if (!mapped)
      return {
        ok: false,
        error: `no mapping for Windows channel ${event.channel || event.provider} event ${event.eventId}`,
      };
    // The same event shipped twice, or by two shippers, is one event: its identity is where and which record.
    const identity = event.recordId ? `${event.computer}\n${event.channel}\n${event.recordId}` : undefined;
    return this.finish([mapped.draft], {
      dataset: mapped.dataset,
      observer: event.computer || input.meta.peer,
      message: text,
      input,
      identity,
    });
  }

  private finish(
    drafts: readonly EventDraft[],
    at: {
      dataset: string;
      observer: string;
      timestamp?: string;
      message: string;
      input: RawInput;
      identity?: string;
    },
  ): NormalizeResult {
    const events: CanonicalEvent[] = [];
    // The device as the record names it (FortiGate's devname, say) beats where the bytes came from.
    const device = drafts[0]?.observer?.hostname ?? at.observer;
    const baseId = eventId(device, at.identity ?? at.input.bytes);
    const peerIp = isIP(at.input.meta.peer) ? at.input.meta.peer : undefined;
    for (const [i, draft] of drafts.entries()) {
      const candidate = compact({
        ...draft,
        '@timestamp': draft['@timestamp'] ?? at.timestamp ?? at.input.meta.received_at,
        event: {
          id: i === 0 ? baseId : `${baseId}-${i}`,
          action: draft.event.action,
          outcome: draft.event.outcome ?? 'unknown',
          dataset: at.dataset,
        },
        observer: {
          ...draft.observer,
          hostname: draft.observer?.hostname ?? at.observer,
          ip: draft.observer?.ip ?? peerIp,
        },
        message: at.message,
        log: at.input.file ? { file: at.input.file } : undefined,
      });
      const parsed = CanonicalEvent.safeParse(candidate);
      if (!parsed.success) {
        const issue = parsed.error.issues[0];
        return {
          ok: false,
          error: `${at.dataset}: invalid event: ${issue?.path.join('.')}: ${issue?.message}`,
        };
      }
      events.push(parsed.data);
    }
    return { ok: true, events };
  }

  private memoryOf(observer: string): Map<string, unknown> {
    return this.memories.of(observer);
  }
}

/** Removes undefined values and objects left empty, so events carry only what the record said. */
function compact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(compact);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const c = compact(v);
    if (c === undefined) continue;
    if (typeof c === 'object' && c !== null && !Array.isArray(c) && Object.keys(c).length === 0) continue;
    out[k] = c;
  }
  return out;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new WindowsEventError(`malformed JSON: ${(err as Error).message}`);
  }
}
