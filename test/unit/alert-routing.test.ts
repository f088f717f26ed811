// Routing rules of the alert stage, with a fixed clock: which route takes an alert (severity, rule, vendor,
// notice kind, time of day in Asia/Tokyo), quiet hours and their critical exception, and the throttle.
import { describe, expect, it } from 'vitest';
import {
  chooseRoute,
  localClock,
  quietEnds,
  releaseDecision,
  throttleReleases,
} from '../../alerts/routing.ts';
import { alert, route, tokyo } from '../support/alerts.ts';

const ZONE = 'Asia/Tokyo';
const daytime = tokyo('2026-11-24 10:00'); // a Tuesday

describe('choosing a route', () => {
  const pager = route({ name: 'pager', escalationOnly: true });
  const critical = route({ name: 'critical', match: { severities: ['critical'] } });
  const routes = [
    critical,
    route({ name: 'transfers', match: { rules: ['file_transfer'] } }),
    route({ name: 'vendor-b', match: { vendors: ['vendor-b'] } }),
    route({ name: 'notices', match: { notices: ['session_start', 'session_end'] } }),
    route({ name: 'night', match: { hours: { from: '18:00', to: '09:00' } } }),
    pager,
    route({ name: 'rest' }),
  ];
  const pick = (a: ReturnType<typeof alert>, at = daytime) => chooseRoute(routes, a, at, ZONE)?.name;

  it('a critical finding goes to the route for critical severities', () => {
    expect(pick(alert({ severity: 'critical' }))).toBe('critical');
  });
  it('a file transfer of high severity goes to the route for that rule', () => {
    expect(pick(alert({ rule: 'file_transfer' }))).toBe('transfers');
  });
  it('a finding about another vendor goes to that vendor route', () => {
    expect(pick(alert({ vendor: 'vendor-b' }))).toBe('vendor-b');
  });
  it('a session notice goes to the notice route, never to a rule route', () => {
    expect(pick(alert({ source: 'notice', state: 'session_start', rule: undefined, severity: 'info' }))).toBe(
      'notices',
    );
  });
  it('outside office hours (Asia/Tokyo) the night route takes what is left, by day the catch-all does', () => {
    expect(pick(alert(), tokyo('2026-11-24 23:15'))).toBe('night');
    expect(pick(alert(), tokyo('2026-11-24 08:59'))).toBe('night');
    expect(pick(alert(), tokyo('2026-11-24 09:00'))).toBe('rest');
  });
  it('an escalation-only route never takes a new alert', () => {
    expect(chooseRoute([pager], alert(), daytime, ZONE)).toBeUndefined();
  });
  it('no route matching means no route', () => {
    expect(chooseRoute([critical], alert(), daytime, ZONE)).toBeUndefined();
  });
  it('days match the weekday in Tokyo, not in UTC', () => {
    // Saturday 08:00 in Tokyo is still Friday in UTC.
    const weekend = route({ name: 'weekend', match: { days: ['sat', 'sun'] } });
    expect(localClock(tokyo('2026-11-28 08:00'), ZONE).weekday).toBe('sat');
    expect(chooseRoute([weekend], alert(), tokyo('2026-11-28 08:00'), ZONE)?.name).toBe('weekend');
    expect(chooseRoute([weekend], alert(), tokyo('2026-11-27 23:59'), ZONE)).toBeUndefined();
  });
});

describe('quiet hours', () => {
  const quiet = route({
    name: 'office',
    quietHours: { from: '22:00', to: '07:00', days: ['sat', 'sun'], except: { rules: ['frozen_vendor'] } },
  });

  it('a high finding at 23:00 is held until 07:00', () => {
    const decision = releaseDecision(quiet, alert(), tokyo('2026-11-24 23:00'), ZONE, [], 0);
    expect(decision).toEqual({ now: false, reason: 'quiet_hours', until: tokyo('2026-11-25 07:00') });
  });
  it('a critical finding at 23:00 goes out at once', () => {
    expect(
      releaseDecision(quiet, alert({ severity: 'critical' }), tokyo('2026-11-24 23:00'), ZONE, [], 0),
    ).toEqual({
      now: true,
    });
  });
  it('a finding of a listed rule goes out at once whatever its severity', () => {
    const frozen = alert({ rule: 'frozen_vendor', severity: 'low' });
    expect(releaseDecision(quiet, frozen, tokyo('2026-11-24 23:00'), ZONE, [], 0).now).toBe(true);
  });
  it('on a quiet weekend an alert waits until Monday 07:00', () => {
    expect(quietEnds(quiet, tokyo('2026-11-28 12:00'), ZONE)).toEqual(tokyo('2026-11-30 07:00'));
  });
  it('outside quiet hours nothing is held', () => {
    expect(quietEnds(quiet, tokyo('2026-11-24 07:00'), ZONE)).toBeUndefined();
    expect(releaseDecision(quiet, alert(), tokyo('2026-11-24 21:59'), ZONE, [], 0)).toEqual({ now: true });
  });
});

describe('throttle', () => {
  const limited = route({ name: 'limited', throttle: { max: 2, perMinutes: 10 } });
  const at = tokyo('2026-11-24 10:00');
  const minutesAgo = (m: number) => new Date(at.getTime() - m * 60_000);

  it('lets alerts out while fewer than max went out in the window', () => {
    expect(throttleReleases(limited, [minutesAgo(3)], at)).toEqual(at);
    expect(throttleReleases(limited, [minutesAgo(11), minutesAgo(10)], at)).toEqual(at);
  });
  it('holds the next one until the oldest in the window leaves it', () => {
    expect(throttleReleases(limited, [minutesAgo(4), minutesAgo(1)], at)).toEqual(minutesAgo(4 - 10));
    expect(releaseDecision(limited, alert(), at, ZONE, [minutesAgo(4), minutesAgo(1)], 0)).toEqual({
      now: false,
      reason: 'throttle',
      until: minutesAgo(-6),
    });
  });
  it('a new alert never overtakes alerts of its route that are still held', () => {
    expect(releaseDecision(limited, alert(), at, ZONE, [], 1)).toMatchObject({
      now: false,
      reason: 'throttle',
    });
  });
  it('critical alerts (quiet-hours exceptions) are not throttled', () => {
    const both = route({
      name: 'both',
      throttle: { max: 1, perMinutes: 10 },
      quietHours: { from: '22:00', to: '07:00' },
    });
    expect(releaseDecision(both, alert({ severity: 'critical' }), at, ZONE, [minutesAgo(1)], 3)).toEqual({
      now: true,
    });
  });
});
