// Every file of the shared corpus goes through the normaliser without a crash, and where a peer project
// published its expected output, our fields agree with it (deliberate differences: processors/normalize/PEERS.md).
import { existsSync, readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseFiles } from '../../cli/parse.ts';
import type { CanonicalEvent, DeadLetter } from '../../model/index.ts';
import { readRecords } from '../../processors/normalize/files.ts';
import { Normalizer } from '../../processors/normalize/normalize.ts';
import { corpus, corpusAvailable, corpusFiles } from '../support/corpus.ts';

const sink = () =>
  new Writable({
    write(_chunk, _enc, done) {
      done();
    },
  });

/** Collects the dead letters `rmwatch parse` writes (its last line is the summary). */
const collect = (letters: DeadLetter[]) =>
  new Writable({
    write(chunk: Buffer, _enc, done) {
      const line = chunk.toString();
      if (line.startsWith('{')) letters.push(JSON.parse(line) as DeadLetter);
      done();
    },
  });

/** Normalises one file; returns per line (1-based) the first event, or the dead-letter reason. */
function normalizeFile(relative: string, tz = 'UTC', year?: number): Map<number, CanonicalEvent | string> {
  const normalizer = new Normalizer();
  const out = new Map<number, CanonicalEvent | string>();
  for (const record of readRecords(corpus(relative), { format: 'auto', timezone: tz, year })) {
    const result = normalizer.normalize(record);
    out.set(record.file?.line ?? 0, result.ok ? (result.events[0] as CanonicalEvent) : result.error);
  }
  return out;
}
const events = (m: Map<number, CanonicalEvent | string>) =>
  [...m.values()].filter((v): v is CanonicalEvent => typeof v !== 'string');

/** The raw events of a Wazuh rule-test file: each `log N pass = <raw>` line. */
function wazuhPayloads(relative: string): string[] {
  return readFileSync(corpus(relative), 'utf8')
    .split('\n')
    .map((l) => /^log \d+ (?:pass|fail) = (.*)$/.exec(l)?.[1])
    .filter((l): l is string => l !== undefined);
}

function normalizeLine(line: string, tz = 'UTC') {
  return new Normalizer().normalize({
    bytes: Buffer.from(line),
    meta: {
      received_at: '2026-11-23T00:00:00.000Z',
      peer: '192.0.2.1',
      transport: 'file',
      charset: 'utf-8',
      format: 'syslog',
      timezone: tz,
    },
  });
}

describe.skipIf(!corpusAvailable)('shared corpus', () => {
  it('every file parses with zero crashes, and every record is an event or a dead letter', () => {
    const files = corpusFiles().filter((f) => !f.endsWith('SOURCES.md'));
    expect(files.length).toBeGreaterThan(40);
    for (const file of files) {
      const summary = parseFiles([file], { format: 'auto', tz: 'Asia/Tokyo' }, sink(), sink());
      expect(summary.events + summary.deadLetters, file).toBeGreaterThanOrEqual(summary.records);
      expect(summary.deadLetters, file).toBeLessThanOrEqual(summary.records);
    }
  });

  it('every record of the raw logs and XML renderings is recognised (only binary .evtx and rule files are not)', () => {
    const raw = corpusFiles().filter((f) => /\.(log|txt|evtx\.xml)$/.test(f) || f.endsWith('4779.json'));
    for (const file of raw) {
      const summary = parseFiles([file], { format: 'auto', tz: 'Asia/Tokyo' }, sink(), sink());
      expect(summary.deadLetters, file).toBe(0);
    }
  });

  it('a binary .evtx gives the same events as its XML rendering (only the message layout and the file differ)', () => {
    const binaries = corpusFiles().filter((f) => f.endsWith('.evtx') && existsSync(`${f}.xml`));
    expect(binaries.length).toBeGreaterThan(10);
    const comparable = (file: string) =>
      readRecords(file, { format: 'auto', timezone: 'UTC' }).map((record) => {
        const result = new Normalizer().normalize(record);
        if (!result.ok) return result.error;
        return result.events.map(({ message: _message, log: _log, ...event }) => event);
      });
    for (const file of binaries) {
      const fromBinary = comparable(file);
      expect(fromBinary.length, file).toBeGreaterThan(0);
      expect(fromBinary, file).toEqual(comparable(`${file}.xml`));
    }
  });

  it('an .evtx the decoder cannot read is dead-lettered record by record, each with its own bytes', () => {
    const letters: DeadLetter[] = [];
    const summary = parseFiles(
      [corpus('windows/terminalservices/evtx-to-mitre-attack/ID1149_RDP_success_logins_multiple_hosts.evtx')],
      { format: 'auto', tz: 'UTC' },
      sink(),
      collect(letters),
    );
    expect(summary).toEqual({ records: 11, events: 0, deadLetters: 11 });
    for (const letter of letters) {
      expect(letter.error).toMatch(/^\.evtx record \d+ could not be decoded/);
      // An EVTX record starts with its signature 0x2a2a0000.
      expect(Buffer.from(letter.raw, 'base64').subarray(0, 4)).toEqual(Buffer.from([0x2a, 0x2a, 0, 0]));
    }
  });

  it('the VPN events in the Wazuh rule tests are recognised', () => {
    const vpnPayloads = [
      ...wazuhPayloads('vpn/fortigate/wazuh/fortigate.ini').filter((l) => /subtype="?vpn/.test(l)),
      ...wazuhPayloads('vpn/cisco-asa/wazuh/cisco_asa.ini').filter((l) =>
        /%ASA-\d-(113|716|722)\d{3}/.test(l),
      ),
    ];
    expect(vpnPayloads.length).toBeGreaterThan(5);
    for (const line of vpnPayloads) expect(normalizeLine(line).ok, line).toBe(true);
    const up = wazuhPayloads('vpn/fortigate/wazuh/fortigate.ini').find((l) => l.includes('logid=0101039947'));
    const down = wazuhPayloads('vpn/fortigate/wazuh/fortigate.ini').find((l) =>
      l.includes('logid=0101039948'),
    );
    const [start] = (normalizeLine(up ?? '') as { events: CanonicalEvent[] }).events;
    const [end] = (normalizeLine(down ?? '') as { events: CanonicalEvent[] }).events;
    expect(start).toMatchObject({
      event: { action: 'vpn_session_start' },
      user: { name: 'my_user_name' },
      source: { ip: '9.8.7.7' },
      vpn: { assigned_ip: '1.2.4.6' },
    });
    expect(end).toMatchObject({
      event: { action: 'vpn_session_end' },
      network: { bytes_out: 2284, bytes_in: 2630 },
      session: { duration_s: 147 },
    });
  });
});

interface ElasticDoc {
  '@timestamp': string;
  event: { code?: string; outcome?: string };
  source?: { ip?: string; nat?: { ip?: string }; user?: { name?: string } };
  destination?: { ip?: string };
  user?: { name?: string; domain?: string };
  host?: { name?: string };
  cisco?: { asa?: { assigned_ip?: string } };
}
const expected = (relative: string) =>
  (JSON.parse(readFileSync(corpus(relative), 'utf8')) as { expected: ElasticDoc[] }).expected;

describe.skipIf(!corpusAvailable)('agreement with Elastic integrations expected output', () => {
  it('Cisco ASA AnyConnect: time, source address, user, outcome', () => {
    const ours = normalizeFile('vpn/cisco-asa/elastic-integrations/test-anyconnect-messages.log');
    expected('vpn/cisco-asa/elastic-integrations/test-anyconnect-messages.log-expected.json').forEach(
      (theirs, i) => {
        const e = ours.get(i + 1) as CanonicalEvent;
        expect(e['@timestamp'], `line ${i + 1}`).toBe(theirs['@timestamp']);
        expect(e.source?.ip, `line ${i + 1}`).toBe(theirs.source?.ip);
        expect(e.user?.name, `line ${i + 1}`).toBe(theirs.source?.user?.name ?? theirs.user?.name);
        if (e.event.outcome !== 'unknown')
          expect(e.event.outcome, `line ${i + 1}`).toBe(theirs.event.outcome);
      },
    );
  });

  it('Cisco ASA 751025: the client (Remote) is our source, Elastic calls it destination; assigned address agrees', () => {
    const ours = normalizeFile('vpn/cisco-asa/elastic-integrations/test-751025-vpn-session.log');
    expected('vpn/cisco-asa/elastic-integrations/test-751025-vpn-session.log-expected.json').forEach(
      (theirs, i) => {
        const e = ours.get(i + 1) as CanonicalEvent;
        expect(e['@timestamp']).toBe(theirs['@timestamp']);
        expect(e.source?.ip).toBe(theirs.destination?.ip);
        expect(e.vpn?.assigned_ip).toBe(theirs.cisco?.asa?.assigned_ip);
        expect(e.event.action).toBe('vpn_session_start');
      },
    );
  });

  it('Palo Alto GlobalProtect: our source is their source.nat.ip (public), our assigned address their source.ip', () => {
    const ours = normalizeFile('vpn/paloalto/elastic-integrations/test-panw-panos-globalprotect-sample.log');
    expected(
      'vpn/paloalto/elastic-integrations/test-panw-panos-globalprotect-sample.log-expected.json',
    ).forEach((theirs, i) => {
      const e = ours.get(i + 1) as CanonicalEvent;
      const unset = (ip?: string) => (ip === '0.0.0.0' ? undefined : ip);
      expect(e.source?.ip, `line ${i + 1}`).toBe(unset(theirs.source?.nat?.ip));
      expect(e.vpn?.assigned_ip, `line ${i + 1}`).toBe(unset(theirs.source?.ip));
      expect(e.user?.name, `line ${i + 1}`).toBe(theirs.source?.user?.name);
      expect(e.event.outcome, `line ${i + 1}`).toBe(theirs.event.outcome);
    });
  });

  it('Windows 4779 from Winlogbeat: RDP disconnect, client address, account, host', () => {
    const ours = events(
      normalizeFile('windows/security/elastic-integrations/test-security-windows2012-4779.json'),
    );
    const [theirs] = expected(
      'windows/security/elastic-integrations/test-security-windows2012-4779.json-expected.json',
    );
    expect(ours[0]).toMatchObject({
      '@timestamp': theirs?.['@timestamp'],
      event: { action: 'rdp_disconnect' },
      source: { ip: theirs?.source?.ip },
      user: { name: theirs?.user?.name, domain: theirs?.user?.domain },
      host: { name: theirs?.host?.name },
    });
  });
});

/** `results[…]["parser"][i].Evt.Meta["field"] == "value"` lines of a CrowdSec assert file, for one parser. */
function crowdsecMeta(relative: string, parser: string, field: string): Map<number, string> {
  const out = new Map<number, string>();
  const pattern = new RegExp(
    `\\["${parser.replace('/', '\\/')}"\\]\\[(\\d+)\\]\\.Evt\\.Meta\\["${field}"\\] == "([^"]*)"`,
  );
  for (const line of readFileSync(corpus(relative), 'utf8').split('\n')) {
    const m = pattern.exec(line);
    if (m) out.set(Number(m[1]), m[2] as string);
  }
  return out;
}

describe.skipIf(!corpusAvailable)('agreement with CrowdSec hub parser assertions', () => {
  it('FortiGate SSL-VPN login failures: source address and user', () => {
    const ours = normalizeFile('vpn/fortigate/crowdsec-hub/fortinet-vpn-bf.log');
    const ips = crowdsecMeta(
      'vpn/fortigate/crowdsec-hub/fortinet-vpn-bf.parser.assert',
      'crowdsecurity/fortinet-logs',
      'source_ip',
    );
    const users = crowdsecMeta(
      'vpn/fortigate/crowdsec-hub/fortinet-vpn-bf.parser.assert',
      'crowdsecurity/fortinet-logs',
      'target_user',
    );
    expect(ips.size).toBe(9);
    for (const [i, ip] of ips) {
      const e = ours.get(i + 1) as CanonicalEvent;
      expect(e).toMatchObject({ event: { action: 'vpn_auth_failure', outcome: 'failure' }, source: { ip } });
      // CrowdSec keeps "N/A"; we leave the user out.
      expect(e.user?.name ?? 'N/A').toBe(users.get(i));
    }
  });

  it('OpenVPN failures: the client address', () => {
    const ours = normalizeFile('vpn/openvpn/crowdsec-hub/openvpn.log');
    const ips = crowdsecMeta(
      'vpn/openvpn/crowdsec-hub/openvpn.parser.assert',
      'pserranoa/openvpn',
      'source_ip',
    );
    expect(ips.size).toBeGreaterThan(3);
    for (const [i, ip] of ips) {
      const e = ours.get(i + 1) as CanonicalEvent;
      expect(e.source?.ip, `line ${i + 1}`).toBe(ip);
      expect(e.event.action, `line ${i + 1}`).toBe('vpn_auth_failure');
    }
  });
});
