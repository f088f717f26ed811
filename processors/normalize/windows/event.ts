// Windows events as shippers deliver them — event XML (wevtutil, Get-WinEvent ToXml(), WEF, evtx renderings)
// and Winlogbeat / Elastic Agent JSON (`winlog.*`), and NXLog JSON carried in syslog — read into one shape.
import { XMLParser } from 'fast-xml-parser';
import { z } from 'zod';
import { localMatchToUtc } from '../time.ts';

export interface WindowsEvent {
  provider: string;
  eventId: number;
  channel: string;
  computer: string;
  /** UTC. */
  timeCreated: string;
  recordId?: string;
  /** EventData `<Data Name=…>` and UserData children, by name. */
  data: Record<string, string>;
  /** A Security audit the shipper marks as failed (Keywords "Audit Failure"); absent when it does not say. */
  auditFailure?: boolean;
}

/** The Audit Failure bit of `<Keywords>`. */
const AUDIT_FAILURE = 0x0010000000000000n;

export class WindowsEventError extends Error {
  override name = 'WindowsEventError';
}

const xml = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  removeNSPrefix: true,
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  isArray: (name) => name === 'Data',
});

type XmlNode = string | { [key: string]: XmlNode | XmlNode[] | undefined };

export function fromXml(text: string): WindowsEvent {
  // Event Viewer copies prefix each element with "- "; they are not part of the XML.
  const cleaned = text.replace(/(^|>)\s*-\s*(?=<)/g, '$1');
  let doc: Record<string, XmlNode>;
  try {
    doc = xml.parse(cleaned, true) as Record<string, XmlNode>;
  } catch (err) {
    throw new WindowsEventError(`malformed event XML: ${(err as Error).message.split('\n')[0]}`);
  }
  const event = doc.Event;
  if (typeof event !== 'object' || Array.isArray(event)) throw new WindowsEventError('no <Event> element');
  const system = child(event, 'System');
  if (!system) throw new WindowsEventError('event XML without <System>');
  const eventIdNode = child(system, 'EventID');
  const eventId = Number(text_(eventIdNode));
  if (!Number.isInteger(eventId)) throw new WindowsEventError('event XML without a numeric <EventID>');
  const time = attr(child(system, 'TimeCreated'), 'SystemTime');
  const data: Record<string, string> = {};
  const eventData = child(event, 'EventData');
  if (eventData) {
    const items = eventData.Data;
    const list = Array.isArray(items) ? items : items === undefined ? [] : [items];
    list.forEach((item, i) => {
      const name =
        typeof item === 'object' && !Array.isArray(item) ? (item['@Name'] as string | undefined) : undefined;
      data[name ?? `Param${i + 1}`] = text_(item);
    });
  }
  const userData = child(event, 'UserData');
  if (userData) {
    // One wrapper element (EventXML, EventInfo, …) whose children are the fields.
    for (const [wrapperName, wrapper] of Object.entries(userData)) {
      if (wrapperName.startsWith('@') || typeof wrapper !== 'object' || Array.isArray(wrapper)) continue;
      for (const [name, value] of Object.entries(wrapper))
        if (!name.startsWith('@')) data[name] = text_(value);
    }
  }
  return {
    provider: attr(child(system, 'Provider'), 'Name') ?? '',
    eventId,
    channel: text_(child(system, 'Channel')),
    computer: text_(child(system, 'Computer')),
    timeCreated: utc(time),
    recordId: text_(child(system, 'EventRecordID')) || undefined,
    data,
    auditFailure: auditFailureOf(text_(child(system, 'Keywords'))),
  };
}

const Winlogbeat = z.object({
  '@timestamp': z.string(),
  winlog: z.object({
    event_id: z.union([z.string(), z.number()]),
    channel: z.string().default(''),
    provider_name: z.string().default(''),
    computer_name: z.string().default(''),
    record_id: z.union([z.string(), z.number()]).optional(),
    keywords: z.array(z.string()).optional(),
    time_created: z.string().optional(),
    event_data: z.record(z.string(), z.unknown()).default({}),
    user_data: z.record(z.string(), z.unknown()).default({}),
  }),
  host: z.object({ name: z.string().optional() }).optional(),
});

export function fromWinlogbeat(value: unknown): WindowsEvent {
  const parsed = Winlogbeat.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new WindowsEventError(
      `not a Winlogbeat event: ${issue?.path.join('.') || '(top)'}: ${issue?.message}`,
    );
  }
  const w = parsed.data.winlog;
  const eventId = Number(w.event_id);
  if (!Number.isInteger(eventId))
    throw new WindowsEventError(`winlog.event_id is not a number: ${String(w.event_id)}`);
  const data: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...w.event_data, ...w.user_data }))
    if (v !== null && typeof v !== 'object') data[k] = String(v);
  return {
    provider: w.provider_name,
    eventId,
    channel: w.channel,
    computer: w.computer_name || parsed.data.host?.name || '',
    // The event's own time; `@timestamp` may be when it was shipped.
    timeCreated: utc(w.time_created ?? parsed.data['@timestamp']),
    recordId: w.record_id === undefined ? undefined : String(w.record_id),
    data,
    auditFailure: auditOutcomeNamed(w.keywords?.join(' ')),
  };
}

/** NXLog's JSON output (`EventID`, `Channel`, `Hostname`, `EventTime`, EventData fields at the top level). */
export function fromNxlog(value: Record<string, unknown>, timezone: string): WindowsEvent {
  const eventId = Number(value.EventID);
  if (!Number.isInteger(eventId)) throw new WindowsEventError('NXLog event without a numeric EventID');
  const data: Record<string, string> = {};
  for (const [k, v] of Object.entries(value)) if (v !== null && typeof v !== 'object') data[k] = String(v);
  // `2026-11-23 10:15:03`: local time.
  const local =
    typeof value.EventTime === 'string'
      ? /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})/.exec(value.EventTime)
      : null;
  const time = local ? localMatchToUtc(local, timezone) : undefined;
  if (!time) throw new WindowsEventError('NXLog event without a readable EventTime');
  return {
    provider: String(value.SourceName ?? value.ProviderName ?? ''),
    eventId,
    channel: String(value.Channel ?? ''),
    computer: String(value.Hostname ?? ''),
    timeCreated: time,
    recordId: value.RecordNumber === undefined ? undefined : String(value.RecordNumber),
    data,
    auditFailure: auditOutcomeNamed(typeof value.EventType === 'string' ? value.EventType : undefined),
  };
}

/** "Audit Failure" (Winlogbeat keywords), AUDIT_FAILURE (NXLog EventType), "Failure Audit" (Snare). */
export function auditOutcomeNamed(text: string | undefined): boolean | undefined {
  if (text === undefined) return undefined;
  if (/fail/i.test(text) && /audit/i.test(text)) return true;
  if (/succ/i.test(text) && /audit/i.test(text)) return false;
  return undefined;
}

function auditFailureOf(keywords: string): boolean | undefined {
  if (!/^0x[0-9a-f]{1,16}$/i.test(keywords)) return undefined;
  return (BigInt(keywords) & AUDIT_FAILURE) !== 0n;
}

function child(
  node: XmlNode | XmlNode[] | undefined,
  name: string,
): Record<string, XmlNode | XmlNode[] | undefined> | undefined {
  if (typeof node !== 'object' || node === null || Array.isArray(node)) return undefined;
  const c = node[name];
  if (c === undefined) return undefined;
  if (typeof c === 'string') return { '#text': c };
  return Array.isArray(c) ? (c[0] as Record<string, XmlNode>) : c;
}

function attr(
  node: Record<string, XmlNode | XmlNode[] | undefined> | undefined,
  name: string,
): string | undefined {
  const v = node?.[`@${name}`];
  return typeof v === 'string' ? v : undefined;
}

function text_(node: XmlNode | XmlNode[] | undefined): string {
  if (node === undefined) return '';
  if (typeof node === 'string') return node;
  if (Array.isArray(node)) return text_(node[0]);
  const t = node['#text'];
  return typeof t === 'string' ? t : '';
}

function utc(time: string | undefined): string {
  const ms = time === undefined ? NaN : Date.parse(time.replace(/(\.\d{3})\d+/, '$1'));
  if (Number.isNaN(ms)) throw new WindowsEventError(`unreadable event time ${JSON.stringify(time)}`);
  return new Date(ms).toISOString();
}
