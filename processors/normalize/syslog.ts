// Syslog headers: RFC 5424 parsed strictly (a line that claims version 1 must be one), RFC 3164 and what
// devices actually send parsed leniently (optional PRI, several timestamp shapes, optional host and tag).
import { inferYear, MONTHS, toIso, utcOffsetMs, wallClockOf, zonedToEpoch } from './time.ts';

export interface SyslogMessage {
  format: 'rfc5424' | 'rfc3164';
  facility?: number;
  severity?: number;
  /** UTC; absent when the line carries no time (the caller then uses the receive time). */
  timestamp?: string;
  hostname?: string;
  appName?: string;
  procId?: string;
  msgId?: string;
  /** RFC 5424 structured data: SD-ID → parameters. */
  structuredData: Record<string, Record<string, string>>;
  message: string;
}

export interface SyslogContext {
  /** Zone of timestamps that carry none. */
  timezone: string;
  /** When the record was received (epoch ms): anchors year inference. */
  receivedAtMs: number;
  /** A fixed year for year-less timestamps (`rmwatch parse --year`). */
  year?: number;
}

export class SyslogParseError extends Error {
  override name = 'SyslogParseError';
}

const PRI = /^<(\d{1,3})>/;

export function parseSyslog(text: string, ctx: SyslogContext): SyslogMessage {
  const pri = PRI.exec(text);
  let facility: number | undefined;
  let severity: number | undefined;
  let rest = text;
  if (pri) {
    const value = Number(pri[1]);
    if (value > 191) throw new SyslogParseError(`PRI ${value} is out of range (0–191)`);
    facility = value >> 3;
    severity = value & 7;
    rest = text.slice(pri[0].length);
    if (rest.startsWith('1 ')) return { ...parse5424(rest.slice(2)), facility, severity };
  }
  return { ...parse3164(rest, ctx), facility, severity };
}

// ---- RFC 5424 -------------------------------------------------------------------------------------------

const TS_5424 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

function parse5424(s: string): Omit<SyslogMessage, 'facility' | 'severity'> {
  let at = 0;
  const field = (name: string, max: number): string | undefined => {
    const end = s.indexOf(' ', at);
    if (end === -1) throw new SyslogParseError(`RFC 5424: missing ${name}`);
    const value = s.slice(at, end);
    at = end + 1;
    if (value.length === 0) throw new SyslogParseError(`RFC 5424: empty ${name}`);
    if (value.length > max) throw new SyslogParseError(`RFC 5424: ${name} longer than ${max}`);
    return value === '-' ? undefined : value;
  };
  const ts = field('TIMESTAMP', 64);
  if (ts !== undefined && !TS_5424.test(ts))
    throw new SyslogParseError(`RFC 5424: bad TIMESTAMP ${JSON.stringify(ts)}`);
  const hostname = field('HOSTNAME', 255);
  const appName = field('APP-NAME', 48);
  const procId = field('PROCID', 128);
  const msgId = field('MSGID', 32);
  const { data, end } = parseStructuredData(s, at);
  let message = '';
  if (end < s.length) {
    if (s[end] !== ' ') throw new SyslogParseError('RFC 5424: no space after STRUCTURED-DATA');
    message = s.slice(end + 1);
    if (message.startsWith('\uFEFF')) message = message.slice(1);
  }
  return {
    format: 'rfc5424',
    timestamp: ts === undefined ? undefined : toIso(Date.parse(ts)),
    hostname,
    appName,
    procId,
    msgId,
    structuredData: data,
    message,
  };
}

function parseStructuredData(
  s: string,
  start: number,
): { data: SyslogMessage['structuredData']; end: number } {
  const data: SyslogMessage['structuredData'] = {};
  if (s[start] === '-') return { data, end: start + 1 };
  if (s[start] !== '[') throw new SyslogParseError('RFC 5424: STRUCTURED-DATA must be "-" or start with "["');
  let at = start;
  while (s[at] === '[') {
    at++;
    const idEnd = findAny(s, at, ' ]');
    const id = s.slice(at, idEnd);
    if (!/^[^\s=\]"]{1,32}$/.test(id))
      throw new SyslogParseError(`RFC 5424: bad SD-ID ${JSON.stringify(id)}`);
    const params: Record<string, string> = {};
    at = idEnd;
    while (s[at] === ' ') {
      at++;
      const eq = s.indexOf('=', at);
      if (eq === -1) throw new SyslogParseError(`RFC 5424: SD-PARAM without "=" in [${id}]`);
      const name = s.slice(at, eq);
      if (!/^[^\s=\]"]{1,32}$/.test(name))
        throw new SyslogParseError(`RFC 5424: bad PARAM-NAME ${JSON.stringify(name)}`);
      if (s[eq + 1] !== '"') throw new SyslogParseError(`RFC 5424: PARAM-VALUE of ${name} not quoted`);
      let value = '';
      let i = eq + 2;
      for (;;) {
        const c = s[i];
        if (c === undefined) throw new SyslogParseError(`RFC 5424: unterminated PARAM-VALUE of ${name}`);
        if (c === '\\' && (s[i + 1] === '"' || s[i + 1] === '\\' || s[i + 1] === ']')) {
          value += s[i + 1];
          i += 2;
        } else if (c === '"') {
          break;
        } else {
          value += c;
          i++;
        }
      }
      params[name] = value;
      at = i + 1;
    }
    if (s[at] !== ']') throw new SyslogParseError(`RFC 5424: SD-ELEMENT [${id}] not closed`);
    at++;
    data[id] = params;
  }
  return { data, end: at };
}

function findAny(s: string, from: number, chars: string): number {
  for (let i = from; i < s.length; i++) if (chars.includes(s[i] as string)) return i;
  return s.length;
}

// ---- RFC 3164 and device dialects ---------------------------------------------------------------------

// `Oct 10 12:34:56`, `Oct  1 2018 12:34:56`, with optional fractions.
const TS_BSD =
  /^([A-Z][a-z]{2}) {1,2}(\d{1,2})(?: (\d{4}))? (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?(?=\s|:|$)/;
// `2024-02-18T02:29:57+08:00`, `2026-08-20T08:53:11Z`, `2026-08-20T08:53:11` (local).
const TS_ISO =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(Z|[+-]\d{2}:?\d{2})?(?=\s|$)/;
// Log files rather than syslog: `2024-12-15 14:10:00` (OpenVPN), `1980/01/01 09:23:14:` (Yamaha RTX).
const TS_FILE = /^(\d{4})[-/](\d{2})[-/](\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?:?(?=\s|$)/;
const HOSTNAME = /^[A-Za-z0-9][A-Za-z0-9._:%-]{0,254}$/;
// A Cisco `%ASA-6-113039:` is the message's own code, not a tag: it stays in the message.
const TAG = /^([^\s:[\]%][^\s:[\]]{0,63})(?:\[([^\]\s]{1,32})\])?:(?:\s|$)/;

function parse3164(s: string, ctx: SyslogContext): Omit<SyslogMessage, 'facility' | 'severity'> {
  let rest = s.replace(/^\s+/, '');
  let timestamp: string | undefined;
  let headerLike = false;

  const bsd = TS_BSD.exec(rest);
  const iso = bsd ? null : TS_ISO.exec(rest);
  const file = bsd || iso ? null : TS_FILE.exec(rest);
  if (bsd) {
    const month = MONTHS[(bsd[1] ?? '').toLowerCase()];
    if (month === undefined) throw new SyslogParseError(`unknown month ${bsd[1]}`);
    const clock = {
      month,
      day: Number(bsd[2]),
      hour: Number(bsd[4]),
      minute: Number(bsd[5]),
      second: Number(bsd[6]),
      millisecond: bsd[7] ? Math.floor(Number(`0.${bsd[7]}`) * 1000) : 0,
    };
    const year = bsd[3] ? Number(bsd[3]) : (ctx.year ?? inferYear(clock, ctx.timezone, ctx.receivedAtMs));
    timestamp = validInstant({ ...clock, year }, ctx.timezone);
    rest = rest.slice(bsd[0].length);
    headerLike = true;
  } else if (iso) {
    const clock = wallClockOf(iso);
    timestamp = iso[8]
      ? toIso(
          Date.UTC(
            clock.year,
            clock.month - 1,
            clock.day,
            clock.hour,
            clock.minute,
            clock.second,
            clock.millisecond,
          ) - (utcOffsetMs(iso[8]) ?? 0),
        )
      : validInstant(clock, ctx.timezone);
    rest = rest.slice(iso[0].length);
    headerLike = true;
  } else if (file) {
    timestamp = validInstant(wallClockOf(file), ctx.timezone);
    rest = rest.slice(file[0].length);
  }
  rest = rest.replace(/^\s+/, '');

  let hostname: string | undefined;
  let appName: string | undefined;
  let procId: string | undefined;
  if (headerLike) {
    const space = rest.indexOf(' ');
    const first = space === -1 ? rest : rest.slice(0, space);
    // A first word that is itself a tag (`asa01:` or `sshd[42]:`) means the sender left out the host.
    if (!TAG.test(rest) && HOSTNAME.test(first)) {
      hostname = first;
      rest = space === -1 ? '' : rest.slice(space + 1);
      // `host : msg` (Cisco ASA without a tag).
      if (rest.startsWith(': ')) rest = rest.slice(2);
    }
  }
  if (headerLike || !timestamp) {
    const tag = TAG.exec(rest);
    if (tag) {
      appName = tag[1];
      procId = tag[2];
      rest = rest.slice(tag[0].length);
    }
  }
  return { format: 'rfc3164', timestamp, hostname, appName, procId, structuredData: {}, message: rest };
}

function validInstant(t: Parameters<typeof zonedToEpoch>[0], zone: string): string {
  if (t.month < 1 || t.month > 12 || t.day < 1 || t.day > 31 || t.hour > 23 || t.minute > 59 || t.second > 60)
    throw new SyslogParseError(
      `impossible time ${t.year}-${t.month}-${t.day} ${t.hour}:${t.minute}:${t.second}`,
    );
  return toIso(zonedToEpoch(t, zone));
}
