// Japan time, the calendar the city lives by: the day a record belongs to, the fiscal year it is kept for,
// and an instant as people here read and write it ("2026-11-24 09:00:00"). Japan keeps no daylight-saving
// time, so Asia/Tokyo is UTC+9 all year and plain arithmetic is exact; wall clocks of any other zone (a
// device's, an alert route's) go through processors/normalize/time.ts.

export const TOKYO_OFFSET_MS = 9 * 3_600_000;

/**
 * The Tokyo wall clock at an instant, as a Date whose UTC fields (getUTCFullYear … getUTCDay) are Tokyo's:
 * for formats that spell the fields out.
 */
export function tokyoFields(instant: number | string): Date {
  return new Date((typeof instant === 'number' ? instant : Date.parse(instant)) + TOKYO_OFFSET_MS);
}

/** `2026-11-24 09:00:00`: the instant on a clock in Tokyo. */
export function tokyoWallClock(instant: number | string): string {
  return tokyoFields(instant).toISOString().slice(0, 19).replace('T', ' ');
}

/** `2026-11-24`: the Tokyo calendar day of an instant. */
export function tokyoDay(instant: number | string): string {
  return tokyoFields(instant).toISOString().slice(0, 10);
}

const WALL_CLOCK = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?$/;

/** The instant (epoch ms) a Tokyo wall-clock time names: `2026-11-24 09:00[:ss]`. */
export function fromTokyoWallClock(text: string): number {
  const m = WALL_CLOCK.exec(text);
  if (!m) throw new Error(`expected a Japan time as YYYY-MM-DD HH:mm[:ss], not ${JSON.stringify(text)}`);
  const [year, month, day, hour, minute, second] = m.slice(1).map((v) => Number(v ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  return Date.UTC(year, month - 1, day, hour, minute, second) - TOKYO_OFFSET_MS;
}

/** The first instant of the fiscal year (April to March, in Tokyo) `yearsBack` years before `now`'s. */
export function fiscalYearStart(now: Date, yearsBack = 0): Date {
  const tokyo = tokyoFields(now.getTime());
  const fiscalYear = tokyo.getUTCMonth() >= 3 ? tokyo.getUTCFullYear() : tokyo.getUTCFullYear() - 1;
  return new Date(Date.UTC(fiscalYear - yearsBack, 3, 1) - TOKYO_OFFSET_MS);
}

/** `2026-11-24 09:00 JST`: a stored time as messages and findings show it to people. */
export function tokyoLabel(instant: number | string): string {
  return `${tokyoWallClock(instant).slice(0, 16)} JST`;
}
