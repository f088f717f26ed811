// What a family parser returns: a canonical event without the fields the normaliser fills in for every
// record (id, time when the line has none, observer defaults, original message).
import type { CanonicalEvent, EventAction } from '../../model/event.ts';

export type EventDraft = Omit<CanonicalEvent, 'event' | '@timestamp'> & {
  '@timestamp'?: string;
  event: { action: EventAction; outcome?: CanonicalEvent['event']['outcome'] };
};

/** What a family knows of the record beyond its text. */
export interface FamilyContext {
  /** The observing device, as the normaliser identifies it (host name in the record, else sender address). */
  observer: string;
  /** State a family keeps per observing device across records (Yamaha RTX needs it). */
  memory: Map<string, unknown>;
  timezone: string;
  receivedAtMs: number;
  year?: number;
}

/** `CITY\yamada` → { name: yamada, domain: CITY }; `yamada@city.local` → { name: yamada, domain: city.local }. */
export function splitUser(raw: string | undefined): { name?: string; domain?: string } | undefined {
  if (raw === undefined) return undefined;
  const value = raw.trim();
  if (value === '' || value === '-' || /^n\/a$/i.test(value) || value === '(null)') return undefined;
  const slash = value.lastIndexOf('\\');
  if (slash >= 0) {
    // `DOMAIN\user@upn.domain`: the name is the part before the @, and the UPN's domain wins.
    const name = value.slice(slash + 1);
    const at = name.lastIndexOf('@');
    if (at > 0) return pruned({ name: name.slice(0, at), domain: name.slice(at + 1) || undefined });
    return pruned({ name: name || undefined, domain: value.slice(0, slash) || undefined });
  }
  const at = value.lastIndexOf('@');
  if (at > 0) return pruned({ name: value.slice(0, at), domain: value.slice(at + 1) || undefined });
  return { name: value };
}

/** An IP address as the model stores it: no port, no brackets, no IPv6 zone, no IPv4-mapped prefix. */
export function cleanIp(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  let v = raw.trim();
  if (v.startsWith('[') && v.includes(']')) v = v.slice(1, v.indexOf(']'));
  v = v.replace(/%.*$/, '').replace(/^::ffff:(?=\d+\.\d+\.\d+\.\d+$)/i, '');
  if (/^\d+\.\d+\.\d+\.\d+:\d+$/.test(v)) v = v.slice(0, v.lastIndexOf(':'));
  if (v === '' || v === '-' || v === '0.0.0.0' || v === '::' || /^n\/a$/i.test(v)) return undefined;
  return isAddress(v) ? v : undefined;
}

function isAddress(v: string): boolean {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(v)) return v.split('.').every((o) => Number(o) <= 255);
  return /^[0-9a-f:.]+$/i.test(v) && v.includes(':');
}

export function toInt(raw: string | undefined): number | undefined {
  if (raw === undefined || !/^\d+$/.test(raw.trim())) return undefined;
  return Number(raw.trim());
}

/** Drops keys whose value is undefined, and returns undefined for an object left empty. */
export function pruned<T extends Record<string, unknown>>(o: T): T | undefined {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return Object.keys(out).length > 0 ? (out as T) : undefined;
}
