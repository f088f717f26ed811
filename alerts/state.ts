// The alert table: one record per alert id on the compacted topic rm.alerts (its route, status, deliveries
// per notifier, acknowledgement, next due time). It is the stage's memory: rebuilt from the topic at start,
// so a restart knows what was delivered, to whom, and what is still held, parked or waiting to escalate.
//   input:  rm.alerts from its beginning (bus.followTable), then the stage's own writes
//   output: rm.alerts (key: alert id); every change is written, and acknowledged by Kafka, before the
//           stage goes on (before it commits an input offset, before the next notifier is tried)
// Records carry a version: an echo of an older write read back from the topic never undoes a newer one.
// A settled alert past `alerts.keepSettledDays` is taken out with a tombstone (./stage.ts), so that neither
// the topic nor this table grows for ever.
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

/**
 * Whether the stage is done with an alert: nothing is to be sent, held, retried or escalated any more (it may
 * still await an acknowledgement nobody is chased for). Only such an alert may leave the table.
 */
export function isSettled(record: AlertRecord): boolean {
  return SETTLED_STATUSES.includes(record.status) && record.next_due === undefined;
}
const SETTLED_STATUSES: readonly AlertStatus[] = [
  'delivered',
  'escalated',
  'acknowledged',
  'stale',
  'unrouted',
];

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
  /**
   * Takes a record out of the table if `still` holds for its latest version: a tombstone on the topic, so
   * that compaction drops the key and a restart does not read it back. Resolves true if it was taken out.
   */
  forget(id: string, still: (current: AlertRecord) => boolean): Promise<boolean>;
  stop(): Promise<void>;
}

export async function openAlertTable(
  bus: MessageBus,
  topic: string,
  log: Logger,
  now: () => Date,
): Promise<AlertTable> {
  const rows = new Map<string, AlertRecord>();
  /**
   * The last version of each record taken out whose tombstone has not come back yet: until it does, its
   * older writes still come back and must not bring it in again, and a new record of that id goes on from it.
   */
  const forgotten = new Map<string, number>();
  let maxSeq = -1;
  const apply = (record: AlertRecord) => {
    const current = rows.get(record.alert.id);
    if (current && current.version > record.version) return;
    if (record.version <= (forgotten.get(record.alert.id) ?? -1)) return;
    rows.set(record.alert.id, record);
    maxSeq = Math.max(maxSeq, record.seq);
  };
  const tombstone = (id: string) => {
    const last = forgotten.get(id);
    forgotten.delete(id);
    const current = rows.get(id);
    // Read at start, a tombstone ends what came before it; read back live, not what was written after it.
    if (current && (last === undefined || current.version <= last)) rows.delete(id);
  };
  const follower = await bus
    .followTable({
      topic,
      onRecord: (incoming) => {
        if (incoming.key === null) return;
        if (incoming.value === null) {
          tombstone(incoming.key);
          return;
        }
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
  const inTurn = <T>(id: string, work: () => Promise<T>): Promise<T> => {
    const run = (chains.get(id) ?? Promise.resolve()).then(work);
    const settled = run.catch(() => undefined);
    chains.set(id, settled);
    void settled.then(() => {
      if (chains.get(id) === settled) chains.delete(id);
    });
    return run;
  };
  return {
    rows,
    get: (id) => rows.get(id),
    nextSeq: () => ++maxSeq,
    update: (id, change) =>
      inTurn(id, async () => {
        const current = rows.get(id);
        const proposed = change(current);
        if (!proposed) return undefined;
        const next: AlertRecord = {
          ...proposed,
          version: (current?.version ?? forgotten.get(id) ?? -1) + 1,
          updated_at: now().toISOString(),
        };
        await writeWithRetries(() => bus.produce(topic, [{ key: id, value: JSON.stringify(next) }]));
        apply(next);
        return next;
      }),
    forget: (id, still) =>
      inTurn(id, async () => {
        const current = rows.get(id);
        if (!current || !still(current)) return false;
        await writeWithRetries(() => bus.produce(topic, [{ key: id, value: null }]));
        forgotten.set(id, current.version);
        rows.delete(id);
        return true;
      }),
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
