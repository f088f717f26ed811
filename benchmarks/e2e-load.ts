// The load of the end-to-end benchmark, run as its own process so that generating it does not share the
// measuring process's event loop. It offers `rate` events/s for `seconds`: syslog lines over one TCP
// connection to the syslog collector, Windows events POSTed to the Windows collector (event XML and
// Winlogbeat NDJSON, with its token), and every `markerEveryMs` a marker session.
//   argv[2]: JSON LoadPlan.  stdout, one JSON object a line:
//     {"marker": account, "sentAt": ms}          when a marker's lines were handed to the socket
//     {"progress": {offered, sessions, httpBacklog, socketBacklog}, "at": ms}   once a second
//     {"done": {offered, sessions, httpFailures, heldBack, heldBackHttp, notMade, seconds}}   at the end
import { createConnection } from 'node:net';
import {
  EVENTS_PER_SESSION,
  LoadPlan,
  loadTurn,
  markerAccount,
  markerTraffic,
  sessionTraffic,
} from './e2e-traffic.ts';

/** Windows events per POST (about 250 KB of XML: a request of 1,000 was refused by Kafka, see RESULTS.md), and POSTs in flight. */
const PER_POST = 200;
const POSTS_IN_FLIGHT = 4;
/** Past this much unsent TCP data the sender counts lines as held back rather than buffer without end. */
const SOCKET_LIMIT = 32 * 2 ** 20;
/**
 * Past this many Windows events waiting for a POST, the sender counts them as held back, as it does lines past
 * the socket's limit: queued without bound while the collector took less than was offered, they grew to
 * millions of strings (3.8 GB) in a 5-minute run.
 */
const HTTP_BACKLOG_LIMIT = PER_POST * POSTS_IN_FLIGHT * 4;

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
let heldBackHttp = 0;
let notMade = 0;
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
    // The next POST starts as soon as one is answered, not at the generator's next turn.
    flushWindows();
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

function queueWindows(queue: string[], events: readonly string[]): void {
  if (xml.length + ndjson.length >= HTTP_BACKLOG_LIMIT) heldBackHttp += events.length;
  else queue.push(...events);
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
const sessionsPerSecond = Math.max(1, Math.ceil(sessionRate));
let markers = 0;
let pendingDisconnect: string[] = [];
let lastProgress = started;
for (;;) {
  const now = Date.now();
  const elapsed = (now - started) / 1000;
  if (elapsed >= plan.seconds) break;
  // Event times trail the clock by the session's length, so a session is over when it arrives.
  const due = Math.floor(elapsed * sessionRate);
  const turn = loadTurn(sessions, due, sessionsPerSecond);
  notMade += turn.late * EVENTS_PER_SESSION;
  sessions = turn.from;
  const lines: string[] = [];
  for (; sessions < turn.to; sessions++) {
    const t = sessionTraffic(sessions, now - 11_000, plan.pool);
    lines.push(...t.syslog);
    queueWindows(xml, t.xml);
    queueWindows(ndjson, t.ndjson);
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
emit({
  done: {
    offered,
    sessions,
    httpFailures,
    heldBack,
    heldBackHttp,
    notMade,
    seconds: (Date.now() - started) / 1000,
  },
});
