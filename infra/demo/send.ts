// Plays a demo day into the collectors the way the devices send it: the Cisco ASA over syslog UDP, the
// Yamaha RTX over syslog TCP (LF-framed), the Windows hosts and the RD Gateway as event XML over HTTP (as a
// Winlogbeat or WEF forwarder would), and the bad lines over UDP. Lines go out in the order the devices
// logged them, a little apart, so that a session's layers reach the correlator in their own order.
//   input:  the day's steps, the collectors' addresses, the Windows collector's token
//   output: progress on `progress`; the count of lines sent per transport. Throws when a collector refuses
//           (the demo cannot show anything then), naming the collector and its answer.
import { createSocket } from 'node:dgram';
import { connect, type Socket } from 'node:net';
import type { DayStep } from './day.ts';
import type { Progress } from './progress.ts';

export interface Collectors {
  syslog: { host: string; port: number };
  windowsUrl: string;
  windowsToken: string;
}

export interface Sent {
  udp: number;
  tcp: number;
  http: number;
  bad: number;
}

/** The Yamaha RTX's office router talks TCP; everything else syslog goes by UDP. */
const overTcp = (device: string) => device === '192.168.100.1';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function openTcp(host: string, port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host, port }, () => resolve(socket));
    socket.once('error', reject);
  });
}

const xmlEvents = (texts: readonly string[]) => `<Events>${texts.join('')}</Events>`;

export async function sendDay(
  steps: readonly DayStep[],
  to: Collectors,
  progress: Progress,
  options: { gapMs?: number; beforeSwitch?: () => Promise<void> } = {},
): Promise<Sent> {
  const gapMs = options.gapMs ?? 15;
  // Syslog and HTTP reach the normaliser by different topics: when the day goes from one to the other, the
  // lines already sent must be read first, or the later ones could overtake them.
  const transportOf = (step: DayStep) =>
    step.kind === 'line' && step.line.format === 'evtxml' ? 'http' : 'syslog';
  let lastTransport: string | undefined;
  const udp = createSocket('udp4');
  const tcp = await openTcp(to.syslog.host, to.syslog.port);
  const sent: Sent = { udp: 0, tcp: 0, http: 0, bad: 0 };
  const datagram = (bytes: Buffer) =>
    new Promise<void>((resolve, reject) =>
      udp.send(bytes, to.syslog.port, to.syslog.host, (err) => (err ? reject(err) : resolve())),
    );
  const postEvents = async (texts: readonly string[]) => {
    const res = await fetch(to.windowsUrl, {
      method: 'POST',
      headers: { authorization: `Bearer ${to.windowsToken}`, 'content-type': 'application/xml' },
      body: xmlEvents(texts),
    });
    if (res.status !== 202)
      throw new Error(`the Windows collector answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
  };

  try {
    for (let i = 0; i < steps.length;) {
      const step = steps[i] as DayStep;
      if (lastTransport !== undefined && transportOf(step) !== lastTransport) await options.beforeSwitch?.();
      lastTransport = transportOf(step);
      if (step.kind === 'bad') {
        await datagram(step.bad.bytes);
        sent.bad++;
        progress.tick(1, `bad line (${step.bad.why})`, step.bad.at);
        i++;
      } else if (step.line.format === 'syslog') {
        const text = step.line.text;
        if (overTcp(step.line.device)) {
          await new Promise<void>((resolve, reject) =>
            tcp.write(`${text}\n`, 'utf8', (err) => (err ? reject(err) : resolve())),
          );
          sent.tcp++;
        } else {
          await datagram(Buffer.from(text, 'utf8'));
          sent.udp++;
        }
        progress.tick(1, `syslog ${step.line.device}`, step.line.at);
        i++;
      } else {
        // Events one host logged back to back go in one request, as a forwarder batches them.
        let j = i + 1;
        while (j < steps.length) {
          const next = steps[j] as DayStep;
          if (next.kind !== 'line' || next.line.format !== 'evtxml' || next.line.device !== step.line.device)
            break;
          j++;
        }
        const run = steps.slice(i, j).flatMap((s) => (s.kind === 'line' ? [s.line.text] : []));
        await postEvents(run);
        sent.http += run.length;
        progress.tick(run.length, `events ${step.line.device}`, step.line.at);
        i = j;
      }
      await pause(gapMs);
    }
  } finally {
    await new Promise<void>((resolve) => tcp.end(resolve));
    udp.close();
  }
  return sent;
}
