// Times as devices write them → UTC. Devices log local wall-clock time (Asia/Tokyo by default) and RFC 3164
// lines carry no year; both are resolved here, against the time the record was received.

export interface WallClock {
  year: number;
  month: number; // 1–12
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond?: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

const QUARTER_HOUR = 15 * 60_000;
const offsetCache = new Map<string, number>();

/**
 * Offset of `zone` from UTC at `epochMs`, in milliseconds (Asia/Tokyo: +9 h). Asking Intl is slow, and an
 * offset only ever changes on a quarter-hour boundary, so answers are kept per zone and quarter hour.
 */
function zoneOffsetMs(zone: string, epochMs: number): number {
  const bucket = Math.floor(epochMs / QUARTER_HOUR);
  const key = `${zone}|${bucket}`;
  const cached = offsetCache.get(key);
  if (cached !== undefined) return cached;
  const offset = computeOffsetMs(zone, bucket * QUARTER_HOUR);
  if (offsetCache.size > 50_000) offsetCache.clear();
  offsetCache.set(key, offset);
  return offset;
}

/** The wall clock `zone` shows at `epochMs`: year, month (1-based), day, hour, minute, second. */
export function wallClock(zone: string, epochMs: number): Record<string, number> {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, f);
  }
  const parts: Record<string, number> = {};
  for (const p of f.formatToParts(new Date(epochMs)))
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return parts;
}

function computeOffsetMs(zone: string, epochMs: number): number {
  const parts = wallClock(zone, epochMs);
  const asUtc = Date.UTC(
    parts.year ?? 0,
    (parts.month ?? 1) - 1,
    parts.day ?? 1,
    parts.hour ?? 0,
    parts.minute ?? 0,
    parts.second ?? 0,
  );
  return asUtc - Math.floor(epochMs / 1000) * 1000;
}

/** The instant a wall-clock time in `zone` denotes. */
export function zonedToEpoch(t: WallClock, zone: string): number {
  const naive = Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second, t.millisecond ?? 0);
  if (zone === 'UTC' || zone === 'Etc/UTC') return naive;
  // Two passes settle the offset across a daylight-saving change.
  let epoch = naive - zoneOffsetMs(zone, naive);
  epoch = naive - zoneOffsetMs(zone, epoch);
  return epoch;
}

/**
 * The year of a year-less timestamp: the one that puts it closest before the receive time. A device clock may
 * run a little ahead, so up to a day in the future still counts as this year; a December line read in
 * January belongs to last year.
 */
export function inferYear(t: Omit<WallClock, 'year'>, zone: string, receivedAtMs: number): number {
  const receivedYear = new Date(receivedAtMs + zoneOffsetMs(zone, receivedAtMs)).getUTCFullYear();
  const epoch = zonedToEpoch({ ...t, year: receivedYear }, zone);
  return epoch > receivedAtMs + 24 * 3600_000 ? receivedYear - 1 : receivedYear;
}

export const MONTHS: Record<string, number> = {
  jan: 1,
  feb: 2,
  mar: 3,
  apr: 4,
  may: 5,
  jun: 6,
  jul: 7,
  aug: 8,
  sep: 9,
  oct: 10,
  nov: 11,
  dec: 12,
};

export function toIso(epochMs: number): string {
  return new Date(epochMs).toISOString();
}

/** `Z`, `+09:00`, `+0900`, `-0700` → milliseconds east of UTC; undefined for anything else. */
export function utcOffsetMs(text: string): number | undefined {
  if (text === 'Z') return 0;
  const m = /^([+-])(\d{2}):?(\d{2})$/.exec(text);
  if (!m) return undefined;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) * 60_000;
}

/**
 * The wall clock of a match whose groups 1–6 are year, month, day, hour, minute, second, and group 7 an
 * optional fraction of a second. Each caller keeps its own pattern; this is what they share.
 */
export function wallClockOf(m: RegExpExecArray): WallClock {
  return {
    year: Number(m[1]),
    month: Number(m[2]),
    day: Number(m[3]),
    hour: Number(m[4]),
    minute: Number(m[5]),
    second: Number(m[6]),
    millisecond: m[7] ? Math.floor(Number(`0.${m[7]}`) * 1000) : 0,
  };
}

/** A wall-clock match (see wallClockOf) in `zone` → UTC ISO time. */
export function localMatchToUtc(m: RegExpExecArray, zone: string): string {
  return toIso(zonedToEpoch(wallClockOf(m), zone));
}
