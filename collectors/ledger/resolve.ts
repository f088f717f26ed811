// Names in the ledger → registry entities: the vendor written as its name, operators written as names or
// ids, and which operator uses which listed account.
//   input:  the registry records (optional: without them names stay as written)
//   output: registry ids, or a reason a row cannot be read unambiguously
import type { ApprovedOperator } from '../../model/approval.ts';
import { normalizeAccount } from '../../model/ids.ts';
import type { RegistryRecord } from '../../model/registry.ts';

type Vendor = Extract<RegistryRecord, { kind: 'vendor' }>;
type Operator = Extract<RegistryRecord, { kind: 'operator' }>;
type Account = Extract<RegistryRecord, { kind: 'account' }>;

export type Resolved<T> = { ok: true; value: T } | { ok: false; reason: string };

export interface RegistryIndex {
  vendors: readonly Vendor[];
  operators: readonly Operator[];
  /** By normalized account name. */
  accounts: ReadonlyMap<string, Account>;
}

export function indexRegistry(records: readonly RegistryRecord[]): RegistryIndex {
  const accounts = new Map<string, Account>();
  for (const r of records) if (r.kind === 'account') accounts.set(normalizeAccount(r.name), r);
  return {
    vendors: records.filter((r): r is Vendor => r.kind === 'vendor'),
    operators: records.filter((r): r is Operator => r.kind === 'operator'),
    accounts,
  };
}

/** Names compare as people mean them: full/half width and spaces (山田 太郎, with an ideographic space too) do not count. */
export function sameName(a: string, b: string): boolean {
  const key = (s: string) => s.normalize('NFKC').replace(/\s+/g, '').toLowerCase();
  return key(a) === key(b);
}

/** A vendor id as written, or a registered vendor's name. Without a registry the text is taken as the id. */
export function resolveVendor(text: string, registry: RegistryIndex | undefined): Resolved<string> {
  if (!registry) return { ok: true, value: text };
  const byId = registry.vendors.find((v) => v.id === text);
  if (byId) return { ok: true, value: byId.id };
  const byName = registry.vendors.filter((v) => sameName(v.name, text));
  if (byName.length === 1 && byName[0]) return { ok: true, value: byName[0].id };
  if (byName.length > 1)
    return {
      ok: false,
      reason: `vendor name ${text} is registered more than once (${byName.map((v) => v.id).join(', ')}); write the vendor id`,
    };
  return { ok: false, reason: `unknown vendor ${text}: neither a registered vendor id nor name` };
}

/**
 * The registry operator a listed name or id stands for, preferring the approval's vendor (two vendors may
 * well each employ a 佐藤). An operator the registry does not know stays a bare name.
 */
export function resolveOperator(
  text: string,
  vendor: string,
  registry: RegistryIndex | undefined,
): Resolved<{ name: string; id?: string }> {
  if (!registry) return { ok: true, value: { name: text } };
  const byId = registry.operators.find((o) => o.id === text);
  const candidates = byId ? [byId] : registry.operators.filter((o) => sameName(o.name, text));
  if (candidates.length === 0) return { ok: true, value: { name: text } };
  const own = candidates.filter((o) => o.vendor === vendor);
  if (own.length === 1 && own[0]) return { ok: true, value: { name: own[0].name, id: own[0].id } };
  if (own.length > 1)
    return {
      ok: false,
      reason: `operator ${text} matches ${own.map((o) => o.id).join(', ')} of ${vendor}; write the operator id`,
    };
  return {
    ok: false,
    reason: `operator ${text} is registered with ${[...new Set(candidates.map((o) => o.vendor))].join(', ')}, not ${vendor}`,
  };
}

/**
 * Which listed operator uses which listed account. The registry decides where it ties an account to an
 * operator. Accounts it does not tie go to the only operator, or pair by position with the operators the
 * registry gave none; anything else would be a guess about who uses what, so it is refused.
 */
export function assignAccounts(
  operators: readonly { name: string; id?: string }[],
  accounts: readonly string[],
  registry: RegistryIndex | undefined,
): Resolved<ApprovedOperator[]> {
  const result: ApprovedOperator[] = operators.map((o) => ({ ...o, accounts: [] }));
  const loose: string[] = [];
  for (const account of accounts) {
    const owner = registry?.accounts.get(normalizeAccount(account))?.operator;
    const holder = owner === undefined ? undefined : result.find((o) => o.id === owner);
    if (holder) holder.accounts.push(account);
    else if (owner !== undefined)
      return {
        ok: false,
        reason: `account ${account} belongs to operator ${owner}, who is not listed on this approval`,
      };
    else loose.push(account);
  }
  if (loose.length === 0) return { ok: true, value: result };
  const only = result.length === 1 ? result[0] : undefined;
  if (only) {
    only.accounts.push(...loose);
    return { ok: true, value: result };
  }
  const without = result.filter((o) => o.accounts.length === 0);
  if (without.length === loose.length) {
    without.forEach((o, i) => o.accounts.push(loose[i] as string));
    return { ok: true, value: result };
  }
  return {
    ok: false,
    reason:
      `cannot tell which operator uses ${loose.join(', ')}: list one account per operator, in the same order, ` +
      'or register the accounts with their operators',
  };
}
