// rsyslog, the relay most sites already run, forwards to the collector over TCP and TLS (RFC 5425),
// with a client certificate the collector checks.
import { createServer } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOPICS, topicName } from '../../infra/topics.ts';
import { fromHeaders } from '../../model/index.ts';
import { runCommand } from '../../infra/stack/processes.ts';
import { createHarness, type Harness, readFrames, setupNamespace } from '../support/harness.ts';
import { makeCertificates, startRsyslog, type Certificates } from '../support/rsyslog.ts';
import { startCollector } from '../support/syslog.ts';

let h: Harness;
let certs: Certificates;
beforeAll(async () => {
  h = createHarness('rsyslog');
  await setupNamespace(h);
  certs = await makeCertificates();
});
afterAll(async () => {
  await h.cleanup();
});

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** rsyslog takes UDP from `logger` on `inPort` and forwards everything with `forward` (an omfwd action). */
const relayConfig = (inPort: number, global: string, forward: string) => (dir: string) => `
global(workDirectory="${dir}" ${global})
module(load="imudp")
input(type="imudp" address="127.0.0.1" port="${inPort}")
action(type="omfwd" target="127.0.0.1" protocol="tcp" ${forward}
       template="RSYSLOG_SyslogProtocol23Format" action.resumeRetryCount="-1")
`;

async function sendThrough(inPort: number, tag: string, lines: string[]): Promise<void> {
  // One logger per line keeps each datagram small and the order of sending explicit.
  for (const line of lines)
    await runCommand('logger', ['-n', '127.0.0.1', '-P', String(inPort), '-d', '-t', tag, line]);
}

/** The forwarded message from its first word on (rsyslog adds an RFC 5424 header and structured data). */
const message = (value: Buffer | null, tag: string) => {
  const text = value?.toString('utf8') ?? '';
  return text.slice(text.indexOf(`${tag} %ASA`));
};

const lines = (tag: string) =>
  Array.from(
    { length: 50 },
    (_, i) => `${tag} %ASA-6-113039: Group <VPN> User <vnd_${i}> IP <203.0.113.5> 作業 ${i}`,
  );

describe('rsyslog forwarding into the collector', () => {
  it('over TCP, records arrive intact and in order', async () => {
    const { collector, tcpPort } = await startCollector(h, { udp: null });
    const inPort = await freePort();
    const relay = await startRsyslog(
      relayConfig(inPort, '', `port="${tcpPort}" TCP_Framing="octet-counted"`),
    );
    try {
      await sendThrough(inPort, 'relaytcp', lines('tcp'));
      const got = (
        await readFrames(
          h,
          topicName(h.config, TOPICS.rawSyslog),
          (rs) => rs.filter((r) => r.value?.includes('relaytcp')).length >= 50,
        )
      ).filter((r) => r.value?.includes('relaytcp'));
      expect(got.map((r) => message(r.value, 'tcp'))).toEqual(lines('tcp'));
      expect(got.every((r) => /^<\d+>1 /.test(r.value?.toString() ?? ''))).toBe(true);
    } finally {
      await relay.stop();
      await collector.close();
    }
  });

  it('over TLS with a client certificate the collector requires', async () => {
    const { collector, tlsPort } = await startCollector(h, {
      udp: null,
      tcp: null,
      tls: {
        host: '127.0.0.1',
        port: 0,
        certFile: certs.serverCert,
        keyFile: certs.serverKey,
        caFile: certs.ca,
        clientCertificate: 'require',
      },
    });
    const inPort = await freePort();
    const relay = await startRsyslog(
      relayConfig(
        inPort,
        `DefaultNetstreamDriverCAFile="${certs.ca}" DefaultNetstreamDriverCertFile="${certs.clientCert}" DefaultNetstreamDriverKeyFile="${certs.clientKey}"`,
        `port="${tlsPort}" StreamDriver="gtls" StreamDriverMode="1" StreamDriverAuthMode="x509/name" StreamDriverPermittedPeers="localhost" TCP_Framing="octet-counted"`,
      ),
    );
    try {
      await sendThrough(inPort, 'relaytls', lines('tls'));
      const got = (
        await readFrames(
          h,
          topicName(h.config, TOPICS.rawSyslog),
          (rs) => rs.filter((r) => r.value?.includes('relaytls')).length >= 50,
        )
      ).filter((r) => r.value?.includes('relaytls'));
      expect(got.map((r) => message(r.value, 'tls'))).toEqual(lines('tls'));
      expect(fromHeaders(got[0]?.headers ?? {}).transport).toBe('tls');

      // A sender without a client certificate is turned away at the handshake.
      const refused = await new Promise<string>((resolve) => {
        const s = tlsConnect(
          { port: tlsPort, host: '127.0.0.1', ca: readFileSync(certs.ca), servername: 'localhost' },
          () => {
            s.write('<134>Nov 23 10:00:00 nocert should not pass\n');
          },
        );
        s.on('error', (err) => resolve(err.message));
        s.on('close', () => resolve('closed'));
      });
      expect(refused).toMatch(/certificate|closed|alert|reset/i);
      await new Promise((r) => setTimeout(r, 500));
      expect(collector.counters.get('received')).toBe(50);
    } finally {
      await relay.stop();
      await collector.close();
    }
  });
});
