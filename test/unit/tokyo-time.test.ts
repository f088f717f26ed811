// Japan time, as the city reads its records: the day and fiscal year an instant belongs to, and its clock.
import { describe, expect, it } from 'vitest';
import {
  fiscalYearStart,
  fromTokyoWallClock,
  tokyoDay,
  tokyoFields,
  tokyoWallClock,
} from '../../model/tokyo-time.ts';

describe('Japan time', () => {
  it('a Tokyo day begins at 15:00 UTC the day before', () => {
    expect(tokyoDay('2026-11-23T14:59:59.999Z')).toBe('2026-11-23');
    expect(tokyoDay('2026-11-23T15:00:00.000Z')).toBe('2026-11-24');
    expect(tokyoDay(Date.parse('2026-12-31T15:30:00Z'))).toBe('2027-01-01');
  });

  it('shows an instant as a clock in Tokyo shows it, and reads that back to the same instant', () => {
    expect(tokyoWallClock('2026-11-24T00:00:00.000Z')).toBe('2026-11-24 09:00:00');
    expect(fromTokyoWallClock('2026-11-24 09:00')).toBe(Date.parse('2026-11-24T00:00:00Z'));
    expect(fromTokyoWallClock('2026-11-24 00:30:15')).toBe(Date.parse('2026-11-23T15:30:15Z'));
    const ms = Date.parse('2027-03-31T23:59:59Z');
    expect(fromTokyoWallClock(tokyoWallClock(ms))).toBe(ms);
    expect(tokyoFields(ms).getUTCDay()).toBe(4); // 2027-04-01 is a Thursday in Japan
  });

  it('refuses what is not a Japan wall-clock time rather than guess', () => {
    expect(() => fromTokyoWallClock('2026-11-24T09:00+09:00')).toThrow(/YYYY-MM-DD HH:mm/);
    expect(() => fromTokyoWallClock('24/11/2026 09:00')).toThrow(/YYYY-MM-DD HH:mm/);
  });

  it('a fiscal year runs April to March by the Japanese calendar day', () => {
    expect(fiscalYearStart(new Date('2026-11-23T03:00:00Z')).toISOString()).toBe('2026-03-31T15:00:00.000Z');
    expect(fiscalYearStart(new Date('2026-03-31T14:59:59Z')).toISOString()).toBe('2025-03-31T15:00:00.000Z');
  });
});
