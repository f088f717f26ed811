// The registry as the stitcher and the rules ask it: is this a jump terminal, whose account is this, which
// vendor owns this source address. Built from `rm.registry` records and kept current as they change.
import { normalizeAccount, registryEntityId } from '../../model/ids.ts';
import { addressMatcher, canonicalAddress } from '../../model/network.ts';
import { memo } from '../../model/memo.ts';
import type { RegistryRecord } from '../../model/registry.ts';

type Vendor = Extract<RegistryRecord, { kind: 'vendor' }>;
type Operator = Extract<RegistryRecord, { kind: 'operator' }>;
type Limits = Extract<RegistryRecord, { kind: 'limits' }>;

/** Host names compare by their first label, case-insensitively: `JUMP01.city.local` is `jump01`. */
export const hostKey: (name: string) => string = memo((name) =>
  (name.split('.')[0] ?? name).trim().toLowerCase(),
);

export class RegistryView {
  private readonly records = new Map<string, RegistryRecord>();
  private index: Index | undefined;

  constructor(records: readonly RegistryRecord[] = []) {
    for (const r of records) this.records.set(registryEntityId(r), r);
  }

  /** A record from `rm.registry`; `undefined` is a tombstone for the entity. */
  set(entityId: string, record: RegistryRecord | undefined): void {
    if (record) this.records.set(entityId, record);
    else this.records.delete(entityId);
    this.index = undefined;
  }

  get size(): number {
    return this.records.size;
  }

  private get ix(): Index {
    this.index ??= new Index([...this.records.values()]);
    return this.index;
  }

  /** A registered jump terminal, by host name (first label) or address. */
  jumpHost(nameOrIp: string | undefined): string | undefined {
    if (!nameOrIp) return undefined;
    return this.ix.jumpByIp.get(canonicalAddress(nameOrIp)) ?? this.ix.jumpByName.get(hostKey(nameOrIp));
  }

  gateway(nameOrIp: string | undefined): string | undefined {
    if (!nameOrIp) return undefined;
    return (
      this.ix.gatewayByIp.get(canonicalAddress(nameOrIp)) ?? this.ix.gatewayByName.get(hostKey(nameOrIp))
    );
  }

  inVpnPool(ip: string | undefined): boolean {
    return ip !== undefined && this.ix.vpnPool(ip);
  }

  isInternal(ip: string | undefined): boolean {
    return ip !== undefined && this.ix.internal(ip);
  }

  /** Whether any jump terminal is registered: without one, no connection can be said to bypass it. */
  get knowsJumpHosts(): boolean {
    return this.ix.jumpByName.size > 0;
  }

  /** Whether any internal network is registered: without one, every address counts as possibly external. */
  get knowsNetworks(): boolean {
    return this.ix.hasInternal;
  }

  /** Operators the registry ties this account to (exactly one for a proper personal account). */
  operatorsOf(account: string): Operator[] {
    return this.ix.operatorsByAccount.get(normalizeAccount(account)) ?? [];
  }

  operator(id: string | undefined): Operator | undefined {
    return id ? this.ix.operators.get(id) : undefined;
  }

  vendor(id: string | undefined): Vendor | undefined {
    return id ? this.ix.vendors.get(id) : undefined;
  }

  /** A vendor by id or registered name. */
  vendorByIdOrName(value: string): Vendor | undefined {
    return this.ix.vendors.get(value) ?? [...this.ix.vendors.values()].find((v) => v.name === value);
  }

  /** The vendor an account belongs to: through its operator, or an account record naming the vendor. */
  vendorOfAccount(account: string): string | undefined {
    const ops = this.operatorsOf(account);
    if (ops.length === 1) return ops[0]?.vendor;
    return this.ix.accountVendor.get(normalizeAccount(account));
  }

  /** Vendors whose registered sources hold this address. */
  vendorsOfSource(ip: string): Vendor[] {
    let found = this.ix.sourceOwners.get(ip);
    if (!found) {
      found = [...this.ix.vendors.values()].filter((v) => this.ix.vendorSources.get(v.id)?.(ip) === true);
      this.ix.sourceOwners.set(ip, found);
    }
    return found;
  }

  /** Whether the address is among this vendor's registered sources (any vendor's, without one). */
  isRegisteredSource(ip: string, vendorId?: string): boolean {
    if (vendorId !== undefined) return this.ix.vendorSources.get(vendorId)?.(ip) === true;
    return this.ix.anySource(ip);
  }

  /** Whether any source is registered at all (for this vendor, or for anyone). */
  hasSources(vendorId?: string): boolean {
    if (vendorId !== undefined) return (this.ix.vendors.get(vendorId)?.sources.length ?? 0) > 0;
    return this.ix.anySourceRegistered;
  }

  isGeneric(account: string): boolean {
    return this.ix.generic.has(normalizeAccount(account));
  }

  /** Whether the account belongs to anyone the registry knows (an operator, or a vendor's account record). */
  isVendorAccount(account: string): boolean {
    const a = normalizeAccount(account);
    return this.ix.operatorsByAccount.has(a) || this.ix.accountVendor.has(a);
  }

  /** The city's limits, when the registry sets them. */
  get limits(): Limits | undefined {
    return this.ix.limits;
  }

  all(): RegistryRecord[] {
    return [...this.records.values()];
  }
}

class Index {
  readonly jumpByIp = new Map<string, string>();
  readonly jumpByName = new Map<string, string>();
  readonly gatewayByIp = new Map<string, string>();
  readonly gatewayByName = new Map<string, string>();
  readonly vendors = new Map<string, Vendor>();
  readonly operators = new Map<string, Operator>();
  readonly operatorsByAccount = new Map<string, Operator[]>();
  readonly accountVendor = new Map<string, string>();
  readonly vendorSources = new Map<string, (ip: string) => boolean>();
  readonly generic = new Set<string>();
  /** Addresses already looked up (the same few VPN sources come back all day). */
  readonly sourceOwners = new Map<string, Vendor[]>();
  readonly internal: (ip: string) => boolean;
  readonly vpnPool: (ip: string) => boolean;
  readonly anySource: (ip: string) => boolean;
  readonly anySourceRegistered: boolean;
  readonly hasInternal: boolean;
  readonly limits: Limits | undefined;

  constructor(records: RegistryRecord[]) {
    const internal: string[] = [];
    const pools: string[] = [];
    let limits: Limits | undefined;
    for (const r of records) {
      switch (r.kind) {
        case 'vendor':
          this.vendors.set(r.id, r);
          this.vendorSources.set(r.id, memo(addressMatcher(r.sources)));
          break;
        case 'operator':
          this.operators.set(r.id, r);
          for (const a of r.accounts) {
            const key = normalizeAccount(a);
            this.operatorsByAccount.set(key, [...(this.operatorsByAccount.get(key) ?? []), r]);
          }
          break;
        case 'account':
          if (r.generic) this.generic.add(normalizeAccount(r.name));
          if (r.vendor) this.accountVendor.set(normalizeAccount(r.name), r.vendor);
          break;
        case 'jump_host':
          this.jumpByIp.set(canonicalAddress(r.ip), r.name);
          this.jumpByName.set(hostKey(r.name), r.name);
          break;
        case 'gateway':
          this.gatewayByIp.set(canonicalAddress(r.ip), r.name);
          this.gatewayByName.set(hostKey(r.name), r.name);
          break;
        case 'network':
          (r.role === 'internal' ? internal : pools).push(r.cidr);
          break;
        case 'limits':
          limits = r;
          break;
      }
    }
    // An operator record and an account record may both name the account; the operator's vendor wins.
    for (const [account, ops] of this.operatorsByAccount)
      if (ops.length === 1 && ops[0]) this.accountVendor.set(account, ops[0].vendor);
    this.internal = memo(addressMatcher(internal));
    this.vpnPool = memo(addressMatcher(pools));
    this.anySourceRegistered = [...this.vendors.values()].some((v) => v.sources.length > 0);
    this.anySource = memo(addressMatcher([...this.vendors.values()].flatMap((v) => v.sources)));
    this.hasInternal = internal.length > 0;
    this.limits = limits;
  }
}
