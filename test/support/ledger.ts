// What the ledger tests share: the Registry YAML example of DESIGN.md §8, word for word, and the fixtures.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const LEDGER_FIXTURES = fileURLToPath(new URL('../fixtures/ledger/', import.meta.url));

export const ledgerFixture = (name: string): Buffer => readFileSync(join(LEDGER_FIXTURES, name));

export const DESIGN_REGISTRY_YAML = `vendors:            # frozen: true stops all access (rule frozen_vendor)
  - { id: vendor-a, name: 株式会社サンプル保守, frozen: false, sources: [203.0.113.0/28] }
operators:
  - { id: op-yamada, name: 山田太郎, vendor: vendor-a, accounts: [vnd_yamada] }
jump_hosts:    [ { name: JUMP01, ip: 10.20.0.5 } ]
gateways:      [ { name: RDGW01, ip: 10.20.0.6 } ]
internal_networks: [10.20.0.0/16]
vpn_pools:     [10.99.0.0/24]
generic_accounts: [administrator, admin, guest, hoshu, maint, vendor]
limits: { max_concurrent_sessions: 2, max_session_minutes: 480, idle_minutes: 30 }
`;
