// What the security office does through the audit API or CLI.
//   disposeFinding: writes `disposition: { status, by, at, note }` into the finding's document in its
//     concrete index (found by an `ids` query). Only this writes the field: the index sink upserts findings
//     without it, so a finding redelivered later keeps its disposition.
//   setVendorFrozen: publishes the vendor's registry record, frozen (with reason and `frozen_since`) or
//     thawed, on `rm.registry` (key `vendor:<id>`), the way the ledger publishes the registry; the
//     correlator follows that topic and fires `frozen_vendor` on the vendor's activity from then on. The
//     current record is read from the topic itself, so nothing the ledger wrote is lost.
import type { ResolvedConfig } from '../../infra/config.ts';
import type { SearchStore } from '../../infra/elasticsearch.ts';
import { indexName } from '../../infra/index-templates.ts';
import type { MessageBus } from '../../infra/kafka.ts';
import type { Logger } from '../../infra/logger.ts';
import { followTopicTable, type Table } from '../../infra/table.ts';
import { TOPICS, topicName } from '../../infra/topics.ts';
import { publishRegistry } from '../../collectors/ledger/publish.ts';
import type { Finding } from '../../model/finding.ts';
import { VendorRecord } from '../../model/registry.ts';
import type { DispositionRequest } from './filters.ts';

type Config = Pick<ResolvedConfig, 'namespace'>;
export type Vendor = ReturnType<typeof VendorRecord.parse>;

/** The finding as it now stands, or undefined when there is no such finding. */
export async function disposeFinding(
  config: Config,
  store: SearchStore,
  id: string,
  request: DispositionRequest,
  by: string,
  now: Date = new Date(),
): Promise<Finding | undefined> {
  const found = await store.query(indexName(config, 'findings'), {
    query: { ids: { values: [id] } },
    size: 1,
  });
  const hit = found.hits[0];
  if (!hit) return undefined;
  const disposition: Finding['disposition'] = { status: request.status, by, at: now.toISOString() };
  if (request.note !== undefined && request.note !== '') disposition.note = request.note;
  // Refreshed before answering, so the caller's next list shows it.
  const updated = await store.updateDocument(hit.index, id, { disposition }, { refresh: true });
  if (!updated) return undefined;
  return { ...(hit.source as Finding), disposition };
}

/** The vendors as `rm.registry` holds them now. */
export interface VendorDirectory {
  vendor(id: string): Promise<Vendor | undefined>;
  close(): Promise<void>;
}

/** Follows `rm.registry` (read whole, then kept up to date); other kinds of entity are not kept. */
export async function followVendors(config: Config, bus: MessageBus, log: Logger): Promise<VendorDirectory> {
  const table: Table<Vendor | null> = await followTopicTable(
    bus,
    topicName(config, TOPICS.registry),
    (value) => {
      const record = JSON.parse(value.toString('utf8')) as { kind?: unknown };
      return record.kind === 'vendor' ? VendorRecord.parse(record) : null;
    },
    log,
  );
  return {
    async vendor(id) {
      await table.sync();
      return table.rows.get(`vendor:${id}`) ?? undefined;
    },
    close: () => table.stop(),
  };
}

export type FreezeChange = { frozen: true; reason: string } | { frozen: false; reason?: string };

export type FreezeResult =
  { ok: true; vendor: Vendor } | { ok: false; problem: 'not_found' | 'conflict'; message: string };

export async function setVendorFrozen(
  config: Config,
  bus: MessageBus,
  vendors: VendorDirectory,
  id: string,
  change: FreezeChange,
  now: Date = new Date(),
): Promise<FreezeResult> {
  const current = await vendors.vendor(id);
  if (!current) return { ok: false, problem: 'not_found', message: `no vendor ${id} in the registry` };
  if (change.frozen && current.frozen)
    return {
      ok: false,
      problem: 'conflict',
      message: `vendor ${id} is frozen already (since ${current.frozen_since ?? 'an unknown time'})`,
    };
  if (!change.frozen && !current.frozen)
    return { ok: false, problem: 'conflict', message: `vendor ${id} is not frozen` };
  const { frozen_reason: _reason, frozen_since: _since, ...rest } = current;
  const vendor: Vendor = change.frozen
    ? { ...rest, frozen: true, frozen_reason: change.reason, frozen_since: now.toISOString() }
    : { ...rest, frozen: false };
  await publishRegistry(config, bus, [vendor]);
  return { ok: true, vendor };
}
