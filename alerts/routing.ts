// Where an alert goes and when: the first route that matches it (severity, rule, vendor, notice kind, time
// of day and weekday in the configured zone), whether that route's quiet hours hold it, and whether its
// throttle lets it out now. Pure: every decision takes the clock as an argument.
import type { Alert } from '../model/alert.ts';
import { wallClock } from '../processors/normalize/time.ts';
import { WEEKDAYS, type DailySpan, type Route, type RouteMatch, type Weekday } from './settings.ts';

export interface LocalClock {
  weekday: Weekday;
  /** Minutes since local midnight. */
  minutes: number;
}

export function localClock(at: Date, zone: string): LocalClock {
  const p = wallClock(zone, at.getTime());
  const weekday = WEEKDAYS[new Date(Date.UTC(p.year ?? 0, (p.month ?? 1) - 1, p.day ?? 1)).getUTCDay()];
  if (!weekday) throw new Error(`no weekday for ${JSON.stringify(p)}`);
  return { weekday, minutes: (p.hour ?? 0) * 60 + (p.minute ?? 0) };
}

const minutesOf = (clock: string): number => Number(clock.slice(0, 2)) * 60 + Number(clock.slice(3, 5));

/** Whether a time of day falls in the span; `from` after `to` wraps past midnight; `from` = `to` is empty. */
export function inSpan(minutes: number, span: DailySpan): boolean {
  const from = minutesOf(span.from);
  const to = minutesOf(span.to);
  return from <= to ? minutes >= from && minutes < to : minutes >= from || minutes < to;
}

export function routeMatches(match: RouteMatch, alert: Alert, now: Date, zone: string): boolean {
  if (match.severities && !match.severities.includes(alert.severity)) return false;
  if (match.vendors && !(alert.vendor !== undefined && match.vendors.includes(alert.vendor))) return false;
  if (match.rules || match.notices) {
    const taken =
      alert.source === 'finding'
        ? match.rules !== undefined && alert.rule !== undefined && match.rules.includes(alert.rule)
        : match.notices !== undefined && match.notices.some((kind) => kind === alert.state);
    if (!taken) return false;
  }
  if (match.hours || match.days) {
    const clock = localClock(now, zone);
    if (match.hours && !inSpan(clock.minutes, match.hours)) return false;
    if (match.days && !match.days.includes(clock.weekday)) return false;
  }
  return true;
}

/**
 * The first route that takes a new alert, by the time it is routed (people on duty then are who it is for);
 * undefined when none does. Escalation-only routes are left out.
 */
export function chooseRoute(
  routes: readonly Route[],
  alert: Alert,
  now: Date,
  zone: string,
): Route | undefined {
  return routes.find((r) => !r.escalationOnly && routeMatches(r.match, alert, now, zone));
}

/** Alerts the route's quiet hours let through: critical ones, or those of a listed rule. */
export function breaksQuiet(route: Route, alert: Alert): boolean {
  const except = route.quietHours?.except;
  if (!except) return false;
  return (
    except.severities.includes(alert.severity) ||
    (alert.rule !== undefined && except.rules.includes(alert.rule))
  );
}

export function isQuiet(route: Route, now: Date, zone: string): boolean {
  const quiet = route.quietHours;
  if (!quiet) return false;
  const clock = localClock(now, zone);
  return quiet.days.includes(clock.weekday) || inSpan(clock.minutes, quiet);
}

const MINUTE = 60_000;
/** Quiet time never lasts longer than a week of all-quiet days and one night. */
const LONGEST_QUIET_MINUTES = 8 * 24 * 60;

/** When the route's quiet time that holds `now` ends (the first minute that is not quiet); undefined if not quiet. */
export function quietEnds(route: Route, now: Date, zone: string): Date | undefined {
  if (!isQuiet(route, now, zone)) return undefined;
  // Minute steps keep this right across any zone's offsets, and a week of them costs little per alert.
  let t = Math.floor(now.getTime() / MINUTE) * MINUTE;
  for (let i = 0; i < LONGEST_QUIET_MINUTES; i++) {
    t += MINUTE;
    if (!isQuiet(route, new Date(t), zone)) return new Date(t);
  }
  // Every day quiet: nothing would ever go out, which the configuration cannot have meant.
  return new Date(t);
}

/**
 * When the route's throttle lets one more alert out, given when the route let out its recent ones: now if
 * fewer than `max` went out in the last `perMinutes`, else when the oldest of those leaves the window.
 */
export function throttleReleases(route: Route, released: readonly Date[], now: Date): Date {
  const throttle = route.throttle;
  if (!throttle) return now;
  const window = throttle.perMinutes * MINUTE;
  const inWindow = released
    .map((d) => d.getTime())
    .filter((t) => t > now.getTime() - window && t <= now.getTime())
    .sort((a, b) => a - b);
  if (inWindow.length < throttle.max) return now;
  const oldest = inWindow[inWindow.length - throttle.max] ?? now.getTime();
  return new Date(oldest + window);
}

export type Release = { now: true } | { now: false; until: Date; reason: 'quiet_hours' | 'throttle' };

/**
 * Whether an alert the route took goes out now or waits. Critical alerts (the quiet-hours exceptions) are
 * never delayed, neither by quiet hours nor by the throttle. Others wait out quiet hours, then the throttle;
 * `waiting` says how many of the route's alerts that arrived earlier are still held, and none overtakes them.
 */
export function releaseDecision(
  route: Route,
  alert: Alert,
  now: Date,
  zone: string,
  released: readonly Date[],
  waiting: number,
): Release {
  if (breaksQuiet(route, alert)) return { now: true };
  const quietUntil = quietEnds(route, now, zone);
  if (quietUntil) return { now: false, until: quietUntil, reason: 'quiet_hours' };
  const allowed = throttleReleases(route, released, now);
  if (allowed.getTime() > now.getTime()) return { now: false, until: allowed, reason: 'throttle' };
  if (waiting > 0) return { now: false, until: now, reason: 'throttle' };
  return { now: true };
}
