// The report's calendar: a month is an Asia/Tokyo calendar month; instants are stored in UTC and shown in
// Japan time as `YYYY-MM-DD HH:mm`.
import { fromTokyoWallClock, tokyoWallClock } from '../../../model/tokyo-time.ts';

/** Bad input to the report (a month or time that is not one): the caller shows the message as it is. */
export class MonthlyReportInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MonthlyReportInputError';
  }
}

export interface MonthPeriod {
  /** First instant of the month (inclusive), UTC ISO. */
  start: string;
  /** First instant of the next month (exclusive), UTC ISO. */
  end: string;
}

/** The UTC instants an Asia/Tokyo calendar month `YYYY-MM` spans. */
export function monthPeriod(month: string): MonthPeriod {
  const m = /^(\d{4})-(\d{2})$/.exec(month);
  const year = Number(m?.[1]);
  const number = Number(m?.[2]);
  if (!m || number < 1 || number > 12)
    throw new MonthlyReportInputError(
      `${JSON.stringify(month)} is not a month (expected YYYY-MM, e.g. 2026-11)`,
    );
  const at = (y: number, mo: number) =>
    new Date(fromTokyoWallClock(`${y}-${String(mo).padStart(2, '0')}-01 00:00`)).toISOString();
  return {
    start: at(year, number),
    end: number === 12 ? at(year + 1, 1) : at(year, number + 1),
  };
}

/** A UTC instant as the epoch, or a clear error naming what it was meant to be. */
export function instant(iso: string, what: string): number {
  const ms = /^\d{4}-\d{2}-\d{2}T/.test(iso) ? Date.parse(iso) : Number.NaN;
  if (Number.isNaN(ms))
    throw new MonthlyReportInputError(`${what} ${JSON.stringify(iso)} is not a date and time (ISO 8601)`);
  return ms;
}

/** `2026-11-24 09:00`, Japan time. */
export function tokyoDateTime(epochMs: number): string {
  return tokyoWallClock(epochMs).slice(0, 16);
}
