// Delivery of one alert to the notifiers of its route: each notifier not yet marked gets it (the alert id is
// the receiver's idempotency key), with a few attempts and back-off in line; each success is marked in the
// alert table at once, so a restart re-sends only to notifiers without a mark. What still fails is parked:
// the record stays `pending` with its next due time (doubling back-off) and a note goes to rm.alerts.retry;
// the stage's retry loop picks it up when due. A permanent refusal (DeliveryError.permanent) is not
// retried: the alert becomes `failed`, is counted and logged, and stays listed by the API.
import type { Logger } from '../infra/logger.ts';
import type { Counters } from '../infra/metrics.ts';
import type { Alert } from '../model/alert.ts';
import { escalationDue } from './escalation.ts';
import { DeliveryError, type AlertLinks, type Notifier } from './notifiers/notifier.ts';
import type { RetrySettings, Route } from './settings.ts';
import { deliveredTo, type AlertRecord, type AlertTable, type Failure } from './state.ts';

export interface ParkedDelivery {
  id: string;
  route: string;
  escalation: number;
  attempt: number;
  due: string;
  error: string;
  at: string;
}

export interface DeliveryContext {
  table: AlertTable;
  routes: readonly Route[];
  notifiers: ReadonlyMap<string, Notifier>;
  links: (alert: Alert) => AlertLinks;
  retry: RetrySettings;
  now: () => Date;
  /** Waits between in-line attempts; resolves early when the stage stops. */
  pause: (ms: number) => Promise<void>;
  /** Set when the stage stops: no new attempts, what is in flight finishes. */
  stopping: AbortSignal;
  park: (parked: ParkedDelivery) => Promise<void>;
  counters: Counters;
  log: Logger;
}

/** When a delivery parked for the `attempt`-th time is tried again. */
export function parkedBackoffMs(retry: RetrySettings, attempt: number): number {
  return Math.min(retry.parkedMaxMs, retry.parkedInitialMs * 2 ** Math.max(0, attempt - 1));
}

type Outcome =
  | { ok: true }
  | { ok: false; skipped: true }
  | { ok: false; skipped: false; error: string; permanent: boolean };

async function sendWithRetries(
  ctx: DeliveryContext,
  notifier: Notifier | undefined,
  name: string,
  alert: Alert,
): Promise<Outcome> {
  if (!notifier)
    return { ok: false, skipped: false, error: `no notifier named ${name} is configured`, permanent: true };
  // Not tried because the stage stops: the record stays pending as it is, and the next start sends it.
  let last: Outcome = { ok: false, skipped: true };
  for (let attempt = 1; attempt <= ctx.retry.attempts && !ctx.stopping.aborted; attempt++) {
    try {
      await notifier.send(alert, ctx.links(alert));
      return { ok: true };
    } catch (err) {
      const permanent = err instanceof DeliveryError && err.permanent;
      const error = err instanceof Error ? err.message : String(err);
      last = { ok: false, skipped: false, error, permanent };
      ctx.counters.inc('delivery_errors');
      ctx.log.warn(
        { alert: alert.id, notifier: name, attempt, permanent, err: error },
        'alert delivery failed',
      );
      if (permanent) return last;
      if (attempt < ctx.retry.attempts) await ctx.pause(ctx.retry.initialMs * 2 ** (attempt - 1));
    }
  }
  return last;
}

/** Delivers the record's alert to every notifier of its route still without a mark; returns the outcome record. */
export async function deliver(ctx: DeliveryContext, id: string): Promise<AlertRecord | undefined> {
  const start = ctx.table.get(id);
  if (!start || start.status !== 'pending' || start.route === null) return start;
  const route = ctx.routes.find((r) => r.name === start.route);
  const failures: Failure[] = [];
  const names = route?.notifiers ?? [];
  if (!route)
    failures.push({
      notifier: '(route)',
      route: start.route,
      escalation: start.alert.escalation,
      at: ctx.now().toISOString(),
      error: `no route named ${start.route} is configured`,
      permanent: true,
    });

  let skipped = false;
  for (const name of names) {
    const current = ctx.table.get(id);
    if (!current || deliveredTo(current, name)) continue;
    const outcome = await sendWithRetries(ctx, ctx.notifiers.get(name), name, current.alert);
    const at = ctx.now().toISOString();
    if (outcome.ok) {
      await ctx.table.update(id, (r) =>
        r
          ? {
              ...r,
              deliveries: [
                ...r.deliveries,
                { notifier: name, route: start.route ?? '', escalation: r.alert.escalation, at },
              ],
            }
          : undefined,
      );
      ctx.counters.inc('delivered');
    } else if (outcome.skipped) {
      skipped = true;
    } else {
      failures.push({
        notifier: name,
        route: start.route,
        escalation: current.alert.escalation,
        at,
        error: outcome.error,
        permanent: outcome.permanent,
      });
    }
  }

  if (skipped && failures.length === 0) return ctx.table.get(id);
  const now = ctx.now();
  const transient = failures.filter((f) => !f.permanent);
  const permanent = failures.filter((f) => f.permanent);
  if (transient.length > 0) {
    let parked: ParkedDelivery | undefined;
    const record = await ctx.table.update(id, (r) => {
      if (!r) return undefined;
      const attempt = r.attempts + 1;
      const due = new Date(now.getTime() + parkedBackoffMs(ctx.retry, attempt)).toISOString();
      const error = transient.map((f) => `${f.notifier}: ${f.error}`).join('; ');
      parked = {
        id,
        route: r.route ?? '',
        escalation: r.alert.escalation,
        attempt,
        due,
        error,
        at: now.toISOString(),
      };
      return {
        ...r,
        attempts: attempt,
        next_due: due,
        last_error: error,
        failures: [...r.failures, ...failures],
      };
    });
    if (parked) await ctx.park(parked);
    ctx.counters.inc('parked');
    ctx.log.warn({ alert: id, due: parked?.due, error: parked?.error }, 'alert delivery parked');
    return record;
  }
  if (permanent.length > 0) {
    ctx.counters.inc('failed');
    const error = permanent.map((f) => `${f.notifier}: ${f.error}`).join('; ');
    ctx.log.error({ alert: id, error }, 'alert delivery failed for good; parked as failed');
    return ctx.table.update(id, (r) =>
      r
        ? {
            ...r,
            status: 'failed',
            next_due: undefined,
            last_error: error,
            failures: [...r.failures, ...permanent],
          }
        : undefined,
    );
  }
  return ctx.table.update(id, (r) => {
    if (!r || !route) return undefined;
    const escalateAt = escalationDue(r, route, now);
    return {
      ...r,
      status: r.acknowledged ? 'acknowledged' : r.alert.escalation > 0 ? 'escalated' : 'delivered',
      next_due: escalateAt?.toISOString(),
      last_error: undefined,
    };
  });
}
