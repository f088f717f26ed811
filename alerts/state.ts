// The alert table: one record per alert id on the compacted topic rm.alerts (its route, status, deliveries
// per notifier, acknowledgement, next due time). It is the stage's memory: rebuilt from the topic at start,
// so a restart knows what was delivered, to whom, and what is still held, parked or waiting to escalate.
//   input:  rm.alerts from its beginning (bus.followTable), then the stage's own writes
//   output: rm.alerts (key: alert id); every change is written, and acknowledged by Kafka, before the
//           stage goes on (before it commits an input offset, before the next notifier is tried)
// Records carry a version: an echo of an older write read back from the topic never undoes a newer one.
import { z } from 'zod';
import type { MessageBus } from '../infra/kafka.ts';
import type { Logger } from '../infra/logger.ts';
import { Alert } from '../model/alert.ts';
import { NonEmptyText, UtcTimestamp } from '../model/common.ts';

export const ALERT_STATUSES = [
  'pending',
  'held',
  'delivered',
  'acknowledged',
  'escalated',
  'failed',
  'unrouted',
  'stale',
] as const;
export type AlertStatus = (typeof ALERT_STATUSES)[number];

/** Statuses that still want someone's attention (`GET /alerts?state=open`). */
export const OPEN_STATUSES: readonly AlertStatus[] = ['pending', 'held', 'delivered', 'escalated', 'failed'];

const Delivery = z.object({
  notifier: NonEmptyText,
  route: NonEmptyText,
  escalation: z.number().int().nonnegative(),
  at: UtcTimestamp,
});
export type Delivery = z.infer<typeof Delivery>;

const Failure = Delivery.extend({ error: z.string(), permanent: z.boolean() });
export type Failure = z.infer<typeof Failure>;

export const AlertRecord = z.object({
  alert: Alert,
  /** The route delivering it now (the escalation route once escalated); null when no route took it. */
  route: z.string().nullable(),
  status: z.enum(ALERT_STATUSES),
  /** Why a held alert waits. */
  held: z.enum(['quiet_hours', 'throttle']).optional(),
  /** Arrival order, for releasing held alerts in order. */
  seq: z.number().int().nonnegative(),
  version: z.number().int().nonnegative(),
  created_at: UtcTimestamp,
  updated_at: UtcTimestamp,
  /** When its route let it out (what the route's throttle counts). */
  released_at: UtcTimestamp.optional(),
  /** When the stage looks at it again: a held alert's release, a parked delivery's retry, an escalation. */
  next_due: UtcTimestamp.optional(),
  /** Parked retries so far at this escalation level (sets the back-off). */
  attempts: z.number().int().nonnegative().default(0),
  last_error: z.string().optional(),
  /** One mark per notifier that accepted the alert; a restart sends only to notifiers not marked. */
  deliveries: z.array(Delivery).default([]),
  failures: z.array(Failure).default([]),
  acknowledged: z
    .object({ by: NonEmptyText, at: UtcTimestamp, note: z.string().optional() })
    .strict()
    .optional(),
});
export type AlertRecord = z.infer<typeof AlertRecord>;

export function decodeAlertRecord(value: Buffer): AlertRecord {
  return AlertRecord.parse(JSON.parse(value.toString('utf8')));
}

/** Whether the notifier has the alert at the record's current route and escalation level. */
export function deliveredTo(record: AlertRecord, notifier: string): boolean {
  return record.deliveries.some(
    (d) => d.notifier === notifier && d.route === record.route && d.escalation === record.alert.escalation,
  );
}

export interface AlertTable {
  readonly rows: ReadonlyMap<string, AlertRecord>;
  get(id: string): AlertRecord | undefined;
  /** The next arrival number. */
  nextSeq(): number;
  /**
   * Changes one record: `change` gets the latest version (undefined if none) and returns the next one, or
   * undefined to leave it. Changes to one id run one at a time, each on what the previous one wrote, and
   * the promise settles once Kafka has the new record.
   */
  update(
    id: string,
    change: (current: AlertRecord | undefined) => AlertRecord | undefined,
  ): Promise<AlertRecord | undefined>;
  stop(): Promise<void>;
}

export async function openAlertTable(
  bus: MessageBus,
  topic: string,
  log: Logger,
  now: () => Date,
): Promise<AlertTable> {
  const rows = new Map<string, AlertRecord>();
  let maxSeq = -1;
  const apply = (record: AlertRecord) => {
    const current = rows.get(record.alert.id);
    if (current && current.version > record.version) return;
    rows.set(record.alert.id, record);
    maxSeq = Math.max(maxSeq, record.seq);
  };
  const follower = await bus
    .followTable({
      topic,
      onRecord: (incoming) => {
        if (incoming.key === null || incoming.value === null) return;
        try {
          apply(decodeAlertRecord(incoming.value));
        } catch (err) {
          // One bad record must not hide the rest of the table; it stays on the topic for people to see.
          log.warn(
            { topic, key: incoming.key, offset: incoming.offset, err: String(err) },
            'bad alert record',
          );
        }
      },
    })
    .catch((err: unknown) => {
      throw new Error(`cannot read ${topic} (has \`rmwatch setup\` run?): ${String(err)}`);
    });
  await follower.caughtUp;

  const chains = new Map<string, Promise<unknown>>();
  return {
    rows,
    get: (id) => rows.get(id),
    nextSeq: () => ++maxSeq,
    update(id, change) {
      const previous = chains.get(id) ?? Promise.resolve();
      const run = previous.then(async () => {
        const current = rows.get(id);
        const proposed = change(current);
        if (!proposed) return undefined;
        const next: AlertRecord = {
          ...proposed,
          version: (current?.version ?? -1) + 1,
          updated_at: now().toISOString(),
        };
        await writeWithRetries(() => bus.produce(topic, [{ key: id, value: JSON.stringify(next) }]));
        apply(next);
        return next;
      });
      const settled = run.catch(() => undefined);
      chains.set(id, settled);
      void settled.then(() => {
        if (chains.get(id) === settled) chains.delete(id);
      });
      return run;
    },
    stop: () => follower.stop(),
  };
}

/**
 * A state write is retried a few times before it fails its caller: a delivery already made but not marked
 * would be made again. Writing the same record twice is harmless (same key, same version).
 */
async function writeWithRetries(write: () => Promise<void>, attempts = 4): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await write();
    } catch (err) {
      if (attempt >= attempts) throw err;
      await new Promise((resolve) => setTimeout(resolve, 250 * 2 ** (attempt - 1)));
    }
  }
}
