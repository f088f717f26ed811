// Configuration of the alert stage (`alerts`): notifiers, routes (what goes where, throttling, quiet hours,
// escalation), retry back-off, and the acknowledgement API.
import { z } from 'zod';
import { bearerTokens, httpListen } from '../infra/bearer.ts';
import { RuleId, Severity } from '../model/finding.ts';
import { TimeZone } from '../model/common.ts';
import { NotifierSettings } from './notifiers/settings.ts';

export const ALERT_ROLES = ['viewer', 'oncall'] as const;
export type AlertRole = (typeof ALERT_ROLES)[number];

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

const AlertSeverity = z.union([Severity, z.literal('info')]);
const ClockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected HH:mm (24-hour clock)');

/** A span of the day in the stage's time zone; `from` after `to` wraps past midnight (22:00–07:00). */
export const DailySpan = z.object({ from: ClockTime, to: ClockTime }).strict();
export type DailySpan = z.infer<typeof DailySpan>;

/** Every condition given must hold; an empty match takes every alert. */
export const RouteMatch = z
  .object({
    severities: z.array(AlertSeverity).min(1).optional(),
    rules: z.array(RuleId).min(1).optional(),
    vendors: z.array(z.string().min(1)).min(1).optional(),
    /** Notice kinds; a route with `notices` and no `rules` takes no findings, and the other way round. */
    notices: z
      .array(z.enum(['session_start', 'session_end']))
      .min(1)
      .optional(),
    /** Time of day the alert is raised, in `alerts.timezone`. */
    hours: DailySpan.optional(),
    days: z.array(z.enum(WEEKDAYS)).min(1).optional(),
  })
  .strict();
export type RouteMatch = z.infer<typeof RouteMatch>;

export const Route = z
  .object({
    name: z.string().min(1),
    match: RouteMatch.default({}),
    /** Only for escalations: never chosen for a new alert. */
    escalationOnly: z.boolean().default(false),
    /** Notifier names (`alerts.notifiers[].name`). */
    notifiers: z.array(z.string().min(1)).min(1),
    /** At most `max` alerts per `perMinutes`; the rest are held and sent in order as the window allows. */
    throttle: z
      .object({ max: z.number().int().positive(), perMinutes: z.number().positive() })
      .strict()
      .optional(),
    /**
     * Alerts raised between `from` and `to` (and all day on `days`) are held until the quiet time ends,
     * except those of the listed severities or rules, which go out at once.
     */
    quietHours: DailySpan.extend({
      days: z.array(z.enum(WEEKDAYS)).default([]),
      except: z
        .object({
          severities: z.array(AlertSeverity).default(['critical']),
          rules: z.array(RuleId).default([]),
        })
        .strict()
        .default({ severities: ['critical'], rules: [] }),
    })
      .strict()
      .optional(),
    /** An alert of these severities not acknowledged within `afterMinutes` of delivery goes to `route`. */
    escalation: z
      .object({
        afterMinutes: z.number().positive(),
        severities: z.array(AlertSeverity).min(1).default(['critical']),
        route: z.string().min(1),
      })
      .strict()
      .optional(),
  })
  .strict();
export type Route = z.infer<typeof Route>;

export const RetrySettings = z
  .object({
    /** Attempts per notifier before the delivery is parked. */
    attempts: z.number().int().positive().default(3),
    /** Back-off between those attempts: doubles from `initialMs`. */
    initialMs: z.number().int().nonnegative().default(500),
    /** A parked delivery is tried again after `parkedInitialMs`, doubling up to `parkedMaxMs`. */
    parkedInitialMs: z.number().int().positive().default(60_000),
    parkedMaxMs: z.number().int().positive().default(3_600_000),
    /** How often held, parked and escalating alerts are looked at. */
    checkEveryMs: z.number().int().positive().default(1000),
  })
  .strict();
export type RetrySettings = z.infer<typeof RetrySettings>;

export const AlertSettings = z
  .object({
    notifiers: z.array(NotifierSettings).default([]),
    /** In order; the first route that matches an alert takes it. */
    routes: z.array(Route).default([]),
    /** Zone of route times (time of day, quiet hours) and of times shown to people. */
    timezone: TimeZone.default('Asia/Tokyo'),
    retry: RetrySettings.default(() => RetrySettings.parse({})),
    /**
     * Findings and notices older than this when the stage first reads them are recorded as `stale` and not
     * sent: a first start (or a new namespace) reads the topics from their beginning, and on-call staff
     * should not be paged for last month. `null` sends whatever the age.
     */
    maxAgeHours: z.number().positive().nullable().default(24),
    /**
     * A settled alert (nothing left to send, hold, retry or escalate) leaves the alert table and the API this
     * long after its last change, so that the table, and the stage's memory, stay bounded; the finding stays
     * in Elasticsearch. It must outlast `maxAgeHours`: a finding read again (a replay) after its alert left
     * is then recorded as stale rather than paged twice; with `maxAgeHours: null` nothing stops that. `null`
     * keeps every alert.
     */
    keepSettledDays: z.number().positive().nullable().default(90),
    /** The alert API (list, acknowledge); `null` (the default) turns it off. */
    http: httpListen(8091),
    /** `viewer` may list alerts, `oncall` may also acknowledge them. */
    tokens: bearerTokens(z.enum(ALERT_ROLES)),
  })
  .strict()
  .superRefine((s, ctx) => {
    const notifiers = new Set(s.notifiers.map((n) => n.name));
    const routes = new Set(s.routes.map((r) => r.name));
    if (notifiers.size !== s.notifiers.length)
      ctx.addIssue({ code: 'custom', path: ['notifiers'], message: 'two notifiers have the same name' });
    if (routes.size !== s.routes.length)
      ctx.addIssue({ code: 'custom', path: ['routes'], message: 'two routes have the same name' });
    s.routes.forEach((route, i) => {
      route.notifiers.forEach((name, j) => {
        if (!notifiers.has(name))
          ctx.addIssue({
            code: 'custom',
            path: ['routes', i, 'notifiers', j],
            message: `no notifier named ${name} (alerts.notifiers)`,
          });
      });
      if (route.escalation && !routes.has(route.escalation.route))
        ctx.addIssue({
          code: 'custom',
          path: ['routes', i, 'escalation', 'route'],
          message: `no route named ${route.escalation.route}`,
        });
      if (route.escalation?.route === route.name)
        ctx.addIssue({
          code: 'custom',
          path: ['routes', i, 'escalation', 'route'],
          message: 'a route cannot escalate to itself',
        });
    });
    if (s.keepSettledDays !== null && s.maxAgeHours !== null && s.maxAgeHours >= s.keepSettledDays * 24)
      ctx.addIssue({
        code: 'custom',
        path: ['keepSettledDays'],
        message:
          'must be longer than maxAgeHours, or a finding read again after its alert left the table pages again',
      });
    if (s.http !== null && s.tokens.length === 0)
      ctx.addIssue({
        code: 'custom',
        path: ['tokens'],
        message: 'the alert API needs at least one token (alerts.tokens)',
      });
  });
export type AlertSettings = z.infer<typeof AlertSettings>;
