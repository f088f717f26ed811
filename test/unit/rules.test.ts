// The rules of DESIGN.md §6, each with a scenario that breaks it and its near-miss twin that does not.
// Scenarios are raw device lines (ASA, RTX, RD Gateway, Windows Security) read by the real normaliser.
import { describe, expect, it } from 'vitest';
import { approval, cityRegistry, REGISTRY_YAML, visit } from '../support/city.ts';
import { correlate, fired } from '../support/correlate.ts';
import { disconnected, failures, sato, suzuki, three, twoUsersOneAccount } from '../support/rule-cases.ts';
import { plus, Scenario } from '../support/scenario.ts';

const registry = cityRegistry();
const DAY = '2026-11-24';
/** Yamada's approval 09:00–12:00 for APP01, report filed and matching. */
const approved = (o: Partial<Parameters<typeof approval>[0]> = {}) =>
  approval({
    id: 'R-1',
    start: `${DAY} 09:00`,
    end: `${DAY} 12:00`,
    report: { start: `${DAY} 09:00`, end: `${DAY} 12:00`, targets: ['APP01'] },
    ...o,
  });
const run = (s: Scenario, approvals = [approved()], reg = registry) =>
  correlate(s.lines, { registry: reg, approvals });

describe('a proper maintenance visit', () => {
  it('inside its approved window, through every layer, raises nothing and is one session', () => {
    const o = run(visit(new Scenario(), { at: `${DAY} 09:01` }));
    expect(fired(o)).toEqual([]);
    expect(o.sessions).toHaveLength(1);
    expect(o.sessions[0]).toMatchObject({
      status: 'closed',
      layers: ['vpn', 'gateway', 'jump', 'target'],
      coverage_gaps: [],
      operator: 'op-yamada',
      vendor: 'vendor-a',
      approval_id: 'R-1',
      jump_host: 'JUMP01',
      targets: ['APP01.city.local'],
    });
  });

  it('gives a start and an end notice tied to its approval', () => {
    const o = run(visit(new Scenario(), { at: `${DAY} 09:01` }));
    expect(o.notices.map((n) => [n.kind, n.approval_id])).toEqual([
      ['session_start', 'R-1'],
      ['session_end', 'R-1'],
    ]);
    expect(o.notices[0]?.message).toContain('山田太郎');
  });
});

describe('out_of_window', () => {
  it('fires for a session one minute before the window opens', () => {
    expect(fired(run(visit(new Scenario(), { at: `${DAY} 08:59` })))).toContain('out_of_window');
  });
  it('does not fire one minute inside it', () => {
    expect(fired(run(visit(new Scenario(), { at: `${DAY} 09:01` })))).not.toContain('out_of_window');
  });
  it('fires when the approval is only requested, not approved', () => {
    const o = run(visit(new Scenario(), { at: `${DAY} 09:01` }), [approved({ status: 'requested' })]);
    expect(o.findings.find((f) => f.rule === 'out_of_window')?.message_en).toMatch(/has not been approved/);
  });
  it('a revoked approval no longer covers sessions after its revocation…', () => {
    const o = run(visit(new Scenario(), { at: `${DAY} 10:30` }), [
      approved({ status: 'revoked', revokedAt: `${DAY} 10:00` }),
    ]);
    expect(o.findings.find((f) => f.rule === 'out_of_window')?.message_en).toMatch(/was revoked/);
  });
  it('…but still covers a session that started before it', () => {
    const o = run(visit(new Scenario(), { at: `${DAY} 09:30` }), [
      approved({ status: 'revoked', revokedAt: `${DAY} 10:00` }),
    ]);
    expect(fired(o)).not.toContain('out_of_window');
  });
  it("another operator's approval covers nobody else", () => {
    const o = run(visit(new Scenario(), { at: `${DAY} 09:01`, user: 'vnd_sato', from: '203.0.113.6' }));
    expect(fired(o)).toContain('out_of_window');
  });
});

describe('target_not_approved', () => {
  it('fires for a server the approval does not list', () => {
    const s = visit(new Scenario(), {
      at: `${DAY} 09:01`,
      server: { name: 'DB01.city.local', ip: '10.20.1.22' },
    });
    expect(fired(run(s))).toContain('target_not_approved:host:db01');
  });
  it('does not fire for the listed one', () => {
    expect(fired(run(visit(new Scenario(), { at: `${DAY} 09:01` })))).not.toContain(
      'target_not_approved:host:app01',
    );
  });
});

describe('shared_account', () => {
  it('fires when the operator goes on to a server as a generic account', () => {
    const s = new Scenario()
      .asaConnect(`${DAY} 09:01`, { user: 'vnd_yamada', from: '203.0.113.5', assigned: '10.99.0.12' })
      .logon(`${DAY} 09:02`, 'JUMP01.city.local', { user: 'vnd_yamada', from: '10.99.0.12', logonId: '0x10' })
      .onward(`${DAY} 09:03`, 'JUMP01.city.local', {
        user: 'vnd_yamada',
        logonId: '0x10',
        server: 'APP01.city.local',
        serverIp: '10.20.1.21',
        as: 'Administrator',
      })
      .logon(`${DAY} 09:03:05`, 'APP01.city.local', {
        user: 'Administrator',
        from: '10.20.0.5',
        logonId: '0x20',
      });
    const o = run(s);
    expect(fired(o)).toContain('shared_account:generic:administrator');
    // The server logon as Administrator joined the operator's session through the jump terminal.
    expect(o.sessions).toHaveLength(1);
  });
  it("does not fire for the operator's personal account", () => {
    expect(
      fired(run(visit(new Scenario(), { at: `${DAY} 09:01` }))).filter((r) => r.startsWith('shared_account')),
    ).toEqual([]);
  });

  it('fires when one account is used by two VPN users at once', () => {
    const o = run(twoUsersOneAccount(DAY, new Scenario(), '09:10'));
    expect(
      o.findings
        .filter((f) => f.subject === 'concurrent:vnd_yamada')
        .map((f) => f.session_id)
        .sort(),
    ).toEqual(o.sessions.map((s) => s.id).sort());
  });
  it('does not fire when they use it one after the other', () => {
    expect(fired(run(twoUsersOneAccount(DAY, new Scenario(), '09:40')))).not.toContain(
      'shared_account:concurrent:vnd_yamada',
    );
  });
  it('fires for an account the registry ties to no operator', () => {
    const s = visit(new Scenario(), { at: `${DAY} 09:01`, user: 'vnd_unknown', from: '203.0.113.7' });
    expect(fired(run(s))).toContain('shared_account:owners:vnd_unknown');
  });
});

describe('file_transfer', () => {
  const withShare = (s: Scenario) =>
    s.shareFile(`${DAY} 09:20`, 'APP01.city.local', {
      user: 'vnd_yamada',
      logonId: '0x3a1f21',
      from: '10.20.0.5',
      path: '住民データ\\export_202611.csv',
    });
  it('fires for share access in the session, naming the file', () => {
    const o = run(withShare(visit(new Scenario(), { at: `${DAY} 09:01` })));
    const f = o.findings.find((x) => x.rule === 'file_transfer');
    expect(f?.subject).toBe('share');
    expect(f?.message).toContain('住民データ\\export_202611.csv');
  });
  it('does not fire for screen work only', () => {
    expect(fired(run(visit(new Scenario(), { at: `${DAY} 09:01` })))).not.toContain('file_transfer:share');
  });
  it('fires for upload through the VPN above the threshold, not below it', () => {
    const upload = (bytes: number) =>
      new Scenario()
        .asaConnect(`${DAY} 09:01`, { user: 'vnd_yamada', from: '203.0.113.5', assigned: '10.99.0.12' })
        .asaDisconnect(`${DAY} 09:20`, { user: 'vnd_yamada', from: '203.0.113.5', uploaded: bytes });
    expect(fired(run(upload(60 * 1024 * 1024)))).toContain('file_transfer:upload');
    expect(fired(run(upload(40 * 1024 * 1024)))).not.toContain('file_transfer:upload');
  });
  it('a rule firing again on the same session updates one finding', () => {
    const s = withShare(withShare(visit(new Scenario(), { at: `${DAY} 09:01` })));
    s.shareFile(`${DAY} 09:25`, 'APP01.city.local', {
      user: 'vnd_yamada',
      logonId: '0x3a1f21',
      from: '10.20.0.5',
      path: 'b.csv',
    });
    const o = run(s);
    const ids = new Set(o.written.filter((f) => f.rule === 'file_transfer').map((f) => f.id));
    expect(ids.size).toBe(1);
    expect(o.findings.find((f) => f.rule === 'file_transfer')?.evidence).toHaveLength(3);
  });
});

describe('jump_host_bypass', () => {
  it('fires for a remote logon on a server straight from the VPN address', () => {
    const s = new Scenario()
      .asaConnect(`${DAY} 09:01`, { user: 'vnd_yamada', from: '203.0.113.5', assigned: '10.99.0.12' })
      .logon(`${DAY} 09:02`, 'APP01.city.local', { user: 'vnd_yamada', from: '10.99.0.12', logonId: '0x30' });
    const o = run(s);
    expect(fired(o)).toContain('jump_host_bypass:host:app01');
    expect(o.sessions[0]?.coverage_gaps).toEqual(['gateway', 'jump']);
  });
  it('does not fire when the logon came from the jump terminal', () => {
    expect(fired(run(visit(new Scenario(), { at: `${DAY} 09:01` })))).not.toContain(
      'jump_host_bypass:host:app01',
    );
  });
  it('fires when the gateway sends the connection past the jump terminal', () => {
    const s = new Scenario()
      .asaConnect(`${DAY} 09:01`, { user: 'vnd_yamada', from: '203.0.113.5', assigned: '10.99.0.12' })
      .gateway(302, `${DAY} 09:02`, {
        user: 'vnd_yamada',
        client: '10.99.0.12',
        resource: 'APP01.city.local',
      });
    expect(fired(run(s))).toContain('jump_host_bypass:host:app01');
  });
});

describe('unregistered_source', () => {
  it("fires for a VPN session from outside the vendor's registered addresses", () => {
    expect(fired(run(visit(new Scenario(), { at: `${DAY} 09:01`, from: '192.0.2.10' })))).toContain(
      'unregistered_source:source:192.0.2.10',
    );
  });
  it('does not fire from a registered one', () => {
    expect(
      fired(run(visit(new Scenario(), { at: `${DAY} 09:01`, from: '203.0.113.14' }))).join(),
    ).not.toMatch(/unregistered_source/);
  });
  it("the approval's own source list, when given, is what counts", () => {
    const s = visit(new Scenario(), { at: `${DAY} 09:01`, from: '203.0.113.14' });
    expect(fired(run(s, [approved({ sources: ['203.0.113.5'] })]))).toContain(
      'unregistered_source:source:203.0.113.14',
    );
    expect(fired(run(s, [approved({ sources: ['203.0.113.14'] })])).join()).not.toMatch(
      /unregistered_source/,
    );
  });
});

describe('overlong_session', () => {
  it('fires for a session running past its window end', () => {
    const o = run(visit(new Scenario(), { at: `${DAY} 11:01`, minutes: 60 }));
    expect(fired(o)).toContain('overlong_session:window');
    expect(o.findings.find((f) => f.subject === 'window')?.message_en).toMatch(/ran 1 min past/);
  });
  it('does not fire for one ending a minute before it', () => {
    expect(fired(run(visit(new Scenario(), { at: `${DAY} 10:59`, minutes: 60 })))).not.toContain(
      'overlong_session:window',
    );
  });
  it('fires beyond the maximum session length, not within it', () => {
    const long = [
      approved({
        end: `${DAY} 23:00`,
        report: { start: `${DAY} 09:00`, end: `${DAY} 23:00`, targets: ['APP01'] },
      }),
    ];
    expect(fired(run(visit(new Scenario(), { at: `${DAY} 09:01`, minutes: 482 }), long))).toContain(
      'overlong_session:duration',
    );
    expect(fired(run(visit(new Scenario(), { at: `${DAY} 09:01`, minutes: 478 }), long))).not.toContain(
      'overlong_session:duration',
    );
  });
  it('an approval that ends while its session is still open gives the finding then', () => {
    const s = new Scenario()
      .asaConnect(`${DAY} 11:30`, { user: 'vnd_yamada', from: '203.0.113.5', assigned: '10.99.0.12' })
      .logon(`${DAY} 11:31`, 'JUMP01.city.local', {
        user: 'vnd_yamada',
        from: '10.99.0.12',
        logonId: '0x10',
      });
    const o = correlate(s.lines, { registry, approvals: [approved()], finish: false });
    expect(fired(o)).not.toContain('overlong_session:window');
    const later = o.correlator.advanceTo(Date.parse('2026-11-24T03:05:00Z') + 300_000);
    const f = later.findings.find((x) => x.rule === 'overlong_session');
    expect(f?.message_en).toMatch(/still connected past the end of approval R-1/);
  });
});

describe('idle_session', () => {
  it('fires for a remote desktop left disconnected past the idle limit', () => {
    expect(fired(run(disconnected(DAY, new Scenario(), 35))).join()).toMatch(/idle_session:disconnected/);
  });
  it('does not fire when it was resumed within the limit', () => {
    expect(fired(run(disconnected(DAY, new Scenario(), 25))).join()).not.toMatch(/idle_session/);
  });
  it('fires for a session that falls silent until the inactivity timeout closes it', () => {
    const s = new Scenario()
      .asaConnect(`${DAY} 09:01`, { user: 'vnd_yamada', from: '203.0.113.5', assigned: '10.99.0.12' })
      .logon(`${DAY} 09:02`, 'JUMP01.city.local', { user: 'vnd_yamada', from: '10.99.0.12', logonId: '0x10' })
      // Somebody else's traffic, a day later, moves event time past the timeout for connected sessions.
      .asaConnect('2026-11-25 09:30', { user: 'vnd_sato', from: '203.0.113.6', assigned: '10.99.0.13' });
    const o = run(s);
    const silent = o.sessions.find((x) => x.vpn_user === 'vnd_yamada');
    expect(silent).toMatchObject({
      status: 'closed',
      closed_by: 'inactivity',
      end: '2026-11-24T00:02:00.000Z',
    });
    expect(o.findings.some((f) => f.session_id === silent?.id && f.subject === 'abandoned')).toBe(true);
  });
});

describe('auth_failure_burst', () => {
  it('fires for five failures within ten minutes', () => {
    const o = run(failures(DAY, new Scenario(), 5));
    expect(fired(o)).toEqual(['auth_failure_burst:burst']);
    expect(o.findings[0]?.evidence).toHaveLength(5);
  });
  it('does not fire for four', () => {
    expect(fired(run(failures(DAY, new Scenario(), 4)))).toEqual([]);
  });
  it('fires for failures of several accounts from one source (guessing)', () => {
    const s = new Scenario();
    for (const [i, user] of ['admin', 'maint', 'hoshu', 'vendor', 'guest'].entries())
      s.asaLoginFailure(plus(`${DAY} 22:14`, i), { user, from: '192.0.2.66' });
    expect(fired(run(s))).toEqual(['auth_failure_burst:burst']);
  });
});

describe('concurrency_exceeded', () => {
  const approvals = [
    approved(),
    approved({ id: 'R-2', operator: sato }),
    approved({ id: 'R-3', operator: suzuki, vendor: 'vendor-b' }),
  ];
  it('fires on the session that made three at once (limit two)', () => {
    const o = run(three(DAY, new Scenario(), true), approvals);
    const f = o.findings.filter((x) => x.rule === 'concurrency_exceeded');
    expect(f).toHaveLength(1);
    expect(o.sessions.find((x) => x.id === f[0]?.session_id)?.vpn_user).toBe('vnd_suzuki');
  });
  it('does not fire for two', () => {
    expect(fired(run(three(DAY, new Scenario(), false), approvals))).not.toContain('concurrency_exceeded');
  });
  it('is withdrawn when the end of a session, arriving late, shows it was over before the third began', () => {
    const s = new Scenario()
      .asaConnect(`${DAY} 09:01`, { user: 'vnd_yamada', from: '203.0.113.5', assigned: '10.99.0.12' })
      .logon(`${DAY} 09:02`, 'JUMP01.city.local', {
        user: 'vnd_yamada',
        from: '10.99.0.12',
        logonId: '0x10',
      });
    three(DAY, new Scenario(), true)
      .lines.filter((l) => !l.text.includes('vnd_yamada') && !l.text.includes('0x3a1f'))
      .forEach((l) => s.lines.push(l));
    s.logoff(`${DAY} 09:03`, 'JUMP01.city.local', { user: 'vnd_yamada', logonId: '0x10' }).asaDisconnect(
      `${DAY} 09:03`,
      { user: 'vnd_yamada', from: '203.0.113.5' },
    );
    const o = correlate(s.lines, { registry, approvals, settings: { latenessSeconds: 86_400 } });
    const concurrency = o.written.filter((f) => f.rule === 'concurrency_exceeded');
    expect(concurrency.map((f) => f.status)).toEqual(['active', 'withdrawn']);
    expect(fired(o)).not.toContain('concurrency_exceeded');
  });
  it('names, beside the session, only those that held the terminals when it came', () => {
    const o = run(three(DAY, new Scenario(), true), approvals);
    const f = o.findings.find((x) => x.rule === 'concurrency_exceeded');
    expect(f?.evidence).toHaveLength(3);
    expect(f?.message).toContain('同時接続が 3 件');
  });
});

describe('frozen_vendor', () => {
  const frozen = (since: string) =>
    cityRegistry(
      REGISTRY_YAML.replace(
        '{ id: vendor-a, name: 株式会社サンプル保守, frozen: false,',
        `{ id: vendor-a, name: 株式会社サンプル保守, frozen: true, frozen_reason: 情報漏えい事案の調査中, frozen_since: "${since}",`,
      ),
    );
  it('fires for any activity of a frozen vendor', () => {
    const o = run(
      visit(new Scenario(), { at: `${DAY} 09:01` }),
      [approved()],
      frozen('2026-11-20T00:00:00Z'),
    );
    expect(o.findings.find((f) => f.rule === 'frozen_vendor')).toMatchObject({ severity: 'critical' });
  });
  it('does not fire for activity before the freeze', () => {
    const o = run(
      visit(new Scenario(), { at: `${DAY} 09:01` }),
      [approved()],
      frozen('2026-11-25T00:00:00Z'),
    );
    expect(fired(o)).not.toContain('frozen_vendor');
  });
});

describe('reconciliation', () => {
  it('unreported_session: a finished session whose approval has no work report', () => {
    const o = run(visit(new Scenario(), { at: `${DAY} 09:01` }), [approved({ report: undefined })]);
    expect(fired(o)).toEqual(['unreported_session']);
    expect(o.reconciliations[0]?.status).toBe('awaiting_report');
  });
  it('not when the report is in', () => {
    const o = run(visit(new Scenario(), { at: `${DAY} 09:01` }));
    expect(fired(o)).toEqual([]);
    expect(o.reconciliations[0]?.status).toBe('consistent');
  });
  it('report_mismatch: reported time off by more than the tolerance, not within it', () => {
    const report = (end: string) => [
      approved({ report: { start: `${DAY} 09:00`, end, targets: ['APP01'] } }),
    ];
    expect(fired(run(visit(new Scenario(), { at: `${DAY} 09:01` }), report(`${DAY} 09:30`)))).toContain(
      'report_mismatch:time',
    );
    expect(fired(run(visit(new Scenario(), { at: `${DAY} 09:01` }), report(`${DAY} 09:50`)))).not.toContain(
      'report_mismatch:time',
    );
  });
  it('report_mismatch: "no data taken out" against a detected file transfer', () => {
    const s = visit(new Scenario(), { at: `${DAY} 09:01` }).shareFile(`${DAY} 09:20`, 'APP01.city.local', {
      user: 'vnd_yamada',
      logonId: '0x3a1f21',
      from: '10.20.0.5',
      path: 'x.csv',
    });
    expect(fired(run(s))).toContain('report_mismatch:transfer');
  });
  it('report_mismatch: a server reached that the report does not name', () => {
    const s = visit(new Scenario(), {
      at: `${DAY} 09:01`,
      server: { name: 'DB01.city.local', ip: '10.20.1.22' },
    });
    expect(fired(run(s, [approved({ targets: ['APP01', 'DB01'] })]))).toContain('report_mismatch:targets');
  });
  it('an approval whose window passed with no session is reported as unused', () => {
    const o = run(new Scenario());
    expect(o.reconciliations[0]).toMatchObject({
      id: 'R-1',
      status: 'unused',
      discrepancies: [{ kind: 'no_session' }],
    });
  });
});
