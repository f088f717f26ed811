// Escalation and acknowledgement: a delivered alert of an escalating severity that nobody acknowledged
// within the route's `afterMinutes` goes to the escalation route (escalation level + 1, which may escalate
// again); an acknowledgement stops that. Pure: times come in as arguments.
import type { Route } from './settings.ts';
import type { AlertRecord } from './state.ts';

const MINUTE = 60_000;

/** When the record, just delivered on `route` at `deliveredAt`, escalates; undefined if it does not. */
export function escalationDue(record: AlertRecord, route: Route, deliveredAt: Date): Date | undefined {
  const escalation = route.escalation;
  if (!escalation || record.acknowledged) return undefined;
  if (!escalation.severities.includes(record.alert.severity)) return undefined;
  return new Date(deliveredAt.getTime() + escalation.afterMinutes * MINUTE);
}

/** Whether the record waits for an escalation that is due by `now`. */
export function shouldEscalate(record: AlertRecord, now: Date): boolean {
  return (
    (record.status === 'delivered' || record.status === 'escalated') &&
    !record.acknowledged &&
    record.next_due !== undefined &&
    Date.parse(record.next_due) <= now.getTime()
  );
}

/**
 * The record handed to the escalation route: pending there at the next level, sent at once (no quiet hours,
 * no throttle: an unanswered critical alert is what they are for). Undefined when the route has no
 * escalation or the chain of escalations has gone through every route (a loop in the configuration).
 */
export function escalate(record: AlertRecord, routes: readonly Route[], now: Date): AlertRecord | undefined {
  const current = routes.find((r) => r.name === record.route);
  const target = routes.find((r) => r.name === current?.escalation?.route);
  if (!target || record.alert.escalation >= routes.length) return undefined;
  return {
    ...record,
    alert: { ...record.alert, escalation: record.alert.escalation + 1 },
    route: target.name,
    status: 'pending',
    held: undefined,
    released_at: now.toISOString(),
    next_due: undefined,
    attempts: 0,
    last_error: undefined,
  };
}

/**
 * Someone on call has seen the alert: no escalation any more. A delivered alert becomes `acknowledged`; one
 * still on its way (pending, held, failed) keeps going and becomes `acknowledged` once delivered.
 */
export function acknowledge(record: AlertRecord, by: string, at: Date, note?: string): AlertRecord {
  const done = record.status === 'delivered' || record.status === 'escalated';
  return {
    ...record,
    acknowledged: { by, at: at.toISOString(), ...(note ? { note } : {}) },
    status: done ? 'acknowledged' : record.status,
    next_due: done ? undefined : record.next_due,
  };
}
