// Times as people write them in the ledger → UTC instants.
//   input:  `YYYY-MM-DD HH:mm[:ss]`, `YYYY/M/D H:mm[:ss]` (Excel's Japanese locale), or ISO 8601 with or
//           without a zone (`2026-11-24T09:00+09:00`, `…Z`); a time without a zone is wall-clock time in `zone`
//   output: `2026-11-24T00:00:00.000Z`, or the reason the text is not such a time
import { utcOffsetMs, wallClock, zonedToEpoch } from '../../processors/normalize/time.ts';

export type TimeResult = { ok: true; value: string } | { ok: false; reason: string };

const PATTERN =
  /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:T|\s+)(\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?\s*(Z|[+-]\d{2}:?\d{2})?$/i;

export const TIME_FORMATS = 'YYYY-MM-DD HH:mm, YYYY/MM/DD H:mm or ISO 8601';

/** The wall clock `zone` shows at `epochMs`, as `YYYY-M-D H:m:s` for comparing. */
function wallClockAt(epochMs: number, zone: string): string {
  const p = wallClock(zone, epochMs);
  return `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute}:${p.second}`;
}

export function parseLedgerTime(text: string, zone: string): TimeResult {
  const m = PATTERN.exec(text.trim());
  const bad = (why: string): TimeResult => ({ ok: false, reason: `${JSON.stringify(text)} ${why}` });
  if (!m) return bad(`is not a date and time (expected ${TIME_FORMATS})`);
  const [year, month, day, hour, minute, second] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const millisecond = m[7] ? Math.floor(Number(`0.${m[7]}`) * 1000) : 0;
  const naive = Date.UTC(year, month - 1, day, hour, minute, second, millisecond);
  const check = new Date(naive);
  // Date.UTC rolls 2026-02-30 over to March; a date that does not survive the round trip does not exist.
  if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day || month < 1 || month > 12)
    return bad('is not a calendar date');
  if (hour > 23 || minute > 59 || second > 59) return bad('is not a time of day');
  if (m[8]) {
    const offset = utcOffsetMs(m[8].toUpperCase());
    if (offset === undefined) return bad('has an unreadable zone offset');
    return { ok: true, value: new Date(naive - offset).toISOString() };
  }
  const epoch = zonedToEpoch({ year, month, day, hour, minute, second, millisecond }, zone);
  // Clocks set forward skip an hour: a time inside it names no instant, and guessing one would move a window.
  if (wallClockAt(epoch, zone) !== `${year}-${month}-${day} ${hour}:${minute}:${second}`)
    return bad(`does not exist in ${zone} (the clocks skip it)`);
  return { ok: true, value: new Date(epoch).toISOString() };
}
