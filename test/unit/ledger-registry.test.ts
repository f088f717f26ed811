// The Registry YAML of DESIGN.md §8 becomes one record per entity, keyed as rm.registry keys them.
import { describe, expect, it } from 'vitest';
import { parseRegistryYaml } from '../../collectors/ledger/registry-yaml.ts';
import { registryEntityId } from '../../model/ids.ts';
import { DESIGN_REGISTRY_YAML } from '../support/ledger.ts';

describe('Registry YAML', () => {
  it("DESIGN.md §8's example gives exactly these records", () => {
    const { records, errors } = parseRegistryYaml(DESIGN_REGISTRY_YAML);
    expect(errors).toEqual([]);
    expect(records).toEqual([
      {
        kind: 'vendor',
        id: 'vendor-a',
        name: '株式会社サンプル保守',
        frozen: false,
        sources: ['203.0.113.0/28'],
      },
      { kind: 'operator', id: 'op-yamada', name: '山田太郎', vendor: 'vendor-a', accounts: ['vnd_yamada'] },
      { kind: 'account', name: 'vnd_yamada', operator: 'op-yamada', vendor: 'vendor-a', generic: false },
      ...['administrator', 'admin', 'guest', 'hoshu', 'maint', 'vendor'].map((name) => ({
        kind: 'account',
        name,
        generic: true,
      })),
      { kind: 'jump_host', name: 'JUMP01', ip: '10.20.0.5' },
      { kind: 'gateway', name: 'RDGW01', ip: '10.20.0.6' },
      { kind: 'network', role: 'internal', cidr: '10.20.0.0/16' },
      { kind: 'network', role: 'vpn_pool', cidr: '10.99.0.0/24' },
      { kind: 'limits', max_concurrent_sessions: 2, max_session_minutes: 480, idle_minutes: 30 },
    ]);
    expect(records.map(registryEntityId)).toContain('account:vnd_yamada');
  });

  it('the same as JSON', () => {
    const json = JSON.stringify({
      vendors: [
        {
          id: 'vendor-a',
          name: 'A',
          frozen: true,
          frozen_reason: '情報漏えい調査中',
          frozen_since: '2026-11-01T09:00:00+09:00',
        },
      ],
    });
    expect(parseRegistryYaml(json)).toEqual({
      records: [
        {
          kind: 'vendor',
          id: 'vendor-a',
          name: 'A',
          frozen: true,
          frozen_reason: '情報漏えい調査中',
          frozen_since: '2026-11-01T00:00:00.000Z',
          sources: [],
        },
      ],
      errors: [],
    });
  });

  it('an unknown top-level key is an error; the rest is still read', () => {
    const { records, errors } = parseRegistryYaml('vendors: [{ id: v, name: V }]\njumphosts: []\n');
    expect(errors).toEqual([
      {
        path: 'jumphosts',
        reason:
          'unknown key (keys: vendors, operators, jump_hosts, gateways, internal_networks, vpn_pools, generic_accounts, systems, limits)',
      },
    ]);
    expect(records).toHaveLength(1);
  });

  it('a bad entry is left out and told by its path; the good ones stay', () => {
    const { records, errors } = parseRegistryYaml(`
vendors:
  - { id: vendor-a, name: A, sources: [203.0.113.0/33] }
  - { id: vendor-b, name: B, frozn: true }
  - { id: vendor-c, name: C }
operators:
  - { id: op-x, name: X, vendor: vendor-z }
jump_hosts: [ { name: JUMP01, ip: jump01.city.local } ]
`);
    expect(errors).toEqual([
      { path: 'vendors[0].sources[0]', reason: 'not an IP address or CIDR block' },
      { path: 'vendors[1]', reason: 'Unrecognized key: "frozn"' },
      { path: 'operators[0].vendor', reason: 'unknown vendor vendor-z' },
      { path: 'jump_hosts[0].ip', reason: 'not an IPv4 or IPv6 address (without zone index)' },
    ]);
    expect(records).toEqual([{ kind: 'vendor', id: 'vendor-c', name: 'C', frozen: false, sources: [] }]);
  });

  it('one entity, one record: an account two operators claim, or a generic name that is personal, is an error', () => {
    const { errors } = parseRegistryYaml(`
vendors: [ { id: v, name: V } ]
operators:
  - { id: op-a, name: A, vendor: v, accounts: [shared1, Admin] }
  - { id: op-b, name: B, vendor: v, accounts: [SHARED1] }
generic_accounts: [admin]
`);
    expect(errors).toEqual([
      {
        path: 'operators[1].accounts[0]',
        reason: 'account:shared1 is already defined at operators[0].accounts[0]',
      },
      { path: 'generic_accounts[0]', reason: 'account:admin is already defined at operators[0].accounts[1]' },
    ]);
  });

  it('an empty document is an empty registry; a list or broken YAML is refused', () => {
    expect(parseRegistryYaml('')).toEqual({ records: [], errors: [] });
    expect(parseRegistryYaml('- a\n').errors[0]?.path).toBe('');
    expect(parseRegistryYaml('vendors: [\n').errors[0]?.reason).toMatch(/^not readable as YAML or JSON/);
  });
});
