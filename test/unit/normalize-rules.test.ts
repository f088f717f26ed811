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
