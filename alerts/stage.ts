// The alert stage (`rmwatch run alerts`): findings and session notices become alerts, routed to notifiers.
//   input:  rm.findings and rm.notices (group <namespace>rmwatch.alerts, from the beginning); the alert
//           table rm.alerts, read whole at start (./state.ts)
//   output: notifiers (./notifiers/); rm.alerts: one record per alert id (route, status, per-notifier
//           delivery marks, acknowledgement, next due time); rm.alerts.retry: a note per parked delivery;
//           rm.deadletter: input records that are not a valid finding or notice, with their bytes
//   api:    ./api.ts (list and acknowledge), when `alerts.http` is set
//   config: `alerts` (./settings.ts), `links` (where messages point to)
// Per record: the finding (or notice) becomes an Alert (./alerts.ts); the same state as the last one alerted
// for that finding alerts nothing. A new alert goes to the first matching route (./routing.ts), is
// written to the table as pending (or held by quiet hours or the throttle), and delivered (./delivery.ts);
// the input offset is committed only after that, or after the delivery was parked. A loop then releases
// held alerts when their time comes (in arrival order), retries parked deliveries when due, and escalates
// unacknowledged ones (./escalation.ts).
// One instance: rm.alerts and rm.alerts.retry have one partition and the table is this process's memory;
// alert volumes need no more. Stopping lets deliveries in flight finish and mark, so a restart neither
// loses nor repeats them; after a crash the alert id (Idempotency-Key) lets receivers drop a repeat.
import type { ResolvedConfig } from '../infra/config.ts';
import type { Consumption, IncomingRecord, MessageBus, OutgoingRecord } from '../infra/kafka.ts';
import type { Logger } from '../infra/logger.ts';
import { Counters } from '../infra/metrics.ts';
import { TOPICS, topicName } from '../infra/topics.ts';
import type { Alert } from '../model/alert.ts';
import { Finding } from '../model/finding.ts';
import { Notice } from '../model/notice.ts';
import { deadLetterRecord } from '../processors/dead-letter.ts';
import { alertLinks, alertOfFinding, alertOfNotice } from './alerts.ts';
import { startAlertApi, type AlertApi } from './api.ts';
import { deliver, type DeliveryContext, type ParkedDelivery } from './delivery.ts';
import { escalate, shouldEscalate } from './escalation.ts';
import { createNotifiers, type Notifier } from './notifiers/index.ts';
import { chooseRoute, releaseDecision } from './routing.ts';
import type { Route } from './settings.ts';
import { isSettled, openAlertTable, type AlertRecord, type AlertTable } from './state.ts';

export interface AlertStage {
  counters: Counters;
  table: AlertTable;
  /** The alert API's URL, when it is on. */
  apiUrl?: string;
  /** Runs the loop once now (held, parked, escalations); tests use it after moving their clock. */
  tick(): Promise<void>;
  stop(): Promise<void>;
}

export interface AlertStageOptions {
  /** The clock every decision uses (quiet hours, throttle, retries, escalation). */
  now?: () => Date;
  /** Instead of those built from `alerts.notifiers`. */
  notifiers?: Map<string, Notifier>;
}

type Config = Pick<ResolvedConfig, 'namespace' | 'alerts' | 'links'>;

export async function startAlertStage(
  config: Config,
  bus: MessageBus,
  log: Logger,
  options: AlertStageOptions = {},
): Promise<AlertStage> {
  const settings = config.alerts;
  const now = options.now ?? (() => new Date());
  const zone = settings.timezone;
  const routes: readonly Route[] = settings.routes;
  const counters = new Counters('alerts', [
    'records',
    'alerts',
    'duplicates',
    'dead_letters',
    'unrouted',
    'held',
    'released',
    'escalated',
    'stale',
    'forgotten',
  ]);
  const topics = {
    findings: topicName(config, TOPICS.findings),
    notices: topicName(config, TOPICS.notices),
    alerts: topicName(config, TOPICS.alerts),
    retries: topicName(config, TOPICS.alertRetries),
    deadLetter: topicName(config, TOPICS.deadLetter),
  };
  const stopping = new AbortController();
  const notifiers = options.notifiers ?? createNotifiers(settings.notifiers, log);
  const table = await openAlertTable(bus, topics.alerts, log, now);

  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      if (stopping.signal.aborted) return resolve();
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        stopping.signal.removeEventListener('abort', done);
        resolve();
      }
      stopping.signal.addEventListener('abort', done, { once: true });
    });

  const delivery: DeliveryContext = {
    table,
    routes,
    notifiers,
    links: (alert: Alert) => alertLinks(config, alert.session_id),
    retry: settings.retry,
    now,
    pause,
    stopping: stopping.signal,
    park: (parked: ParkedDelivery) =>
      bus.produce(topics.retries, [{ key: parked.id, value: JSON.stringify(parked) }]),
    counters,
    log,
  };

  // One delivery per alert at a time: the loop and the input handler may both find it pending.
  const inFlight = new Map<string, Promise<unknown>>();
  const deliverOnce = (id: string): Promise<unknown> => {
    const running = inFlight.get(id);
    if (running) return running;
    const run = deliver(delivery, id).finally(() => inFlight.delete(id));
    inFlight.set(id, run);
    return run;
  };

  const isDue = (r: AlertRecord, at: Date) =>
    r.next_due === undefined || Date.parse(r.next_due) <= at.getTime();
  const releasedOn = (route: string): Date[] =>
    [...table.rows.values()]
      .filter((r) => r.route === route && r.alert.escalation === 0 && r.released_at !== undefined)
      .map((r) => new Date(r.released_at ?? 0));
  const heldOn = (route: string): AlertRecord[] =>
    [...table.rows.values()]
      .filter((r) => r.route === route && r.status === 'held')
      .sort((a, b) => a.seq - b.seq);

  /** The alerts raised for one finding or notice so far, oldest first. */
  const alertsOf = (sourceId: string): AlertRecord[] =>
    [...table.rows.values()].filter((r) => r.alert.source_id === sourceId).sort((a, b) => a.seq - b.seq);

  /** A new alert into the table: routed, and pending or held. */
  const admit = (alert: Alert) =>
    table.update(alert.id, (current) => {
      if (current) return undefined;
      const at = now();
      const base = {
        alert,
        seq: table.nextSeq(),
        version: 0,
        created_at: at.toISOString(),
        updated_at: at.toISOString(),
        attempts: 0,
        deliveries: [],
        failures: [],
      };
      if (
        settings.maxAgeHours !== null &&
        at.getTime() - Date.parse(alert.at) > settings.maxAgeHours * 3_600_000
      ) {
        counters.inc('stale');
        log.info(
          { alert: alert.id, at: alert.at },
          'older than alerts.maxAgeHours; recorded as stale, not sent',
        );
        return { ...base, route: null, status: 'stale' };
      }
      const route = chooseRoute(routes, alert, at, zone);
      if (!route) {
        counters.inc('unrouted');
        log.info({ alert: alert.id }, 'no route takes this alert; recorded as unrouted');
        return { ...base, route: null, status: 'unrouted' };
      }
      const decision = releaseDecision(
        route,
        alert,
        at,
        zone,
        releasedOn(route.name),
        heldOn(route.name).length,
      );
      if (decision.now)
        return { ...base, route: route.name, status: 'pending', released_at: at.toISOString() };
      counters.inc('held');
      return {
        ...base,
        route: route.name,
        status: 'held',
        held: decision.reason,
        next_due: decision.until.toISOString(),
      };
    });

  const decode = (record: IncomingRecord): Alert => {
    const json: unknown = JSON.parse((record.value ?? Buffer.alloc(0)).toString('utf8'));
    if (record.topic === topics.findings) return alertOfFinding(Finding.parse(json));
    return alertOfNotice(Notice.parse(json));
  };

  const handle = async (records: readonly IncomingRecord[]) => {
    const letters: OutgoingRecord[] = [];
    const toDeliver: string[] = [];
    for (const record of records) {
      counters.inc('records');
      let alert: Alert;
      try {
        alert = decode(record);
      } catch (err) {
        counters.inc('dead_letters');
        const reason = err instanceof Error ? err.message.split('\n').slice(0, 6).join(' ') : String(err);
        log.warn(
          { topic: record.topic, offset: record.offset, err: reason },
          'not a valid finding or notice',
        );
        letters.push(deadLetterRecord('alerts', record, `not a valid finding or notice: ${reason}`));
        continue;
      }
      // A change of state is measured against the last state alerted for the same finding, so a finding
      // withdrawn and then active again alerts again (under an id of its own), and a repeat alerts nothing.
      const earlier = alertsOf(alert.source_id);
      const known = earlier.at(-1);
      if (known && known.alert.state === alert.state) {
        counters.inc('duplicates');
        // Written before a stop or crash but not delivered: it goes out now, before this offset is committed.
        if (known.status === 'pending' && isDue(known, now())) toDeliver.push(known.alert.id);
        continue;
      }
      if (earlier.some((r) => r.alert.id === alert.id))
        alert = { ...alert, id: `${alert.id}:${earlier.length + 1}` };
      const created = await admit(alert);
      counters.inc('alerts');
      if (created?.status === 'pending') toDeliver.push(alert.id);
    }
    await bus.produce(topics.deadLetter, letters);
    await Promise.all(toDeliver.map(deliverOnce));
  };

  /** Held alerts whose time came, parked deliveries due again, escalations due. */
  const tick = async () => {
    const at = now();
    const work: Promise<unknown>[] = [];
    for (const record of [...table.rows.values()]) {
      if (inFlight.has(record.alert.id)) continue;
      if (record.status === 'pending' && isDue(record, at)) work.push(deliverOnce(record.alert.id));
      else if (shouldEscalate(record, at)) {
        const escalated = await table.update(record.alert.id, (r) =>
          r && shouldEscalate(r, at) ? (escalate(r, routes, at) ?? { ...r, next_due: undefined }) : undefined,
        );
        if (escalated?.status === 'pending') {
          counters.inc('escalated');
          log.warn(
            { alert: escalated.alert.id, route: escalated.route, level: escalated.alert.escalation },
            'alert not acknowledged in time; escalated',
          );
          work.push(deliverOnce(escalated.alert.id));
        }
      }
    }
    for (const route of routes) {
      const held = heldOn(route.name);
      if (!held.some((r) => isDue(r, at))) continue;
      let waiting = 0;
      for (const record of held) {
        const decision = releaseDecision(route, record.alert, at, zone, releasedOn(route.name), waiting);
        if (decision.now) {
          await table.update(record.alert.id, (r) =>
            r?.status === 'held'
              ? {
                  ...r,
                  status: 'pending',
                  held: undefined,
                  next_due: undefined,
                  released_at: at.toISOString(),
                }
              : undefined,
          );
          counters.inc('released');
          work.push(deliverOnce(record.alert.id));
          continue;
        }
        waiting++;
        const until = decision.until.toISOString();
        if (record.next_due !== until || record.held !== decision.reason)
          await table.update(record.alert.id, (r) =>
            r?.status === 'held' ? { ...r, next_due: until, held: decision.reason } : undefined,
          );
      }
    }
    await Promise.all(work);
    await forgetSettled(at);
  };

  /** Settled alerts past `keepSettledDays` leave the table: it is the stage's memory, and read whole at start. */
  const forgetSettled = async (at: Date) => {
    if (settings.keepSettledDays === null) return;
    const before = at.getTime() - settings.keepSettledDays * 86_400_000;
    const old = (r: AlertRecord) => isSettled(r) && Date.parse(r.updated_at) < before;
    for (const record of [...table.rows.values()]) {
      if (!old(record) || inFlight.has(record.alert.id)) continue;
      if (await table.forget(record.alert.id, old)) counters.inc('forgotten');
    }
  };

  // Start the API and the loop only once the table is whole: both answer from it.
  let api: AlertApi | undefined;
  if (settings.http) api = await startAlertApi(settings, table, now, log);

  let ticking: Promise<void> = Promise.resolve();
  const runTick = () => {
    ticking = ticking.then(tick).catch((err: unknown) => {
      log.warn({ err: String(err) }, 'alert loop failed; trying again');
    });
    return ticking;
  };
  const timer = setInterval(() => {
    if (!stopping.signal.aborted) void runTick();
  }, settings.retry.checkEveryMs);

  let consumption: Consumption;
  try {
    consumption = await bus.consume({
      groupId: `${config.namespace}rmwatch.alerts`,
      topics: [topics.findings, topics.notices],
      fromBeginning: true,
      handler: (batch) => handle(batch.records),
    });
  } catch (err) {
    clearInterval(timer);
    await api?.close();
    await table.stop();
    throw err;
  }
  log.info({ routes: routes.map((r) => r.name), notifiers: [...notifiers.keys()] }, 'alert stage running');

  return {
    counters,
    table,
    apiUrl: api?.url,
    tick: runTick,
    async stop() {
      stopping.abort();
      clearInterval(timer);
      // Deliveries in flight finish and write their marks: a restart then sends only what is left.
      await ticking;
      await Promise.allSettled([...inFlight.values()]);
      // Each Kafka consumer's stop waits out its fetch in flight (up to 5 s); one after the other, they took
      // most of the stage's 12 s stop deadline. The table only reads, so it may stop beside the consumer.
      await Promise.all([consumption.stop(), table.stop()]);
      await api?.close();
      if (!options.notifiers) await Promise.allSettled([...notifiers.values()].map((n) => n.close()));
    },
  };
}
