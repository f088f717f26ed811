// Fuzzed input interleaved with good lines, through the collectors as devices send it (syslog over TCP,
// Windows events over HTTP) and on through every stage, each a process of its own: random bytes, huge lines,
// invalid UTF-8 and Shift_JIS, truncated syslog, malformed XML and JSON. Every bad record becomes exactly one
// dead letter of the stage that refused it, nothing crashes, and every good line is indexed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  caseLoad,
  createPipeline,
  printCounts,
  publishCity,
  settle,
  TcpSyslogSender,
  WINDOWS_TOKEN,
  type Pipeline,
  type StageName,
} from '../support/faults.ts';
import { createHarness, curlApi, setupNamespace, type Harness } from '../support/harness.ts';
import { startHttpReceiver, type HttpReceiver } from '../support/receivers.ts';

const STAGES: StageName[] = ['syslog', 'windows', 'normalize', 'correlate', 'index', 'evidence', 'alerts'];

let h: Harness;
let receiver: HttpReceiver;
let pipeline: Pipeline;
let sender: TcpSyslogSender;

beforeAll(async () => {
  h = createHarness('fuzz');
  await setupNamespace(h);
  await publishCity(h, 1);
  receiver = await startHttpReceiver();
  pipeline = await createPipeline(h, receiver);
  await pipeline.start(STAGES);
  sender = new TcpSyslogSender(pipeline.syslogPort);
});

afterAll(async () => {
  sender?.close();
  await pipeline?.close();
  await receiver?.close();
  await h?.cleanup();
});

/** A fixed seed: a failure can be replayed byte for byte. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Input =
  { path: 'syslog'; bytes: Buffer } | { path: 'windows'; body: string; type: string; status: number };

const line = (s: string | Buffer) => Buffer.concat([Buffer.from(s), Buffer.from('\n')]);
const FORTIGATE = '<189>date=2026-11-23 time=09:30:01 devname="FGT-CITY01" devid="FG100F" logid="0101039424"';

/** Bad inputs and the stage that must dead-letter each record they hold. */
function badInputs(next: () => number): { inputs: Input[]; expected: Record<string, number> } {
  const inputs: Input[] = [];
  const expected: Record<string, number> = {};
  const add = (stage: string, n: number, input: Input) => {
    inputs.push(input);
    if (n > 0) expected[stage] = (expected[stage] ?? 0) + n;
  };
  // Random bytes: led by 0xff (neither UTF-8 nor Shift_JIS), without line ends, up to 2 KiB.
  for (let i = 0; i < 30; i++) {
    const bytes = Buffer.from(
      Array.from({ length: 1 + Math.floor(next() * 2047) }, () => Math.floor(next() * 256)).map((b) =>
        b === 0x0a || b === 0x0d ? 0x20 : b,
      ),
    );
    add('normalize', 1, { path: 'syslog', bytes: line(Buffer.concat([Buffer.from([0xff]), bytes])) });
  }
  // Longer than the collector's largest frame (64 KiB): kept, cut, by the collector itself.
  for (const size of [70 * 1024, 1024 * 1024])
    add('collector.syslog', 1, {
      path: 'syslog',
      bytes: line(`<134>Dec 01 09:00:00 asa01 ${'A'.repeat(size)}`),
    });
  for (let i = 0; i < 5; i++) {
    add('normalize', 1, {
      path: 'syslog',
      bytes: line(
        Buffer.concat([
          Buffer.from(`${FORTIGATE} msg="`),
          Buffer.from([0xff, 0xfe, 0xfd, i]),
          Buffer.from('"'),
        ]),
      ),
    });
    // A Shift_JIS lead byte followed by a byte no Shift_JIS character has.
    add('normalize', 1, {
      path: 'syslog',
      bytes: line(
        Buffer.concat([
          Buffer.from(`${FORTIGATE} msg="`),
          Buffer.from([0x83, 0xff, 0x81, 0x40 + i]),
          Buffer.from('"'),
        ]),
      ),
    });
  }
  // Syslog cut short: in the timestamp, in the priority, before any message, before the user is named.
  for (const cut of [
    '<166>Dec 01 2026 09:0',
    '<16',
    '<166>',
    '<30>Dec  1 09:01:0',
    'Dec 01 2026',
    '<166>Dec 01 2026 09:01:00 asa01 : %ASA-6-113039: Group <GP_MAINT> User <vnd_ya',
  ])
    add('normalize', 1, { path: 'syslog', bytes: line(cut) });
  for (const pri of ['<999>not a priority', '<192>Dec 01 2026 09:01:00 asa01 : %ASA-6-113039: x', '<-1>x'])
    add('normalize', 1, { path: 'syslog', bytes: line(pri) });
  // Windows: event XML cut off or not XML at all; JSON that is not an event, or not JSON.
  const xml = 'application/xml';
  const json = 'application/x-ndjson';
  add('normalize', 1, {
    path: 'windows',
    type: xml,
    status: 202,
    body: '<Events><Event xmlns="x"><System><EventID>4624</EventID><Channel>Secu',
  });
  add('normalize', 1, {
    path: 'windows',
    type: xml,
    status: 202,
    body: '<Events><Event><<>>&&</Event></Events>',
  });
  add('normalize', 3, {
    path: 'windows',
    type: json,
    status: 202,
    body: '{"winlog":{"event_id":"x"}}\n{"message":"not an event"}\n{not json at all\n',
  });
  add('normalize', 1, { path: 'windows', type: 'application/json', status: 202, body: '[{"a":1},' });
  // An empty body is refused to the sender's face (400) and holds no record to dead-letter.
  add('normalize', 0, { path: 'windows', type: json, status: 400, body: '' });
  return { inputs, expected };
}

async function post(input: Extract<Input, { path: 'windows' }>): Promise<number> {
  for (;;) {
    const answer = await curlApi(`${pipeline.windowsUrl}/v1/windows/events`, 'POST', {
      token: WINDOWS_TOKEN,
      type: input.type,
      body: input.body,
    });
    if (answer.status !== 503) return answer.status;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

describe('fuzzed input interleaved with good lines', () => {
  it('dead-letters every bad record exactly once by stage, crashes nothing, and indexes every good line', async () => {
    const load = caseLoad(1);
    const next = random(20261124);
    const bad = badInputs(next);
    // The good lines in order (Windows events posted in runs, as a forwarder batches them), the bad ones
    // dropped in at random places between them.
    const good: Input[] = [];
    for (let i = 0; i < load.lines.length;) {
      const l = load.lines[i];
      if (l?.format === 'syslog') {
        good.push({ path: 'syslog', bytes: line(l.text) });
        i++;
        continue;
      }
      let body = '';
      for (; i < load.lines.length && load.lines[i]?.format !== 'syslog'; i++) body += load.lines[i]?.text;
      good.push({ path: 'windows', type: 'application/xml', status: 202, body: `<Events>${body}</Events>` });
    }
    const all = [...good];
    for (const input of bad.inputs) all.splice(Math.floor(next() * (all.length + 1)), 0, input);

    const statuses: string[] = [];
    for (const input of all)
      if (input.path === 'syslog') await sender.send(input.bytes);
      else {
        const status = await post(input);
        if (status !== input.status) statuses.push(`${status} for ${input.body.slice(0, 40)}`);
      }

    const counts = await settle(h, { sent: all.length, events: load.events, findings: {} }, receiver);
    printCounts('fuzzed input', counts, {
      'bad inputs': bad.inputs.length,
      'dead letters expected': Object.entries(bad.expected)
        .map(([s, n]) => `${s} ${n}`)
        .join(', '),
      crashes: pipeline.crashes.join('; ') || 'none',
    });

    expect(statuses).toEqual([]);
    expect(pipeline.crashes).toEqual([]);
    for (const stage of STAGES) expect(pipeline.alive(stage), `${stage} is alive`).toBe(true);
    expect((await curlApi(`${pipeline.windowsUrl}/healthz`, 'GET')).status).toBe(200);
    expect(counts.indexed).toBe(load.events);
    expect(counts.duplicateEvents).toBe(0);
    expect(counts.deadLetters).toEqual(bad.expected);
    expect(counts.deadLettersIndexed).toEqual(bad.expected);
    expect(counts.lag).toBe(0);
  });
});
