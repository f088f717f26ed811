// The registry as people keep it: the Registry YAML of DESIGN.md §8 (JSON works too, as YAML reads it).
//   input:  `vendors` ({id, name, frozen, frozen_reason?, frozen_since?, sources}), `operators` ({id, name,
//           vendor, accounts}), `jump_hosts` and `gateways` ({name, ip}), `internal_networks` and `vpn_pools`
//           (CIDRs), `generic_accounts` (names), `limits` ({max_concurrent_sessions, max_session_minutes,
//           idle_minutes}), `systems` ({id, name, hosts: host names or IPs}); every key optional, no others
//   output: one record per entity (model/registry.ts): vendors, operators, an account record for each
//           operator's account (with its operator and vendor) and for each generic account (`generic: true`),
//           jump hosts, gateways, networks (`internal` / `vpn_pool`), the limits, the systems. Each bad entry
//           is left out and reported with its path (`operators[1].vendor`); the others are still read.
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { Cidr, IpAddress, NonEmptyText, RecordId } from '../../model/common.ts';
import { registryEntityId } from '../../model/ids.ts';
import { LimitsRecord, RegistryRecord } from '../../model/registry.ts';
import { issuePath } from './import-result.ts';

export interface RegistryError {
  /** Where in the document, e.g. `vendors[0].sources[1]`; empty for the document as a whole. */
  path: string;
  reason: string;
}

export interface RegistryDocument {
  records: RegistryRecord[];
  errors: RegistryError[];
}

// A stop is recorded with its moment; an offset such as +09:00 is read and stored as UTC.
const Instant = z.iso
  .datetime({ offset: true, error: 'expected a date and time with a zone, e.g. 2026-11-01T09:00:00+09:00' })
  .transform((s) => new Date(s).toISOString());

const VendorEntry = z
  .object({
    id: RecordId,
    name: NonEmptyText,
    frozen: z.boolean().default(false),
    frozen_reason: z.string().optional(),
    frozen_since: Instant.optional(),
    sources: z.array(Cidr).default([]),
  })
  .strict();
const OperatorEntry = z
  .object({ id: RecordId, name: NonEmptyText, vendor: RecordId, accounts: z.array(NonEmptyText).default([]) })
  .strict();
const HostEntry = z.object({ name: NonEmptyText, ip: IpAddress }).strict();
const LimitsEntry = LimitsRecord.omit({ kind: true }).strict();
const SystemEntry = z
  .object({ id: RecordId, name: NonEmptyText, hosts: z.array(NonEmptyText).default([]) })
  .strict();

const LISTS = {
  vendors: VendorEntry,
  operators: OperatorEntry,
  jump_hosts: HostEntry,
  gateways: HostEntry,
  internal_networks: Cidr,
  vpn_pools: Cidr,
  generic_accounts: NonEmptyText,
  systems: SystemEntry,
} as const;
type ListKey = keyof typeof LISTS;
const KEYS = [...Object.keys(LISTS), 'limits'];

/** A record and where in the document it came from, for naming the later of two duplicates. */
interface Placed {
  path: string;
  record: RegistryRecord;
}

export function parseRegistryYaml(text: string): RegistryDocument {
  const errors: RegistryError[] = [];
  let document: unknown;
  try {
    document = parseYaml(text);
  } catch (err) {
    const message = err instanceof Error ? err.message.split('\n')[0] : String(err);
    return { records: [], errors: [{ path: '', reason: `not readable as YAML or JSON: ${message}` }] };
  }
  if (document === null || document === undefined) return { records: [], errors };
  if (typeof document !== 'object' || Array.isArray(document))
    return {
      records: [],
      errors: [{ path: '', reason: `expected a mapping with the keys ${KEYS.join(', ')}` }],
    };
  const doc = document as Record<string, unknown>;
  for (const key of Object.keys(doc))
    if (!KEYS.includes(key)) errors.push({ path: key, reason: `unknown key (keys: ${KEYS.join(', ')})` });

  /** The valid entries of one list, each with its path; the invalid ones become errors. */
  const entries = <K extends ListKey>(key: K): { path: string; value: z.output<(typeof LISTS)[K]> }[] => {
    const list = doc[key];
    if (list === undefined || list === null) return [];
    if (!Array.isArray(list)) {
      errors.push({ path: key, reason: 'expected a list' });
      return [];
    }
    return list.flatMap((item: unknown, i) => {
      const checked = LISTS[key].safeParse(item);
      const path = `${key}[${i}]`;
      if (checked.success) return [{ path, value: checked.data as z.output<(typeof LISTS)[K]> }];
      for (const issue of checked.error.issues)
        errors.push({ path: issuePath([key, i, ...issue.path]), reason: issue.message });
      return [];
    });
  };

  const placed: Placed[] = [];
  const vendors = entries('vendors');
  for (const { path, value } of vendors) placed.push({ path, record: { kind: 'vendor', ...value } });
  const vendorIds = new Set(vendors.map((v) => v.value.id));
  const operators = entries('operators').filter(({ path, value }) => {
    if (vendorIds.has(value.vendor)) return true;
    errors.push({ path: `${path}.vendor`, reason: `unknown vendor ${value.vendor}` });
    return false;
  });
  for (const { path, value } of operators) placed.push({ path, record: { kind: 'operator', ...value } });
  for (const { path, value } of operators)
    value.accounts.forEach((name, i) =>
      placed.push({
        path: `${path}.accounts[${i}]`,
        record: { kind: 'account', name, operator: value.id, vendor: value.vendor, generic: false },
      }),
    );
  for (const { path, value } of entries('generic_accounts'))
    placed.push({ path, record: { kind: 'account', name: value, generic: true } });
  for (const { path, value } of entries('jump_hosts'))
    placed.push({ path, record: { kind: 'jump_host', ...value } });
  for (const { path, value } of entries('gateways'))
    placed.push({ path, record: { kind: 'gateway', ...value } });
  for (const { path, value } of entries('internal_networks'))
    placed.push({ path, record: { kind: 'network', role: 'internal', cidr: value } });
  for (const { path, value } of entries('vpn_pools'))
    placed.push({ path, record: { kind: 'network', role: 'vpn_pool', cidr: value } });
  for (const { path, value } of entries('systems'))
    placed.push({ path, record: { kind: 'system', ...value } });
  if (doc.limits !== undefined && doc.limits !== null) {
    const limits = LimitsEntry.safeParse(doc.limits);
    if (limits.success) placed.push({ path: 'limits', record: { kind: 'limits', ...limits.data } });
    else
      for (const issue of limits.error.issues)
        errors.push({ path: issuePath(['limits', ...issue.path]), reason: issue.message });
  }

  // One entity, one record: a second one (an account two operators claim, a generic name that is also
  // someone's account) would silently overwrite the first on the compacted topic.
  const firstAt = new Map<string, string>();
  const records: RegistryRecord[] = [];
  for (const { path, record } of placed) {
    const entity = registryEntityId(record);
    const first = firstAt.get(entity);
    if (first !== undefined) {
      errors.push({ path, reason: `${entity} is already defined at ${first}` });
      continue;
    }
    firstAt.set(entity, path);
    records.push(RegistryRecord.parse(record));
  }
  return { records, errors };
}
