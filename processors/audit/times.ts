// Times as auditors type them in filters → UTC instants; UTC instants → Asia/Tokyo for people to read.
//   input:  `YYYY-MM-DD` (a whole day in Asia/Tokyo), `YYYY-MM-DD HH:mm[:ss]`, or ISO 8601 with or without
//           a zone; a time without a zone is Tokyo wall-clock time
//   output: `2026-11-24T00:00:00.000Z`, or the reason the text is not such a time
// A bare date as the upper bound means the end of that day, so `from=2026-11-01&to=2026-11-30` is all of
// November as a person reading a calendar means it.
import { parseLedgerTime, type TimeResult } from '../../collectors/ledger/times.ts';
import { tokyoWallClock } from '../../model/tokyo-time.ts';
import { zonedToEpoch } from '../normalize/time.ts';

export const DISPLAY_ZONE = 'Asia/Tokyo';

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;

export function parseBound(text: string, bound: 'from' | 'to', zone = DISPLAY_ZONE): TimeResult {
  const m = DATE_ONLY.exec(text.trim());
  if (!m) return parseLedgerTime(text, zone);
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const check = new Date(Date.UTC(year, month - 1, day));
  if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day)
    return { ok: false, reason: `${JSON.stringify(text)} is not a calendar date` };
  // The day after, for an upper bound: Date.UTC rolls the 32nd over into the next month.
  const next = new Date(Date.UTC(year, month - 1, day + (bound === 'to' ? 1 : 0)));
  const epoch = zonedToEpoch(
    {
      year: next.getUTCFullYear(),
      month: next.getUTCMonth() + 1,
      day: next.getUTCDate(),
      hour: 0,
      minute: 0,
      second: 0,
    },
    zone,
  );
  return { ok: true, value: new Date(epoch).toISOString() };
}

/** `2026-11-24 09:00:00` as the clock in Tokyo shows the instant; empty for no instant. */
export function displayTime(utc: string | undefined): string {
  if (utc === undefined || utc === '') return '';
  const epoch = Date.parse(utc);
  return Number.isNaN(epoch) ? utc : tokyoWallClock(epoch);
}
