// What the normaliser must get right for the rules downstream, read off the families' fixtures.
import { describe, expect, it } from 'vitest';
import type { CanonicalEvent } from '../../model/index.ts';
import { Normalizer } from '../../processors/normalize/normalize.ts';
import { NORMALIZE_DIR, normalizeFixture } from '../support/fixtures.ts';

const fixture = (name: string): CanonicalEvent[] =>
  normalizeFixture(`${NORMALIZE_DIR}/${name}`).map((r) => {
    if (!Array.isArray(r)) throw new Error(`${name}: ${r.error}`);
    return r[0] as CanonicalEvent;
  });
const byAction = (events: CanonicalEvent[], action: string) =>
  events.filter((e) => e.event.action === action);

describe('VPN layer', () => {
  it('an ASA session end carries its duration, and the bytes the client uploaded as bytes_in', () => {
    const end = byAction(fixture('cisco-asa/test/anyconnect-session.log'), 'vpn_session_end').find(
      (e) => e.network,
    );
    expect(end).toMatchObject({
      network: { bytes_in: 1203344, bytes_out: 48211034 },
      session: { duration_s: 3810 },
    });
  });

  it('an ASA session line cut short before it names the user is a dead letter, not a session of nobody', () => {
    const full =
      '<166>Nov 23 2026 09:58:41 asa01 : %ASA-6-113039: Group <GP_MAINT> User <vnd_yamada> IP <203.0.113.5> AnyConnect parent session started.';
    const normalize = (line: string) =>
      new Normalizer().normalize({
        bytes: Buffer.from(line),
        meta: {
          received_at: '2026-11-23T00:58:42.000Z',
          peer: 'asa01',
          transport: 'tcp',
          charset: 'utf-8',
          format: 'syslog',
          timezone: 'Asia/Tokyo',
        },
      });
    expect(normalize(full)).toMatchObject({ ok: true, events: [{ user: { name: 'vnd_yamada' } }] });
    for (const cut of [full.indexOf('User <') + 8, full.indexOf(' IP <') + 3, full.indexOf('113039:') + 8])
      expect(normalize(full.slice(0, cut))).toEqual({
        ok: false,
        error: 'vpn.cisco_asa: recognised but not parsable',
      });
    const end =
      '<166>Nov 23 2026 11:02:10 asa01 : %ASA-4-113019: Group = GP_MAINT, Username = vnd_yamada, IP = 203.0.113.5, Session disconnected. Session Type: SSL, Duration: 1h:03m:30s, Bytes xmt: 48211034, Bytes rcv: 1203344, Reason: User Requested';
    expect(normalize(end)).toMatchObject({ ok: true });
    expect(normalize(end.slice(0, end.indexOf('Duration')))).toMatchObject({ ok: false });
  });

  it('the VPN-assigned address is kept: it is where the RDP logons later come from', () => {
    const starts = [
      ...byAction(fixture('cisco-asa/test/anyconnect-session.log'), 'vpn_session_start'),
      ...byAction(fixture('fortigate/test/sslvpn-ipsec.log'), 'vpn_session_start'),
      ...byAction(fixture('paloalto/test/globalprotect.log'), 'vpn_session_start'),
      ...byAction(fixture('openvpn/test/server.log'), 'vpn_session_start'),
      ...byAction(fixture('strongswan/test/charon.log'), 'vpn_session_start'),
    ];
    expect(starts.map((e) => e.vpn?.assigned_ip).filter(Boolean)).toEqual(
      expect.arrayContaining([
        '10.99.0.12',
        '10.99.0.31',
        '10.99.0.44',
        '10.99.2.15',
        '10.8.0.6',
        '10.99.1.5',
      ]),
    );
  });

  it('a Yamaha RTX session start joins the user of the call line, the peer of the tunnel line and the IPCP address', () => {
    const [start] = byAction(fixture('yamaha-rtx/test/l2tp-remote-access.log'), 'vpn_session_start');
    const [end] = byAction(fixture('yamaha-rtx/test/l2tp-remote-access.log'), 'vpn_session_end');
    const session = {
      user: { name: 'vnd_sato' },
      source: { ip: '203.0.113.44' },
      vpn: { assigned_ip: '192.168.100.202' },
    };
    expect(start).toMatchObject(session);
    expect(end).toMatchObject(session);
  });

  it('failed VPN logins are failures with the account tried and where from', () => {
    for (const name of [
      'cisco-asa/test/anyconnect-session.log',
      'fortigate/test/sslvpn-ipsec.log',
      'paloalto/test/globalprotect.log',
      'yamaha-rtx/test/l2tp-remote-access.log',
    ]) {
      const failures = byAction(fixture(name), 'vpn_auth_failure');
      expect(failures.length, name).toBeGreaterThan(0);
      for (const f of failures)
        expect(f, name).toMatchObject({
          event: { outcome: 'failure' },
          user: { name: expect.any(String) },
          source: { ip: expect.any(String) },
        });
    }
  });

  it('device times are Japan time unless the device says otherwise, and stored in UTC', () => {
    expect(fixture('fortigate/test/sslvpn-ipsec.log')[0]?.['@timestamp']).toBe('2026-11-23T00:30:01.000Z');
    expect(fixture('paloalto/test/globalprotect.log')[1]?.['@timestamp']).toBe('2026-11-23T00:20:00.000Z');
  });
});

describe('Windows and RD Gateway layers', () => {
  const security = fixture('windows/test/security.xml');

  it('4624 logon type 10 is an RDP logon, with its LogonId and client address', () => {
    expect(security[0]).toMatchObject({
      event: { action: 'rdp_logon' },
      host: { name: 'JUMP01.city.local' },
      source: { ip: '10.99.0.12' },
      winlog: { logon: { id: '0x3a1f2', type: 10 } },
    });
  });

  it('4624 logon type 7 right after a 4778 is the reconnect', () => {
    expect(security[2]).toMatchObject({ event: { action: 'rdp_reconnect' }, winlog: { logon: { type: 7 } } });
  });

  it('4648 names the server the jump terminal went on to', () => {
    expect(byAction(security, 'explicit_credentials')[0]).toMatchObject({
      host: { name: 'JUMP01.city.local' },
      destination: { domain: 'APP01.city.local', ip: '10.20.1.21' },
    });
  });

  it('share and file access keep the share, the path (Japanese intact) and the account', () => {
    expect(byAction(security, 'share_file_access')[0]).toMatchObject({
      share: { name: '\\\\*\\C$' },
      file: { path: '住民データ\\export_202611.csv' },
      user: { name: 'vnd_yamada' },
    });
  });

  it('a file under \\Device\\Mup\\tsclient\\ is drive redirection from the client', () => {
    expect(byAction(security, 'device_redirection')[0]?.file?.path).toMatch(/^\\Device\\Mup\\tsclient\\/);
  });

  it('1149 and LocalSessionManager 21–25 map to the RDP life cycle', () => {
    expect(fixture('windows/test/terminalservices.xml').map((e) => e.event.action)).toEqual([
      'rdp_auth_success',
      'rdp_logon',
      'other',
      'rdp_disconnect',
      'rdp_reconnect',
      'rdp_logoff',
      'rdp_logon',
    ]);
  });

  it('RD Gateway: authorisation, connection, and the disconnect with upload bytes and duration', () => {
    const gw = fixture('windows/test/rdgateway.xml');
    expect(gw.map((e) => e.event.action)).toEqual([
      'gateway_authorized',
      'gateway_authorized',
      'gateway_connect',
      'gateway_disconnect',
      'gateway_denied',
      'gateway_denied',
      'gateway_denied',
      'gateway_disconnect',
      'gateway_disconnect',
      'gateway_disconnect',
    ]);
    expect(gw[3]).toMatchObject({
      source: { ip: '10.99.0.12' },
      destination: { domain: 'JUMP01.city.local' },
      network: { bytes_in: 52428800, bytes_out: 310000000 },
      session: { duration_s: 3779 },
    });
  });

  it('the same Windows event from two shippers (event XML, Winlogbeat) is one event id', () => {
    const asWinlogbeat = {
      '@timestamp': '2026-11-23T00:59:12.000Z',
      winlog: {
        channel: 'Security',
        provider_name: 'Microsoft-Windows-Security-Auditing',
        computer_name: 'JUMP01.city.local',
        event_id: 4624,
        record_id: 90001,
        time_created: '2026-11-23T00:59:10.123Z',
        event_data: {
          TargetUserName: 'vnd_yamada',
          TargetDomainName: 'CITY',
          TargetLogonId: '0x3a1f2',
          LogonType: '10',
          IpAddress: '10.99.0.12',
          IpPort: '51022',
        },
      },
    };
    const bytes = Buffer.from(JSON.stringify(asWinlogbeat));
    const result = new Normalizer().normalize({
      bytes,
      meta: {
        received_at: '2026-11-23T01:00:00.000Z',
        peer: '10.20.0.5',
        transport: 'http',
        charset: 'utf-8',
        format: 'winlogbeat',
        timezone: 'Asia/Tokyo',
      },
    });
    expect(result.ok && result.events[0]?.event.id).toBe(security[0]?.event.id);
  });
});

describe('Windows events in Snare format over syslog', () => {
  const outcomes = normalizeFixture(`${NORMALIZE_DIR}/windows/test/snare-over-syslog.log`);
  const snare = outcomes.flatMap((r) => (Array.isArray(r) ? [r[0] as CanonicalEvent] : []));

  it('read as the same actions as event XML: logon, onward logon, redirection, share, disconnect, reconnect, logoff, failure', () => {
    expect(snare.slice(0, 8).map((e) => e.event.action)).toEqual([
      'rdp_logon',
      'explicit_credentials',
      'device_redirection',
      'share_file_access',
      'rdp_disconnect',
      'rdp_reconnect',
      'rdp_logoff',
      'logon_failure',
    ]);
  });

  it('the fields come from the message under the right heading: the new logon, not the subject', () => {
    expect(snare[0]).toMatchObject({
      user: { name: 'vnd_sato', domain: 'CITY' },
      source: { ip: '10.20.0.5' },
      winlog: { logon: { id: '0x8a21f', type: 10 } },
    });
    expect(snare[1]).toMatchObject({
      destination: { domain: 'APP02.city.local', ip: '10.30.1.12', port: 3389 },
    });
    expect(snare[7]).toMatchObject({ user: { name: 'administrator' }, source: { ip: '10.20.0.9' } });
  });

  it("Snare's time is the host's local time (Japan), stored in UTC", () => {
    expect(snare[0]?.['@timestamp']).toBe('2026-11-23T01:15:03.000Z');
  });

  it('a "Failure Audit" share access is a failed access', () => {
    expect(snare[3]).toMatchObject({
      event: { outcome: 'failure' },
      file: { path: 'Users\\Public\\export.csv' },
    });
  });

  it('TerminalServices and the RD Gateway sentences give user, client address, resource, bytes and duration', () => {
    expect(snare.slice(8, 12).map((e) => e.event.action)).toEqual([
      'rdp_auth_success',
      'rdp_logon',
      'gateway_connect',
      'gateway_disconnect',
    ]);
    expect(snare[11]).toMatchObject({
      user: { name: 'vnd_sato' },
      source: { ip: '10.20.0.5' },
      destination: { domain: 'JUMP01.city.local' },
      // What the client transferred is what it uploaded: bytes_in, as with the event XML.
      network: { bytes_in: 5812399, bytes_out: 90210 },
      session: { duration_s: 1805 },
    });
  });

  it('messages rendered by Japanese Windows are read through their Japanese labels', () => {
    expect(snare[12]).toMatchObject({
      event: { action: 'rdp_logon' },
      user: { name: 'vnd_sato', domain: 'CITY' },
      source: { ip: '10.30.0.10' },
      winlog: { logon: { id: '0x51c2a', type: 10 } },
    });
  });

  it('a Snare line cut short is a dead letter that says how many fields it had', () => {
    expect(outcomes.at(-1)).toEqual({ error: 'Snare event with 5 of its 14 or more tab-separated fields' });
  });
});

describe('audit outcome', () => {
  it('an event XML share access whose Keywords carry Audit Failure is a failed access', () => {
    const xml = `<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System><Provider Name="Microsoft-Windows-Security-Auditing"/><EventID>5140</EventID><Keywords>0x8010000000000000</Keywords><TimeCreated SystemTime="2026-11-23T01:00:00.000Z"/><EventRecordID>7</EventRecordID><Channel>Security</Channel><Computer>APP02</Computer></System><EventData><Data Name="SubjectUserName">vnd_sato</Data><Data Name="ShareName">\\\\*\\ADMIN$</Data></EventData></Event>`;
    const result = new Normalizer().normalize({
      bytes: Buffer.from(xml),
      meta: {
        received_at: '2026-11-23T01:00:01.000Z',
        peer: 'APP02',
        transport: 'file',
        charset: 'utf-8',
        format: 'evtxml',
        timezone: 'UTC',
      },
    });
    expect(result.ok && result.events[0]?.event).toMatchObject({
      action: 'share_access',
      outcome: 'failure',
    });
  });
});
