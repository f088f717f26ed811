// The load of the end-to-end benchmark, run as its own process so that generating it does not share the
// measuring process's event loop. It offers `rate` events/s for `seconds`: syslog lines over one TCP
// connection to the syslog collector, Windows events POSTed to the Windows collector (event XML and
// Winlogbeat NDJSON, with its token), and every `markerEveryMs` a marker session.
//   argv[2]: JSON LoadPlan.  stdout, one JSON object a line:
//     {"marker": account, "sentAt": ms}          when a marker's lines were handed to the socket
//     {"progress": {offered, sessions, httpBacklog, socketBacklog}, "at": ms}   once a second
//     {"done": {offered, sessions, httpFailures, heldBack}}                     at the end
import { createConnection } from 'node:net';
import { EVENTS_PER_SESSION, LoadPlan, markerAccount, markerTraffic, sessionTraffic } from './e2e-traffic.ts';

/** Windows events per POST (about 250 KB of XML: a request of 1,000 was refused by Kafka, see RESULTS.md), and POSTs in flight. */
const PER_POST = 200;
const POSTS_IN_FLIGHT = 4;
/** Past this much unsent TCP data the sender counts lines as held back rather than buffer without end. */
const SOCKET_LIMIT = 32 * 2 ** 20;

const plan = LoadPlan.parse(JSON.parse(process.argv[2] ?? '{}'));
const emit = (o: object) => process.stdout.write(`${JSON.stringify(o)}\n`);

const socket = createConnection(plan.syslogPort, '127.0.0.1');
await new Promise<void>((resolve, reject) => {
  socket.once('connect', resolve);
  socket.once('error', reject);
});
socket.on('error', (err) => {
  process.stderr.write(`syslog connection: ${err.message}\n`);
  process.exit(1);
});

let offered = 0;
let sessions = 0;
let heldBack = 0;
let httpFailures = 0;
let inFlight = 0;
const xml: string[] = [];
const ndjson: string[] = [];

async function post(body: string, type: string, count: number): Promise<void> {
  inFlight++;
  try {
    const answer = await fetch(plan.windowsUrl, {
      method: 'POST',
      headers: { authorization: `Bearer ${plan.token}`, 'content-type': type },
      body,
    });
    await answer.arrayBuffer();
    if (answer.status !== 202) {
      httpFailures += count;
      process.stderr.write(`windows collector answered ${answer.status}\n`);
    } else offered += count;
  } catch (err) {
    httpFailures += count;
    process.stderr.write(`windows collector: ${(err as Error).message}\n`);
  } finally {
    inFlight--;
  }
}

function flushWindows(): void {
  while (inFlight < POSTS_IN_FLIGHT && (xml.length > 0 || ndjson.length > 0)) {
    if (xml.length >= ndjson.length) {
      const batch = xml.splice(0, PER_POST);
      void post(`<Events>${batch.join('')}</Events>`, 'application/xml', batch.length);
    } else {
      const batch = ndjson.splice(0, PER_POST);
      void post(`${batch.join('\n')}\n`, 'application/x-ndjson', batch.length);
    }
  }
}

function sendSyslog(lines: readonly string[]): void {
  if (socket.writableLength > SOCKET_LIMIT) {
    heldBack += lines.length;
    return;
  }
  socket.write(`${lines.join('\n')}\n`);
  offered += lines.length;
}

const started = Date.now();
const sessionRate = plan.rate / EVENTS_PER_SESSION;
let markers = 0;
let pendingDisconnect: string[] = [];
let lastProgress = started;
for (;;) {
  const now = Date.now();
  const elapsed = (now - started) / 1000;
  if (elapsed >= plan.seconds) break;
  // Event times trail the clock by the session's length, so a session is over when it arrives.
  const due = Math.floor(elapsed * sessionRate);
  const lines: string[] = [];
  for (; sessions < due; sessions++) {
    const t = sessionTraffic(sessions, now - 11_000, plan.pool);
    lines.push(...t.syslog);
    xml.push(...t.xml);
    ndjson.push(...t.ndjson);
  }
  if (lines.length > 0) sendSyslog(lines);
  if (now - started >= markers * plan.markerEveryMs) {
    const m = markerTraffic(markers, now);
    // The marker goes out on its own write, so its receipt is not queued behind a big batch of ours.
    sendSyslog([...pendingDisconnect, ...m.connect]);
    emit({ marker: markerAccount(markers), sentAt: Date.now() });
    pendingDisconnect = m.disconnect;
    markers++;
  }
  flushWindows();
  if (now - lastProgress >= 1000) {
    lastProgress = now;
    emit({
      progress: {
        offered,
        sessions,
        httpBacklog: xml.length + ndjson.length,
        socketBacklog: socket.writableLength,
      },
      at: now,
    });
  }
  await new Promise((r) => setTimeout(r, 10));
}
sendSyslog(pendingDisconnect);
// What is still queued for HTTP was generated in time; it is sent, and counted once the collector took it.
const drainBy = Date.now() + 60_000;
while ((xml.length > 0 || ndjson.length > 0 || inFlight > 0) && Date.now() < drainBy) {
  flushWindows();
  await new Promise((r) => setTimeout(r, 10));
}
await new Promise<void>((r) => socket.end(r));
emit({ done: { offered, sessions, httpFailures, heldBack, seconds: (Date.now() - started) / 1000 } });
