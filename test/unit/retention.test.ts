// Retention keeps records for whole fiscal years (April to March, Japan time) and events for whole months.
import { describe, expect, it } from 'vitest';
import { fiscalYearStart } from '../../model/tokyo-time.ts';
import { monthlyIndexExpired } from '../../processors/index/retention.ts';

describe('retention periods', () => {
  it('keeps five whole fiscal years before the current one', () => {
    // 2026-11-23 is in fiscal 2026; fiscal 2021 began on 2021-04-01 in Japan.
    expect(fiscalYearStart(new Date('2026-11-23T03:00:00Z'), 5).toISOString()).toBe(
      '2021-03-31T15:00:00.000Z',
    );
  });

  it('counts the fiscal year by the Japanese calendar day, not the UTC one', () => {
    // 2026-03-31T15:30Z is already April 1 in Japan: fiscal 2026 has begun.
    expect(fiscalYearStart(new Date('2026-03-31T15:30:00Z'), 0).toISOString()).toBe(
      '2026-03-31T15:00:00.000Z',
    );
    // Half an hour earlier it is still March 31 in Japan: fiscal 2025.
    expect(fiscalYearStart(new Date('2026-03-31T14:30:00Z'), 0).toISOString()).toBe(
      '2025-03-31T15:00:00.000Z',
    );
  });

  it('drops a monthly index only once its month is older than the kept months', () => {
    const now = new Date('2026-11-23T00:00:00Z');
    expect(monthlyIndexExpired('rm-events-2025.10', 'rm-events', now, 13)).toBe(false);
    expect(monthlyIndexExpired('rm-events-2025.09', 'rm-events', now, 13)).toBe(true);
    expect(monthlyIndexExpired('rm-events-2026.11', 'rm-events', now, 0)).toBe(false);
  });

  it('never drops an index that is not one of its monthly indices', () => {
    const now = new Date('2026-11-23T00:00:00Z');
    expect(monthlyIndexExpired('rm-events-2019.01-restored', 'rm-events', now, 13)).toBe(false);
    expect(monthlyIndexExpired('other-rm-events-2019.01', 'rm-events', now, 13)).toBe(false);
  });
});
