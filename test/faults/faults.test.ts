// Faults under a steady load, against the fault suite's own stack (test/faults/stack.ts), with every stage
// a process of its own (`rmwatch run <stage>`): Kafka and Elasticsearch killed and restarted, each processor
// SIGKILLed mid-load and restarted, the syslog collector restarted. Afterwards every event is indexed exactly
// once, every expected finding exists exactly once, and the webhook got every alert exactly once.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  caseLoad,
  createPipeline,
  faultStackConfig,
  killAndRestartElasticsearch,
  killAndRestartKafka,
  printCounts,
  publishCity,
  sendLoad,
  settle,
  TcpSyslogSender,
  type Pipeline,
  type StageName,
} from '../support/faults.ts';
import { createHarness, setupNamespace, type Harness } from '../support/harness.ts';
import { startHttpReceiver, type HttpReceiver } from '../support/receivers.ts';

/** Rounds of every rule's case and twin: one is about 300 device lines, 25 findings and 100 alerts. */
const ROUNDS = 1;
const STAGES: StageName[] = ['syslog', 'normalize', 'correlate', 'index', 'evidence', 'alerts'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let h: Harness;
let receiver: HttpReceiver;
let pipeline: Pipeline;
let sender: TcpSyslogSender;

beforeEach(async ({ task }) => {
  h = createHarness(
    `f-${task.name
      .replace(/[^a-z]+/gi, '')
      .slice(0, 12)
      .toLowerCase()}`,
  );
  await setupNamespace(h);
  await publishCity(h, ROUNDS);
  receiver = await startHttpReceiver();
  pipeline = await createPipeline(h, receiver);
  await pipeline.start(STAGES);
  sender = new TcpSyslogSender(pipeline.syslogPort);
});

afterEach(async () => {
  sender?.close();
  await pipeline?.close();
  await receiver?.close();
  await h?.cleanup();
});

/** Sends the load with `fault` injected mid-way, waits for the pipeline to settle, and checks the outcome. */
async function survives(title: string, fault: () => Promise<void>): Promise<void> {
  const load = caseLoad(ROUNDS);
  const begun = Date.now();
  await sendLoad(h, sender, load.lines, { fault }).catch((err: unknown) => {
    // A stage that died while the load went out, or the collector the load goes to, tells the story.
    const died = STAGES.filter((stage) => stage === 'syslog' || !pipeline.alive(stage));
    throw new Error(
      `sending the load failed (${pipeline.crashes.join('; ') || 'no crash'}):\n` +
        died.map((stage) => `--- ${stage}:\n${pipeline.output(stage).slice(-3000)}`).join('\n'),
      { cause: err },
    );
  });
  const sent = Date.now();
  const counts = await settle(
    h,
    { sent: load.lines.length, events: load.events, findings: load.findings },
    receiver,
  );
  printCounts(title, counts, {
    'TCP (re)connects': sender.reconnects,
    'seconds sending / settling': `${Math.round((sent - begun) / 1000)} / ${Math.round((Date.now() - sent) / 1000)}`,
    crashes: pipeline.crashes.join('; ') || 'none',
  });
  expect(pipeline.crashes).toEqual([]);
  for (const stage of STAGES) expect(pipeline.alive(stage), `${stage} is alive`).toBe(true);
  expect(counts.indexed).toBe(load.events);
  expect(counts.duplicateEvents).toBe(0);
  expect(counts.findingsMissing).toEqual([]);
  expect(counts.findingsDoubled).toEqual([]);
  expect(counts.findings).toBe(counts.expectedFindings);
  expect(counts.alertsMissing).toEqual([]);
  expect(counts.alertsDoubled).toEqual([]);
  expect(counts.deadLetters).toEqual({});
  expect(counts.lag).toBe(0);
}

/** SIGKILL a processor mid-load, and start it again a moment later. */
const killed = (stage: StageName) => async () => {
  await pipeline.kill(stage);
  await sleep(1000);
  await pipeline.start([stage]);
};

describe('under a steady load, nothing is lost or doubled', () => {
  it('when Kafka is SIGKILLed and restarted', async () => {
    await survives('Kafka killed and restarted', () => killAndRestartKafka(faultStackConfig()));
  });

  it('when Elasticsearch is SIGKILLed and restarted', async () => {
    await survives('Elasticsearch killed and restarted', () =>
      killAndRestartElasticsearch(faultStackConfig()),
    );
  });

  for (const stage of ['normalize', 'correlate', 'index', 'evidence', 'alerts'] as const)
    it(`when the ${stage} stage is SIGKILLed mid-load and restarted`, async () => {
      await survives(`${stage} killed and restarted`, killed(stage));
    });

  it('when the syslog collector restarts: senders reconnect and its journal keeps what it took', async () => {
    await survives('syslog collector restarted', async () => {
      await pipeline.stop('syslog');
      await sleep(1000);
      await pipeline.start(['syslog']);
    });
  });
});
