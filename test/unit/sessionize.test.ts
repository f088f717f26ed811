// Stitching: one maintenance session out of its layers, whatever order and however late the events come.
import { describe, expect, it } from 'vitest';
import { Correlator } from '../../processors/correlate/engine.ts';
import { CorrelateSettings } from '../../processors/correlate/settings.ts';
import { approval, cityRegistry, visit } from '../support/city.ts';
import { correlate, fired, normalizeLines } from '../support/correlate.ts';
import { Scenario } from '../support/scenario.ts';

const registry = cityRegistry();
const DAY = '2026-11-24';
const approvals = [
  approval({
    id: 'R-1',
    start: `${DAY} 09:00`,
    end: `${DAY} 12:00`,
    report: { start: `${DAY} 09:00`, end: `${DAY} 12:00`, targets: ['APP01'] },
  }),
];

describe('layers', () => {
  it('RTX L2TP + 1149 + 4624 on the jump terminal + 5145 on a server are one session (multi-source)', () => {
    const s = new Scenario()
      .rtxConnect(`${DAY} 09:40:01`, { user: 'vnd_sato', from: '203.0.113.4', assigned: '192.168.100.202' })
      .rdpAuth(`${DAY} 09:41`, 'JUMP01.city.local', { user: 'vnd_sato', from: '192.168.100.202' })
      .logon(`${DAY} 09:41:02`, 'JUMP01.city.local', {
        user: 'vnd_sato',
        from: '192.168.100.202',
        logonId: '0x77',
      })
      .shareFile(`${DAY} 09:50`, 'APP01.city.local', {
        user: 'vnd_sato',
        logonId: '0x91',
        from: '10.20.0.5',
        path: 'backup\\dump.sql',
      })
      .logoff(`${DAY} 10:50`, 'JUMP01.city.local', { user: 'vnd_sato', logonId: '0x77' })
      .rtxDisconnect(`${DAY} 10:55:40`, {});
    const o = correlate(s.lines, {
      registry,
      approvals: [
        approval({
          id: 'R-2',
          start: `${DAY} 09:30`,
          end: `${DAY} 12:00`,
          operator: { id: 'op-sato', name: '佐藤花子', account: 'vnd_sato' },
        }),
      ],
    });
    expect(o.sessions).toHaveLength(1);
    expect(o.sessions[0]).toMatchObject({
      status: 'closed',
      layers: ['vpn', 'jump', 'target'],
      coverage_gaps: ['gateway'],
      vpn_user: 'vnd_sato',
      source: { ip: '203.0.113.4' },
      assigned_ip: '192.168.100.202',
      approval_id: 'R-2',
    });
    expect(fired(o)).toContain('file_transfer:share');
  });

  it('a gateway connection with no VPN session in front is a session with a VPN coverage gap', () => {
    const s = new Scenario()
      .gateway(302, `${DAY} 09:10`, {
        user: 'vnd_yamada',
        client: '203.0.113.5',
        resource: 'JUMP01.city.local',
      })
      .logon(`${DAY} 09:10:05`, 'JUMP01.city.local', {
        user: 'vnd_yamada',
        from: '10.20.0.6',
        logonId: '0x42',
      })
      .gateway(303, `${DAY} 09:40`, {
        user: 'vnd_yamada',
        client: '203.0.113.5',
        resource: 'JUMP01.city.local',
      });
    const o = correlate(s.lines, { registry, approvals });
    expect(o.sessions).toHaveLength(1);
    expect(o.sessions[0]).toMatchObject({
      layers: ['gateway', 'jump'],
      coverage_gaps: ['vpn'],
      status: 'closed',
    });
  });

  it("a clerk's console logon on a server is not remote maintenance", () => {
    const s = new Scenario().logon(`${DAY} 09:00`, 'APP01.city.local', {
      user: 'tanaka',
      from: '10.20.5.9',
      logonId: '0x9',
      type: 2,
    });
    expect(correlate(s.lines, { registry, approvals }).sessions).toEqual([]);
  });

  it('a session still open is visible as open', () => {
    const s = new Scenario().asaConnect(`${DAY} 09:05`, {
      user: 'vnd_yamada',
      from: '203.0.113.5',
      assigned: '10.99.0.12',
    });
    expect(correlate(s.lines, { registry, approvals }).sessions[0]).toMatchObject({ status: 'open' });
    expect(correlate(s.lines, { registry, approvals }).sessions[0]?.end).toBeUndefined();
  });

  it('two visits by the same user are two sessions', () => {
    const s = visit(new Scenario(), { at: `${DAY} 09:01`, minutes: 30 });
    visit(s, { at: `${DAY} 10:01`, minutes: 30, logonId: '0x99' });
    expect(correlate(s.lines, { registry, approvals }).sessions).toHaveLength(2);
  });
});

describe('two vendors on one jump terminal at once', () => {
  // Yamada and Sato both on JUMP01 (logon ids 0x3a1f2 and 0x5c3); the server logons all come from the jump
  // terminal's address, so only what each session did tells them apart.
  const both = () =>
    new Scenario()
      .asaConnect(`${DAY} 09:00`, { user: 'vnd_yamada', from: '203.0.113.5', assigned: '10.99.0.12' })
      .asaConnect(`${DAY} 09:00`, { user: 'vnd_sato', from: '203.0.113.6', assigned: '10.99.0.14' })
      .logon(`${DAY} 09:01`, 'JUMP01.city.local', {
        user: 'vnd_yamada',
        from: '10.99.0.12',
        logonId: '0x3a1f2',
      })
      .logon(`${DAY} 09:01`, 'JUMP01.city.local', { user: 'vnd_sato', from: '10.99.0.14', logonId: '0x5c3' });
  const sessionOf = (lines: Scenario['lines'], user: string) =>
    correlate(lines, { registry, approvals }).sessions.find(
      (x) => x.status !== 'merged' && x.accounts.includes(user),
    );

  it("a server logon joins the session that went on to that server, whatever the logon's account", () => {
    const s = both()
      .onward(`${DAY} 09:02`, 'JUMP01.city.local', {
        user: 'vnd_yamada',
        logonId: '0x3a1f2',
        server: 'APP01.city.local',
        serverIp: '10.20.1.21',
      })
      .onward(`${DAY} 09:02`, 'JUMP01.city.local', {
        user: 'vnd_sato',
        logonId: '0x5c3',
        server: 'DB01.city.local',
        serverIp: '10.20.1.31',
      })
      .logon(`${DAY} 09:03`, 'APP01.city.local', {
        user: 'administrator',
        from: '10.20.0.5',
        logonId: '0x77',
      })
      .logon(`${DAY} 09:03`, 'DB01.city.local', { user: 'vnd_sato', from: '10.20.0.5', logonId: '0x78' });
    expect(sessionOf(s.lines, 'vnd_yamada')?.accounts).toEqual(['vnd_yamada', 'administrator']);
    expect(sessionOf(s.lines, 'vnd_sato')?.accounts).toEqual(['vnd_sato']);
    expect(sessionOf(s.lines, 'vnd_sato')?.targets).toContain('DB01.city.local');
  });

  it("a server logon with no onward connection before it joins its own account's session", () => {
    const s = both().logon(`${DAY} 09:03`, 'APP01.city.local', {
      user: 'vnd_sato',
      from: '10.20.0.5',
      logonId: '0x78',
    });
    expect(sessionOf(s.lines, 'vnd_sato')?.targets).toContain('APP01.city.local');
    expect(sessionOf(s.lines, 'vnd_yamada')?.targets ?? []).not.toContain('APP01.city.local');
  });

  it("with nothing to tell whose it is, a server logon is a session of its own, not somebody else's", () => {
    const s = both().logon(`${DAY} 09:03`, 'APP01.city.local', {
      user: 'administrator',
      from: '10.20.0.5',
      logonId: '0x79',
    });
    const result = correlate(s.lines, { registry, approvals });
    expect(result.sessions.filter((x) => x.accounts.includes('administrator'))).toHaveLength(1);
    expect(sessionOf(s.lines, 'vnd_yamada')?.accounts).toEqual(['vnd_yamada']);
    expect(sessionOf(s.lines, 'vnd_sato')?.accounts).toEqual(['vnd_sato']);
  });
});

describe('late and out-of-order events', () => {
  const proper = () => visit(new Scenario(), { at: `${DAY} 09:01` });

  it('the same events in any order give the same sessions and findings', () => {
    const lines = proper().shareFile(`${DAY} 09:20`, 'APP01.city.local', {
      user: 'vnd_yamada',
      logonId: '0x3a1f21',
      from: '10.20.0.5',
      path: 'a.csv',
    }).lines;
    const settings = { latenessSeconds: 7200 };
    const inOrder = correlate(lines, { registry, approvals, settings });
    // Windows events (UTC) reach the pipeline before the router's, as when a shipper is faster.
    const reordered = [
      ...lines.filter((l) => l.format === 'evtxml'),
      ...lines.filter((l) => l.format === 'syslog'),
    ];
    const shuffled = correlate(reordered, { registry, approvals, settings });
    const view = (o: typeof inOrder) => ({
      sessions: o.sessions.map((x) => ({ ...x, updated_at: '', notices: [] })),
      findings: o.findings.map((f) => [f.id, f.rule, f.evidence, f.message]),
    });
    expect(view(shuffled)).toEqual(view(inOrder));
  });

  it('events that prove two partial sessions one are merged; the absorbed one says where it went', () => {
    // The gateway's events arrive first, then the VPN's start with the address it assigned.
    const lines = proper().lines;
    const vpnFirst = lines.slice(0, 2);
    const o = correlate([...lines.slice(2, 5), ...vpnFirst, ...lines.slice(5)], {
      registry,
      approvals,
      settings: { latenessSeconds: 600 },
    });
    expect(o.sessions).toHaveLength(1);
    expect(o.sessions[0]?.layers).toEqual(['vpn', 'gateway', 'jump', 'target']);
    // Whatever the partial session raised is withdrawn with it.
    expect(o.findings.filter((f) => f.session_id !== o.sessions[0]?.id)).toEqual([]);
  });

  it('an event later than the lateness window still joins its session, marked late', () => {
    const lines = proper().lines;
    const gatewayConnect = lines[3];
    if (!gatewayConnect) throw new Error('scenario too short');
    const o = correlate([...lines.slice(0, 3), ...lines.slice(4), gatewayConnect], { registry, approvals });
    expect(o.sessions).toHaveLength(1);
    expect(o.sessions[0]?.late).toBe(true);
    expect(o.sessions[0]?.timeline.find((e) => e.action === 'gateway_connect')?.late).toBe(true);
  });

  it('an event beyond the window with nothing to join makes a session of its own, marked late, never a crash', () => {
    const late = new Scenario().logon(`${DAY} 08:00`, 'JUMP01.city.local', {
      user: 'vnd_sato',
      from: '10.99.0.40',
      logonId: '0x5',
    });
    const o = correlate([...proper().lines, ...late.lines], { registry, approvals });
    const own = o.sessions.find((s) => s.accounts.includes('vnd_sato'));
    expect(own).toMatchObject({ late: true, layers: ['jump'] });
  });
});

describe('state', () => {
  it('a correlator restored from its session records mid-scenario ends with the same findings and writes no duplicates', () => {
    const lines = visit(new Scenario(), {
      at: `${DAY} 09:01`,
      server: { name: 'DB01.city.local', ip: '10.20.1.22' },
    }).lines;
    const events = normalizeLines(lines);
    const settings = CorrelateSettings.parse({});
    const clock = () => '2026-12-31T00:00:00.000Z';
    const straight = new Correlator({ settings, registry, approvals, clock });
    const straightFindings = events.flatMap((e) => straight.ingest(e).output.findings);

    const first = new Correlator({ settings, registry, approvals, clock });
    const half = Math.floor(events.length / 2);
    const sessions = new Map<string, unknown>();
    const written = [];
    for (const e of events.slice(0, half)) {
      const out = first.ingest(e).output;
      written.push(...out.findings);
      for (const s of out.sessions) sessions.set(s.id, structuredClone(s));
    }
    const second = new Correlator({ settings, registry, approvals, clock });
    for (const s of sessions.values()) second.restoreSession(s as never);
    // The stage resumes a little before where it stopped (uncommitted offsets are read again).
    for (const e of events.slice(half - 2)) written.push(...second.ingest(e).output.findings);
    expect(written.map((f) => [f.id, f.message])).toEqual(straightFindings.map((f) => [f.id, f.message]));
  });
});

describe('a session that will not end', () => {
  it('keeps its connections and failures up to twice the timeline limit, then only counts them', () => {
    const s = new Scenario();
    for (let i = 0; i < 10; i++)
      s.asaLoginFailure(`${DAY} 22:${String(10 + i).padStart(2, '0')}`, {
        user: 'hoshu',
        from: '192.0.2.66',
      });
    const o = correlate(s.lines, { registry, settings: { timelineLimit: 3 } });
    expect(o.sessions).toHaveLength(1);
    expect(o.sessions[0]?.timeline).toHaveLength(6);
    expect(o.sessions[0]?.truncated).toBe(4);
  });
});
