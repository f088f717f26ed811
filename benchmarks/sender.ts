// Load generator, run as its own process: realistic VPN syslog lines (~200 bytes) over TCP or UDP, as fast as
// the receiver takes them (TCP), in small bursts (UDP), or over UDP at a steady offered rate (`udp-paced`,
// count/rate seconds long: routers send at their own pace, whatever the receiver does). Prints
// {"sent": n, "seconds": s} when done.
import { createSocket } from 'node:dgram';
import { createConnection } from 'node:net';

const [transport, host = '127.0.0.1', portText = '0', countText = '0', rateText = '0'] =
  process.argv.slice(2);
const port = Number(portText);
const count = Number(countText);
const rate = Number(rateText);

const templates = [
  (i: number) =>
    `<166>Nov 23 2026 09:58:41 asa01 : %ASA-6-113039: Group <GP_MAINT> User <vnd_${i % 500}> IP <203.0.113.${i % 250}> AnyConnect parent session started.`,
  (i: number) =>
    `<189>date=2026-11-23 time=09:30:01 devname="FGT-CITY01" logid="0101039947" type="event" subtype="vpn" action="tunnel-up" remip=203.0.113.${i % 250} tunnelip=10.99.0.${i % 250} user="vnd_${i % 500}" seq=${i}`,
  (i: number) =>
    `<30>Nov 23 09:40:02 192.168.100.1 PP[ANONYMOUS${String(i % 99).padStart(2, '0')}] PPP/IPCP up  (Local: 192.168.100.1, Remote: 192.168.100.${i % 250}) seq=${i} pad=xxxxxxxxxxxxxxxxxxxx`,
];
const line = (i: number) => (templates[i % templates.length] as (i: number) => string)(i);

async function tcp(): Promise<void> {
  const socket = createConnection(port, host);
  await new Promise<void>((r) => socket.once('connect', () => r()));
  const batch = 500;
  for (let i = 0; i < count;) {
    const lines: string[] = [];
    for (let j = 0; j < batch && i < count; j++, i++) lines.push(line(i));
    if (!socket.write(`${lines.join('\n')}\n`)) await new Promise((r) => socket.once('drain', r));
  }
  await new Promise<void>((r) => socket.end(r));
}

async function udp(): Promise<void> {
  const socket = createSocket('udp4');
  const burst = 200;
  for (let i = 0; i < count;) {
    const sends: Promise<void>[] = [];
    for (let j = 0; j < burst && i < count; j++, i++)
      sends.push(new Promise((r) => socket.send(line(i), port, host, () => r())));
    await Promise.all(sends);
    await new Promise((r) => setImmediate(r));
  }
  socket.close();
}

/** Sends each datagram when it is due at `rate` per second, catching up within a millisecond. */
async function udpPaced(): Promise<void> {
  const socket = createSocket('udp4');
  const start = performance.now();
  for (let i = 0; i < count;) {
    const due = Math.min(count, Math.floor(((performance.now() - start) * rate) / 1000));
    const sends: Promise<void>[] = [];
    for (; i < due; i++) sends.push(new Promise((r) => socket.send(line(i), port, host, () => r())));
    await Promise.all(sends);
    await new Promise((r) => setTimeout(r, 1));
  }
  socket.close();
}

const started = process.hrtime.bigint();
await (transport === 'udp' ? udp() : transport === 'udp-paced' ? udpPaced() : tcp());
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
process.stdout.write(`${JSON.stringify({ sent: count, seconds })}\n`);
