// The alert stage against the real local Kafka and real receivers (test/support/receivers.ts): an HTTP
// endpoint for webhooks and an SMTP server. Findings and notices are written to Kafka as the correlator
// writes them; what the receivers got, the alert table (rm.alerts) and the API are what is checked.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AlertSettings } from '../../alerts/settings.ts';
import { startAlertStage, type AlertStage, type AlertStageOptions } from '../../alerts/stage.ts';
import type { AlertRecord } from '../../alerts/state.ts';
import { TOPICS, topicName, topicSpecs } from '../../infra/topics.ts';
import type { DeadLetter } from '../../model/deadletter.ts';
import type { Finding } from '../../model/finding.ts';
import type { Notice } from '../../model/notice.ts';
import { finding, notice, tokyo } from '../support/alerts.ts';
import { createHarness, curlApi, kcat, readTopic, rmwatch, type Harness } from '../support/harness.ts';
import {
  startHttpReceiver,
  startSmtpReceiver,
  type HttpReceiver,
  type ReceivedRequest,
} from '../support/receivers.ts';

const ONCALL = 'oncall-token-0123456789abcdef';
const VIEWER = 'viewer-token-0123456789abcdef';

let receiver: HttpReceiver;
beforeAll(async () => {
  receiver = await startHttpReceiver();
});
afterAll(async () => {
  await receiver?.close();
});

/** A namespace of its own (Kafka topics only: the stage needs no Elasticsearch) and a stage in it. */
interface Scene {
  h: Harness;
  config: Harness['config'];
  stage: AlertStage;
  start(options?: AlertStageOptions): Promise<AlertStage>;
}
const scenes: Scene[] = [];
afterEach(async () => {
  for (const scene of scenes.splice(0)) {
    await scene.stage?.stop().catch(() => undefined);
    await scene.h.cleanup();
  }
});

async function scene(label: string, alerts: Record<string, unknown>, options: AlertStageOptions = {}) {
  const h = createHarness(label);
  await topicsReady(h);
  const config = {
    ...h.config,
    alerts: AlertSettings.parse({
      retry: { attempts: 2, initialMs: 50, parkedInitialMs: 300, parkedMaxMs: 1000, checkEveryMs: 100 },
      // The test findings carry fixed dates; their age is tested on its own below.
      maxAgeHours: null,
      ...alerts,
    }),
    links: { grafana: 'https://grafana.city.example', auditApi: 'https://audit.city.example' },
  };
  const s: Scene = {
    h,
    config,
    stage: undefined as unknown as AlertStage,
    async start(more = options) {
      s.stage = await startAlertStage(config, h.bus, h.log, more);
      return s.stage;
    },
  };
  scenes.push(s);
  await s.start();
  return s;
}

/** Creates the namespace's topics and waits until their leaders answer (a new topic takes a moment). */
async function topicsReady(h: Harness) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    try {
      await h.bus.ensureTopics(topicSpecs(h.config));
      for (const topic of [
        TOPICS.alerts,
        TOPICS.alertRetries,
        TOPICS.findings,
        TOPICS.notices,
        TOPICS.deadLetter,
      ])
        await h.bus.topicEndOffsets(topicName(h.config, topic));
      return;
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

const hook = (name: string, path = `/${name}`) => ({
  name,
  type: 'webhook',
  url: `${receiver.origin}${path}`,
});

/** Findings keyed by their id, or all by one `key` (one partition: read in the order sent). */
async function sendFindings(s: Scene, findings: Finding[], key?: string) {
  await s.h.bus.produce(
    topicName(s.h.config, TOPICS.findings),
    findings.map((f) => ({ key: key ?? f.id, value: JSON.stringify(f) })),
  );
}
async function sendNotices(s: Scene, notices: Notice[]) {
  await s.h.bus.produce(
    topicName(s.h.config, TOPICS.notices),
    notices.map((n) => ({ key: n.id, value: JSON.stringify(n) })),
  );
}

async function until<T>(what: string, probe: () => T | undefined | false, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`not reached within ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
const settle = (ms = 1500) => new Promise((r) => setTimeout(r, ms));

const recordOf = (s: Scene, id: string): AlertRecord | undefined => s.stage.table.get(id);
const statusIs = (s: Scene, id: string, status: AlertRecord['status']) =>
  until(`${id} ${status}`, () => (recordOf(s, id)?.status === status ? recordOf(s, id) : undefined));

/** Requests that reached the receiver on `path` with 2xx, by idempotency key. */
function accepted(path: string, since = 0): ReceivedRequest[] {
  return receiver.requests.slice(since).filter((r) => r.path === path && r.status < 300);
}
const keyOf = (r: ReceivedRequest) => r.headers['idempotency-key'];

describe('deduplication', () => {
  it('a finding alerts once, the same finding sent again alerts nothing, each change of state alerts once more', async () => {
    const s = await scene('alert-dedup', {
      notifiers: [hook('dedup')],
      routes: [{ name: 'main', notifiers: ['dedup'] }],
    });
    const since = receiver.requests.length;
    await sendFindings(s, [finding({ id: 'f-dup' })]);
    await statusIs(s, 'f-dup:active:high', 'delivered');
    const first = accepted('/dedup', since);
    expect(first.map(keyOf)).toEqual(['f-dup:active:high']);
    expect(first[0]?.body).toMatchObject({
      idempotency_key: 'f-dup:active:high',
      links: {
        grafana: 'https://grafana.city.example/d/rmwatch-session-explorer/?var-session=s-f-dup',
        auditApi: 'https://audit.city.example/sessions/s-f-dup',
      },
    });

    await sendFindings(s, [finding({ id: 'f-dup', updated_at: '2026-11-24T01:05:00.000Z' })]);
    await until('the repeat was read', () => s.stage.counters.get('duplicates') >= 1);
    await settle(500);
    expect(accepted('/dedup', since)).toHaveLength(1);

    await sendFindings(s, [finding({ id: 'f-dup', status: 'withdrawn' })]);
    await statusIs(s, 'f-dup:withdrawn', 'delivered');
    expect(accepted('/dedup', since).map(keyOf)).toEqual(['f-dup:active:high', 'f-dup:withdrawn']);

    // Active again (an approval was withdrawn, say): a change of state, alerted under an id of its own.
    await sendFindings(s, [finding({ id: 'f-dup' })]);
    await statusIs(s, 'f-dup:active:high:3', 'delivered');

    // A session notice: one alert per notice id.
    await sendNotices(s, [notice({ id: 'n-1' }), notice({ id: 'n-1' })]);
    await statusIs(s, 'n-1:session_start', 'delivered');
    await settle(500);
    expect(accepted('/dedup', since).map(keyOf)).toEqual([
      'f-dup:active:high',
      'f-dup:withdrawn',
      'f-dup:active:high:3',
      'n-1:session_start',
    ]);
  });
});

describe('a first start', () => {
  it('records findings older than maxAgeHours as stale instead of paging anyone for them', async () => {
    const s = await scene(
      'alert-age',
      { notifiers: [hook('age')], routes: [{ name: 'main', notifiers: ['age'] }], maxAgeHours: 24 },
      { now: () => new Date('2026-11-28T00:00:00.000Z') },
    );
    const since = receiver.requests.length;
    await sendFindings(s, [
      finding({ id: 'f-last-week' }),
      finding({ id: 'f-an-hour-ago', updated_at: '2026-11-27T23:00:00.000Z' }),
    ]);
    await statusIs(s, 'f-an-hour-ago:active:high', 'delivered');
    await statusIs(s, 'f-last-week:active:high', 'stale');
    expect(accepted('/age', since).map(keyOf)).toEqual(['f-an-hour-ago:active:high']);
  });
});

describe('the alert table stays bounded', () => {
  it('a settled alert leaves it keepSettledDays after its last change, one still failing stays, and its finding read again is not paged', async () => {
    let clock = new Date('2026-11-24T02:00:00.000Z');
    const s = await scene(
      'alert-keep',
      {
        notifiers: [hook('keep')],
        routes: [{ name: 'main', notifiers: ['keep'] }],
        maxAgeHours: 24,
        keepSettledDays: 30,
      },
      { now: () => clock },
    );
    const settled = 'f-settled:active:high';
    const refused = 'f-refused:active:high';
    receiver.failNext(400, 1, 'bad payload');
    await sendFindings(s, [finding({ id: 'f-refused' })]);
    await statusIs(s, refused, 'failed');
    await sendFindings(s, [finding({ id: 'f-settled' })]);
    await statusIs(s, settled, 'delivered');

    clock = new Date('2026-12-24T01:00:00.000Z');
    await s.stage.tick();
    expect(recordOf(s, settled)?.status).toBe('delivered');

    clock = new Date('2026-12-24T03:00:00.000Z');
    await s.stage.tick();
    expect(recordOf(s, settled)).toBeUndefined();
    expect(recordOf(s, refused)?.status).toBe('failed');
    expect(s.stage.counters.get('forgotten')).toBe(1);
    // A tombstone: compaction drops the key from rm.alerts.
    const written = await readTopic(s.h, topicName(s.config, TOPICS.alerts), (records) =>
      records.some((r) => r.key === settled && r.value === null),
    );
    expect(written.filter((r) => r.key === settled).at(-1)?.value).toBeNull();

    // A restart reads the table back without it.
    await s.stage.stop();
    await s.start({ now: () => clock });
    expect(recordOf(s, settled)).toBeUndefined();
    expect(recordOf(s, refused)?.status).toBe('failed');

    // The same finding read again (a replay) is a month old by now: recorded as stale, not paged again.
    const since = receiver.requests.length;
    await sendFindings(s, [finding({ id: 'f-settled' })]);
    await statusIs(s, settled, 'stale');
    expect(accepted('/keep', since)).toEqual([]);
  });
});

describe('no alert lost', () => {
  it('a receiver that is down gets the alert once it is up again, exactly once', async () => {
    const s = await scene('alert-down', {
      notifiers: [hook('down')],
      routes: [{ name: 'main', notifiers: ['down'] }],
    });
    await receiver.down();
    try {
      await sendFindings(s, [finding({ id: 'f-down', severity: 'medium' })]);
      const parked = await until('parked', () => {
        const r = recordOf(s, 'f-down:active:medium');
        return r && r.attempts >= 1 ? r : undefined;
      });
      expect(parked.status).toBe('pending');
      expect(parked.next_due).toBeDefined();
      const notes = await readTopic(s.h, topicName(s.h.config, TOPICS.alertRetries), 1, 15_000);
      expect(JSON.parse(notes[0]?.value?.toString() ?? '{}')).toMatchObject({ id: 'f-down:active:medium' });
    } finally {
      await receiver.up();
    }
    const since = receiver.requests.length;
    await statusIs(s, 'f-down:active:medium', 'delivered');
    await settle(1000);
    expect(accepted('/down', since).map(keyOf)).toEqual(['f-down:active:medium']);
  });

  it('a stage stopped mid-delivery and started again delivers exactly once per notifier', async () => {
    const s = await scene('alert-restart', {
      notifiers: [hook('slow-a'), hook('slow-b')],
      routes: [{ name: 'main', notifiers: ['slow-a', 'slow-b'] }],
    });
    const since = receiver.requests.length;
    receiver.slowDown(1500);
    try {
      await sendFindings(s, [finding({ id: 'f-restart' })]);
      await until('first notifier reached', () => accepted('/slow-a', since).length > 0);
      await s.stage.stop();
      const stopped = recordOf(s, 'f-restart:active:high');
      expect(stopped?.status).toBe('pending');
      expect(stopped?.deliveries.map((d) => d.notifier)).toEqual(['slow-a']);
    } finally {
      receiver.slowDown(0);
    }
    await s.start();
    await statusIs(s, 'f-restart:active:high', 'delivered');
    await settle(1000);
    expect(accepted('/slow-a', since).map(keyOf)).toEqual(['f-restart:active:high']);
    expect(accepted('/slow-b', since).map(keyOf)).toEqual(['f-restart:active:high']);
  });

  it('a permanent refusal is parked as failed, counted and listed by the API', async () => {
    const s = await scene('alert-perm', {
      notifiers: [hook('perm')],
      routes: [{ name: 'main', notifiers: ['perm'] }],
      http: { host: '127.0.0.1', port: 0 },
      tokens: [
        { name: 'viewer', token: VIEWER, role: 'viewer' },
        { name: 'oncall-tanaka', token: ONCALL, role: 'oncall' },
      ],
    });
    receiver.failNext(400, 1, 'bad payload');
    await sendFindings(s, [finding({ id: 'f-perm', severity: 'low' })]);
    const failed = await statusIs(s, 'f-perm:active:low', 'failed');
    expect(failed.last_error).toMatch(/perm/);
    expect(s.stage.counters.get('failed')).toBe(1);
    const listed = await curlApi(`${s.stage.apiUrl}/alerts?state=failed`, 'GET', { token: VIEWER });
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((r: AlertRecord) => r.alert.id)).toEqual(['f-perm:active:low']);
    const open = await curlApi(`${s.stage.apiUrl}/alerts`, 'GET', { token: VIEWER });
    expect(open.body.total).toBe(1);

    // The receiver is fixed; on-call staff send the alert again, once.
    const retry = (token: string) =>
      curlApi(`${s.stage.apiUrl}/alerts/f-perm:active:low/retry`, 'POST', { token });
    expect((await retry(VIEWER)).status).toBe(403);
    const since = receiver.requests.length;
    expect((await retry(ONCALL)).status).toBe(200);
    await statusIs(s, 'f-perm:active:low', 'delivered');
    expect(accepted('/perm', since).map(keyOf)).toEqual(['f-perm:active:low']);
    const again = await retry(ONCALL);
    expect(again.status).toBe(409);
    expect(again.body.status).toBe('delivered');
  });

  it('a record that is not a finding goes to the dead letters, and the next one still alerts', async () => {
    const s = await scene('alert-dead', {
      notifiers: [hook('dead')],
      routes: [{ name: 'main', notifiers: ['dead'] }],
    });
    await kcat(
      ['-P', '-t', topicName(s.h.config, TOPICS.findings), '-k', 'broken'],
      s.h.config,
      '{"rule":"nonsense"}\n',
    );
    await sendFindings(s, [finding({ id: 'f-after' })]);
    await statusIs(s, 'f-after:active:high', 'delivered');
    const letters = await readTopic(s.h, topicName(s.h.config, TOPICS.deadLetter), 1, 15_000);
    const letter = JSON.parse(letters[0]?.value?.toString() ?? '{}') as DeadLetter;
    expect(letter.stage).toBe('alerts');
    expect(letter.error).toMatch(/not a valid finding or notice/);
    expect(Buffer.from(letter.raw, 'base64').toString()).toBe('{"rule":"nonsense"}');
    expect(s.stage.counters.get('dead_letters')).toBe(1);
  });
});

describe('escalation and acknowledgement', () => {
  it('a critical alert nobody acknowledges goes to the escalation route; an acknowledged one does not', async () => {
    const s = await scene('alert-esc', {
      notifiers: [hook('duty'), hook('pager')],
      routes: [
        { name: 'main', notifiers: ['duty'], escalation: { afterMinutes: 0.05, route: 'pager' } },
        { name: 'pager', notifiers: ['pager'], escalationOnly: true },
      ],
      http: { host: '127.0.0.1', port: 0 },
      tokens: [
        { name: 'oncall-tanaka', token: ONCALL, role: 'oncall' },
        { name: 'dashboard', token: VIEWER, role: 'viewer' },
      ],
    });
    const since = receiver.requests.length;
    await sendFindings(s, [
      finding({ id: 'f-esc', severity: 'critical' }),
      finding({ id: 'f-ack', severity: 'critical' }),
    ]);
    await statusIs(s, 'f-ack:active:critical', 'delivered');
    const ack = (token?: string) =>
      curlApi(`${s.stage.apiUrl}/alerts/${encodeURIComponent('f-ack:active:critical')}/ack`, 'POST', {
        token,
        body: JSON.stringify({ note: '対応中です' }),
      });
    expect((await ack()).status).toBe(401);
    expect((await ack('not-a-known-token-0123456789')).status).toBe(401);
    expect((await ack(VIEWER)).status).toBe(403);
    const answer = await ack(ONCALL);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({
      status: 'acknowledged',
      acknowledged: { by: 'oncall-tanaka', note: '対応中です' },
    });

    await statusIs(s, 'f-esc:active:critical', 'escalated');
    const paged = accepted('/pager', since);
    expect(paged.map(keyOf)).toEqual(['f-esc:active:critical']);
    expect(paged[0]?.body).toMatchObject({ alert: { escalation: 1 } });
    await settle(3500);
    expect(accepted('/pager', since)).toHaveLength(1);
    expect(recordOf(s, 'f-ack:active:critical')?.status).toBe('acknowledged');

    const open = await curlApi(`${s.stage.apiUrl}/alerts?state=open`, 'GET', { token: VIEWER });
    expect(open.body.items.map((r: AlertRecord) => r.alert.id)).toEqual(['f-esc:active:critical']);
    expect((await curlApi(`${s.stage.apiUrl}/alerts`, 'GET')).status).toBe(401);
  });
});

describe('quiet hours', () => {
  it('hold a high finding at night and release it at 07:00, while a critical one goes out at once', async () => {
    let clock = tokyo('2026-11-24 23:00');
    const s = await scene(
      'alert-quiet',
      {
        notifiers: [hook('quiet')],
        routes: [{ name: 'main', notifiers: ['quiet'], quietHours: { from: '22:00', to: '07:00' } }],
      },
      { now: () => clock },
    );
    const since = receiver.requests.length;
    await sendFindings(s, [
      finding({ id: 'f-night' }),
      finding({ id: 'f-urgent', rule: 'file_transfer', severity: 'critical' }),
    ]);
    await statusIs(s, 'f-urgent:active:critical', 'delivered');
    const held = await statusIs(s, 'f-night:active:high', 'held');
    expect(held).toMatchObject({ held: 'quiet_hours', next_due: tokyo('2026-11-25 07:00').toISOString() });
    await s.stage.tick();
    expect(accepted('/quiet', since).map(keyOf)).toEqual(['f-urgent:active:critical']);

    clock = tokyo('2026-11-25 07:00');
    await s.stage.tick();
    await statusIs(s, 'f-night:active:high', 'delivered');
    expect(accepted('/quiet', since).map(keyOf)).toEqual(['f-urgent:active:critical', 'f-night:active:high']);
  });
});

describe('throttle', () => {
  it('sends at most max alerts per window and the rest, in order, as the window allows', async () => {
    let clock = tokyo('2026-11-24 10:00');
    const s = await scene(
      'alert-throttle',
      {
        notifiers: [hook('throttle')],
        routes: [{ name: 'main', notifiers: ['throttle'], throttle: { max: 2, perMinutes: 10 } }],
      },
      { now: () => clock },
    );
    const since = receiver.requests.length;
    await sendFindings(
      s,
      ['t-1', 't-2', 't-3', 't-4'].map((id) => finding({ id, severity: 'low' })),
      'one-session',
    );
    await statusIs(s, 't-4:active:low', 'held');
    await statusIs(s, 't-2:active:low', 'delivered');
    expect(accepted('/throttle', since).map(keyOf)).toEqual(['t-1:active:low', 't-2:active:low']);
    clock = tokyo('2026-11-24 10:10');
    await s.stage.tick();
    await statusIs(s, 't-4:active:low', 'delivered');
    expect(accepted('/throttle', since).map(keyOf)).toEqual([
      't-1:active:low',
      't-2:active:low',
      't-3:active:low',
      't-4:active:low',
    ]);
  });
});

describe('e-mail', () => {
  it('an alert reaches a real SMTP server with its Japanese subject intact', async () => {
    const smtp = await startSmtpReceiver();
    try {
      const s = await scene('alert-mail', {
        notifiers: [
          {
            name: 'mail',
            type: 'email',
            smtp: { host: smtp.host, port: smtp.port, caFile: smtp.caFile },
            from: 'rmwatch@city.example',
            to: ['joho@city.example'],
          },
        ],
        routes: [{ name: 'main', notifiers: ['mail'] }],
      });
      await sendFindings(s, [finding({ id: 'f-mail', rule: 'shared_account' })]);
      const [mail] = await smtp.waitForMails(1, 20_000);
      expect(mail?.parsed.subject).toContain('共用アカウントの使用');
      expect(mail?.parsed.text).toContain('承認された作業時間外の接続です（株式会社サンプル保守）');
      expect(mail?.secure).toBe(true);
      await statusIs(s, 'f-mail:active:high', 'delivered');
    } finally {
      await smtp.close();
    }
  });
});

describe('command line', () => {
  it('`rmwatch alerts list` shows open alerts and `rmwatch alerts ack` acknowledges one through the API', async () => {
    const s = await scene('alert-cli', {
      notifiers: [hook('cli')],
      routes: [{ name: 'main', notifiers: ['cli'] }],
      http: { host: '127.0.0.1', port: 0 },
      tokens: [
        { name: 'oncall-sato', token: ONCALL, role: 'oncall' },
        { name: 'dashboard', token: VIEWER, role: 'viewer' },
      ],
    });
    await sendFindings(s, [finding({ id: 'f-cli' })]);
    await statusIs(s, 'f-cli:active:high', 'delivered');

    const listed = await rmwatch(['alerts', 'list'], s.h.env);
    expect(listed.code).toBe(0);
    expect(listed.stdout).toMatch(/delivered\s+high\s+main\s+f-cli:active:high\s+→ cli/);

    const refused = await rmwatch(
      ['alerts', 'ack', 'f-cli:active:high', '--url', s.stage.apiUrl ?? '', '--token', VIEWER],
      s.h.env,
    );
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/403/);

    const acked = await rmwatch(
      [
        'alerts',
        'ack',
        'f-cli:active:high',
        '--url',
        s.stage.apiUrl ?? '',
        '--token',
        ONCALL,
        '--note',
        '確認しました',
      ],
      s.h.env,
    );
    expect(acked.stdout).toMatch(/f-cli:active:high acknowledged by oncall-sato/);
    expect(recordOf(s, 'f-cli:active:high')).toMatchObject({
      status: 'acknowledged',
      acknowledged: { by: 'oncall-sato', note: '確認しました' },
    });
    const open = await rmwatch(['alerts', 'list', '--state', 'open'], s.h.env);
    expect(open.stdout.trim()).toBe('no open alerts');
  });
});
