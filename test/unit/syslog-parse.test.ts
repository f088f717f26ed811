import { describe, expect, it } from 'vitest';
import { parseSyslog, SyslogParseError } from '../../processors/normalize/syslog.ts';

const tokyo = (received: string, year?: number) => ({
  timezone: 'Asia/Tokyo',
  receivedAtMs: Date.parse(received),
  year,
});
const nov23 = tokyo('2026-11-23T01:00:00Z');

describe('RFC 5424, strictly', () => {
  it('reads every header field, structured data with escapes, and drops the BOM', () => {
    const m = parseSyslog(
      '<165>1 2026-11-23T10:15:03.123+09:00 fgt01.city.local sslvpn 4321 ID47 [exampleSDID@32473 iut="3" eventSource="Appl\\"ication\\]" eventID="1011"][meta seq="7"] \uFEFF山田 logged in',
      nov23,
    );
    expect(m).toEqual({
      format: 'rfc5424',
      facility: 20,
      severity: 5,
      timestamp: '2026-11-23T01:15:03.123Z',
      hostname: 'fgt01.city.local',
      appName: 'sslvpn',
      procId: '4321',
      msgId: 'ID47',
      structuredData: {
        'exampleSDID@32473': { iut: '3', eventSource: 'Appl"ication]', eventID: '1011' },
        meta: { seq: '7' },
      },
      message: '山田 logged in',
    });
  });

  it('"-" is a nil value, and a message may be absent', () => {
    const m = parseSyslog('<14>1 - - - - - -', nov23);
    expect(m).toMatchObject({
      timestamp: undefined,
      hostname: undefined,
      appName: undefined,
      message: '',
      structuredData: {},
    });
  });

  it('a line that claims version 1 but breaks the grammar is refused with a reason', () => {
    expect(() => parseSyslog('<14>1 yesterday host app - - - msg', nov23)).toThrow(/bad TIMESTAMP/);
    expect(() => parseSyslog('<14>1 2026-11-23T01:00:00Z host app - - [x a=b] msg', nov23)).toThrow(
      /not quoted/,
    );
    expect(() => parseSyslog('<14>1 2026-11-23T01:00:00Z host app - - [x a="b" msg', nov23)).toThrow(
      SyslogParseError,
    );
    expect(() => parseSyslog('<999>1 2026-11-23T01:00:00Z h a - - - m', nov23)).toThrow(/out of range/);
  });
});

describe('RFC 3164 and device dialects, leniently', () => {
  it('a BSD timestamp is Japan time by default and stored in UTC', () => {
    const m = parseSyslog('<134>Nov 23 10:15:03 asa01 %ASA-6-113039: started', nov23);
    expect(m).toMatchObject({
      timestamp: '2026-11-23T01:15:03.000Z',
      hostname: 'asa01',
      facility: 16,
      severity: 6,
    });
    expect(m.message).toBe('%ASA-6-113039: started');
  });

  it('a December line read in early January belongs to last year', () => {
    const m = parseSyslog(
      '<134>Dec 31 23:59:58 rtx01 [L2TP] TUNNEL[1] connected',
      tokyo('2027-01-01T00:00:05Z'),
    );
    expect(m.timestamp).toBe('2026-12-31T14:59:58.000Z');
  });

  it('a device clock a little ahead still counts as this year', () => {
    expect(parseSyslog('Nov 23 10:30:00 h x', tokyo('2026-11-23T01:00:00Z')).timestamp).toBe(
      '2026-11-23T01:30:00.000Z',
    );
  });

  it('the per-source zone applies (a router logging UTC)', () => {
    const m = parseSyslog('<134>Nov 23 10:15:03 asa01 msg', {
      timezone: 'UTC',
      receivedAtMs: Date.parse('2026-11-23T11:00:00Z'),
    });
    expect(m.timestamp).toBe('2026-11-23T10:15:03.000Z');
  });

  it('a year in the timestamp (Cisco ASA) wins over inference; a fixed year applies when there is none', () => {
    expect(
      parseSyslog('Oct 10 2018 12:34:56 localhost CiscoASA[999]: %ASA-4-113029: x', nov23),
    ).toMatchObject({
      timestamp: '2018-10-10T03:34:56.000Z',
      hostname: 'localhost',
      appName: 'CiscoASA',
      procId: '999',
      message: '%ASA-4-113029: x',
    });
    expect(parseSyslog('Jun 21 11:17:33 h openvpn: x', tokyo('2026-11-23T00:00:00Z', 2024)).timestamp).toBe(
      '2024-06-21T02:17:33.000Z',
    );
  });

  it('"host : message" (ASA without a tag) and ISO timestamps with offsets', () => {
    expect(parseSyslog('<166>Aug 20 2026 08:53:11 asa-vpn-01 : %ASA-6-751025: Local:x', nov23)).toMatchObject(
      {
        hostname: 'asa-vpn-01',
        message: '%ASA-6-751025: Local:x',
      },
    );
    expect(parseSyslog('<30>2024-02-18T02:29:57+08:00 gw charon: 06[IKE] x', nov23)).toMatchObject({
      timestamp: '2024-02-17T18:29:57.000Z',
      hostname: 'gw',
      appName: 'charon',
      message: '06[IKE] x',
    });
  });

  it('a first word that is a tag means the host was left out', () => {
    expect(parseSyslog('<13>Nov 23 10:00:00 openvpn[30264]: 1.2.3.4:41445 peer info', nov23)).toMatchObject({
      hostname: undefined,
      appName: 'openvpn',
      procId: '30264',
      message: '1.2.3.4:41445 peer info',
    });
  });

  it('log-file timestamps (OpenVPN, Yamaha RTX) are local time, with no host taken from the text', () => {
    expect(parseSyslog('2024-12-15 14:10:00 OpenVPN 2.6.3 x86_64-linux-gnu started', nov23)).toMatchObject({
      timestamp: '2024-12-15T05:10:00.000Z',
      hostname: undefined,
      message: 'OpenVPN 2.6.3 x86_64-linux-gnu started',
    });
    expect(
      parseSyslog("1980/01/01 09:23:14: 'administrator' succeeded for Serial user", nov23),
    ).toMatchObject({
      timestamp: '1980-01-01T00:23:14.000Z',
      message: "'administrator' succeeded for Serial user",
    });
  });

  it('a line with no header at all is all message, and no time', () => {
    const m = parseSyslog('date=2016-06-15 time=10:42:31 devname=FGT logid=0101039424', nov23);
    expect(m).toMatchObject({
      timestamp: undefined,
      hostname: undefined,
      message: 'date=2016-06-15 time=10:42:31 devname=FGT logid=0101039424',
    });
    expect(parseSyslog('<166>:: %ASA-6-113039: x', nov23)).toMatchObject({
      timestamp: undefined,
      facility: 20,
    });
  });

  it('a PAN-OS CSV body is not mistaken for a host name', () => {
    expect(parseSyslog('Nov 30 16:09:08 1,2021/03/24 11:30:00,0131,GLOBALPROTECT,0', nov23)).toMatchObject({
      hostname: undefined,
      message: '1,2021/03/24 11:30:00,0131,GLOBALPROTECT,0',
    });
  });

  it('an impossible date is refused', () => {
    expect(() => parseSyslog('2024-13-45 10:00:00 x', nov23)).toThrow(/impossible time/);
  });
});
