import { describe, expect, it } from 'vitest';
import {
  Approval,
  CanonicalEvent,
  DeadLetter,
  Finding,
  RegistryRecord,
  Session,
  eventId,
  eventKey,
  findingId,
  normalizeAccount,
  registryEntityId,
  sessionId,
} from '../../model/index.ts';

const vpnStart = {
  '@timestamp': '2026-11-02T00:15:03Z',
  event: {
    id: eventId('asa01', 'raw line'),
    action: 'vpn_session_start',
    outcome: 'success',
    dataset: 'vpn.cisco_asa',
  },
  observer: { vendor: 'Cisco', product: 'ASA', hostname: 'asa01', ip: '10.20.0.1' },
  source: { ip: '203.0.113.5', port: 51515 },
  vpn: { assigned_ip: '10.99.0.12' },
  user: { name: 'vnd_yamada' },
  message: 'Group <VPN> User <vnd_yamada> IP <203.0.113.5> Address <10.99.0.12> assigned to session',
};

const firstIssue = (result: {
  success: boolean;
  error?: { issues: { path: PropertyKey[]; message: string }[] };
}) => result.error?.issues[0];

describe('canonical event', () => {
  it('accepts a VPN session start with ECS fields', () => {
    expect(CanonicalEvent.parse(vpnStart)).toMatchObject({ event: { action: 'vpn_session_start' } });
  });

  it('keeps Japanese text intact', () => {
    const parsed = CanonicalEvent.parse({ ...vpnStart, message: '保守作業 山田太郎 接続' });
    expect(parsed.message).toBe('保守作業 山田太郎 接続');
  });

  it('stores time in UTC only: a local offset is refused', () => {
    const result = CanonicalEvent.safeParse({ ...vpnStart, '@timestamp': '2026-11-02T09:15:03+09:00' });
    expect(result.success).toBe(false);
    expect(firstIssue(result)?.path).toEqual(['@timestamp']);
  });

  it('refuses an address that is not an IP, naming the field', () => {
    const result = CanonicalEvent.safeParse({ ...vpnStart, source: { ip: '203.0.113' } });
    expect(result.success).toBe(false);
    expect(firstIssue(result)?.path).toEqual(['source', 'ip']);
  });

  it('refuses an IPv6 zone index: it is local to the logging host, and addresses must compare equal', () => {
    expect(CanonicalEvent.safeParse({ ...vpnStart, source: { ip: 'fe80::1%10' } }).success).toBe(false);
    expect(CanonicalEvent.safeParse({ ...vpnStart, source: { ip: 'fe80::1' } }).success).toBe(true);
  });

  it('refuses an action outside the design list', () => {
    const result = CanonicalEvent.safeParse({ ...vpnStart, event: { ...vpnStart.event, action: 'vpn_up' } });
    expect(firstIssue(result)?.path).toEqual(['event', 'action']);
  });

  it('refuses negative byte counts and out-of-range ports', () => {
    expect(CanonicalEvent.safeParse({ ...vpnStart, network: { bytes_in: -1 } }).success).toBe(false);
    expect(CanonicalEvent.safeParse({ ...vpnStart, source: { port: 70000 } }).success).toBe(false);
  });

  it('requires an id, an action, an outcome and a dataset', () => {
    const result = CanonicalEvent.safeParse({ '@timestamp': vpnStart['@timestamp'], event: {} });
    expect(result.success).toBe(false);
    const paths = result.error?.issues.map((i) => i.path.join('.'));
    expect(paths).toEqual(
      expect.arrayContaining(['event.id', 'event.action', 'event.outcome', 'event.dataset']),
    );
  });
});

const approval = {
  id: 'R2026-0042',
  vendor: 'vendor-a',
  operators: [{ name: '山田太郎', accounts: ['vnd_yamada'] }],
  targets: ['APP01'],
  purpose: '障害対応',
  window: { start: '2026-11-02T00:00:00Z', end: '2026-11-02T03:00:00Z' },
  approved_by: '情報政策課 佐藤',
};

describe('approval', () => {
  it('is approved unless it says otherwise, with no source restriction by default', () => {
    expect(Approval.parse(approval)).toMatchObject({ status: 'approved', sources: [] });
  });

  it('needs a window that ends after it starts', () => {
    const result = Approval.safeParse({
      ...approval,
      window: { start: approval.window.end, end: approval.window.start },
    });
    expect(firstIssue(result)?.message).toMatch(/end must be after its start/);
  });

  it('names at least one operator and one target', () => {
    expect(Approval.safeParse({ ...approval, operators: [] }).success).toBe(false);
    expect(Approval.safeParse({ ...approval, targets: [] }).success).toBe(false);
  });

  it('accepts a work report with the "no data taken out" statement', () => {
    const report = {
      actual: { start: '2026-11-02T00:10:00Z', end: '2026-11-02T01:00:00Z' },
      targets_touched: ['APP01'],
      no_data_taken_out: true,
    };
    expect(Approval.parse({ ...approval, status: 'completed', report }).report?.no_data_taken_out).toBe(true);
    expect(
      Approval.safeParse({ ...approval, report: { ...report, no_data_taken_out: undefined } }).success,
    ).toBe(false);
  });

  it('knows only the four statuses', () => {
    expect(Approval.safeParse({ ...approval, status: 'pending' }).success).toBe(false);
  });
});

describe('registry', () => {
  it('reads each kind of entity', () => {
    const records = [
      { kind: 'vendor', id: 'vendor-a', name: '株式会社サンプル保守', sources: ['203.0.113.0/28'] },
      { kind: 'operator', id: 'op-yamada', name: '山田太郎', vendor: 'vendor-a', accounts: ['vnd_yamada'] },
      { kind: 'account', name: 'administrator', generic: true },
      { kind: 'jump_host', name: 'JUMP01', ip: '10.20.0.5' },
      { kind: 'gateway', name: 'RDGW01', ip: '10.20.0.6' },
      { kind: 'network', role: 'vpn_pool', cidr: '10.99.0.0/24' },
      { kind: 'limits', max_concurrent_sessions: 2, max_session_minutes: 480, idle_minutes: 30 },
    ];
    expect(records.map((r) => RegistryRecord.parse(r).kind)).toEqual(records.map((r) => r.kind));
  });

  it('a vendor is not frozen unless the registry says so', () => {
    expect(RegistryRecord.parse({ kind: 'vendor', id: 'v', name: 'V' })).toMatchObject({ frozen: false });
  });

  it('refuses a source that is not an address or CIDR block', () => {
    for (const bad of ['203.0.113.0/33', '203.0.113.0/x', 'example.com', '10.0.0.0/8/1']) {
      expect(
        RegistryRecord.safeParse({ kind: 'vendor', id: 'v', name: 'V', sources: [bad] }).success,
        bad,
      ).toBe(false);
    }
    expect(
      RegistryRecord.safeParse({ kind: 'vendor', id: 'v', name: 'V', sources: ['2001:db8::/32'] }).success,
    ).toBe(true);
  });

  it('refuses an unknown kind of entity', () => {
    expect(RegistryRecord.safeParse({ kind: 'printer', name: 'P1' }).success).toBe(false);
  });
});

describe('session', () => {
  const session = {
    id: sessionId('e1'),
    status: 'open',
    start: '2026-11-02T00:15:03Z',
    last_seen: '2026-11-02T00:20:00Z',
    layers: ['vpn', 'gateway'],
    updated_at: '2026-11-02T00:20:01Z',
  };

  it('an open session has no end yet and starts with empty lists', () => {
    expect(Session.parse(session)).toMatchObject({
      accounts: [],
      targets: [],
      evidence: [],
      bytes_in: 0,
      late: false,
    });
  });

  it('knows only the four layers', () => {
    expect(Session.safeParse({ ...session, layers: ['vpn', 'firewall'] }).success).toBe(false);
  });
});

describe('finding', () => {
  const finding = {
    id: findingId('out_of_window', 's-1'),
    rule: 'out_of_window',
    severity: 'high',
    session_id: 's-1',
    evidence: ['e1'],
    message: '承認された作業時間外の接続です。',
    message_en: 'Connection outside any approved window.',
    '@timestamp': '2026-11-02T00:15:03Z',
    updated_at: '2026-11-02T00:15:03Z',
  };

  it('starts undispositioned', () => {
    expect(Finding.parse(finding).disposition.status).toBe('open');
  });

  it('cites at least one event as evidence', () => {
    expect(firstIssue(Finding.safeParse({ ...finding, evidence: [] }))?.message).toMatch(
      /at least one event/,
    );
  });

  it('knows only the design rules and severities', () => {
    expect(Finding.safeParse({ ...finding, rule: 'bad_vibes' }).success).toBe(false);
    expect(Finding.safeParse({ ...finding, severity: 'urgent' }).success).toBe(false);
  });
});

describe('dead-letter record', () => {
  it('carries the raw bytes as base64 and says why', () => {
    const raw = Buffer.from([0x82, 0xa0, 0xff, 0x00]).toString('base64');
    expect(
      DeadLetter.parse({
        stage: 'normalize',
        source: 'asa01',
        error: 'unparsable',
        raw,
        at: '2026-11-02T00:00:00Z',
      }).raw,
    ).toBe(raw);
    expect(
      DeadLetter.safeParse({
        stage: 'normalize',
        source: 'asa01',
        error: 'x',
        raw: 'not base64!',
        at: '2026-11-02T00:00:00Z',
      }).success,
    ).toBe(false);
  });
});

describe('deterministic ids', () => {
  it('the same raw record from the same source always gets the same event id', () => {
    expect(eventId('asa01', 'line')).toBe(eventId('asa01', Buffer.from('line')));
    expect(eventId('asa01', 'line')).not.toBe(eventId('asa02', 'line'));
    expect(eventId('a', 'bc')).not.toBe(eventId('ab', 'c'));
  });

  it('a rule firing again on the same session names the same finding', () => {
    expect(findingId('shared_account', 's-1', 'hoshu')).toBe(findingId('shared_account', 's-1', 'hoshu'));
    expect(findingId('shared_account', 's-1', 'hoshu')).not.toBe(findingId('shared_account', 's-2', 'hoshu'));
    expect(sessionId('e1')).toMatch(/^s-[0-9a-f]{32}$/);
  });

  it('accounts compare lower-case without domain', () => {
    expect(normalizeAccount('CITY\\Vnd_Yamada')).toBe('vnd_yamada');
    expect(normalizeAccount('vnd_yamada@city.local')).toBe('vnd_yamada');
    expect(normalizeAccount(' Administrator ')).toBe('administrator');
  });

  it('events are keyed by account, or by host when they name none', () => {
    expect(
      eventKey(CanonicalEvent.parse({ ...vpnStart, user: { name: 'VND_Yamada', domain: 'CITY' } })),
    ).toBe('vnd_yamada');
    const { user: _user, ...withoutUser } = vpnStart;
    expect(eventKey(CanonicalEvent.parse({ ...withoutUser, host: { name: 'APP01.city.local' } }))).toBe(
      'app01.city.local',
    );
  });

  it('registry entities are keyed by kind and identity', () => {
    expect(
      registryEntityId(RegistryRecord.parse({ kind: 'account', name: 'CITY\\Hoshu', generic: true })),
    ).toBe('account:hoshu');
    expect(
      registryEntityId(RegistryRecord.parse({ kind: 'jump_host', name: 'JUMP01', ip: '10.20.0.5' })),
    ).toBe('jump_host:jump01');
    expect(
      registryEntityId(
        RegistryRecord.parse({
          kind: 'limits',
          max_concurrent_sessions: 1,
          max_session_minutes: 1,
          idle_minutes: 1,
        }),
      ),
    ).toBe('limits');
  });
});
