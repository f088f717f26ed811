// Each notifier delivers in the format its receiver expects, to a real HTTP receiver or SMTP server, and
// says clearly — without leaking a webhook's token — whether a failed delivery is worth retrying.
import { createServer, type AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  createNotifier,
  createNotifiers,
  DeliveryError,
  type Notifier,
} from '../../alerts/notifiers/index.ts';
import { NotifierSettings } from '../../alerts/notifiers/settings.ts';
import { createLogger } from '../../infra/logger.ts';
import { outOfWindowAlert } from '../support/alerts.ts';
import {
  startHttpReceiver,
  startSmtpReceiver,
  type HttpReceiver,
  type SmtpReceiver,
} from '../support/receivers.ts';

const log = createLogger('silent');

const alert = outOfWindowAlert();
const links = {
  grafana: 'https://grafana.city.example/d/rm-session?var-session=s-42',
  auditApi: 'https://audit.city.example/sessions/s-42',
};
const JA_SUBJECT =
  '[rmwatch][重大] 承認時間外の接続 / Connection outside an approved window — vendor-a / op-1';
const TOKEN_PATH = '/services/T0CITY/B0ALERTS/xoxb-secret-token';

const notifiers: Notifier[] = [];
function notifier(settings: Record<string, unknown>): Notifier {
  const n = createNotifier(NotifierSettings.parse(settings), log);
  notifiers.push(n);
  return n;
}
afterEach(async () => {
  await Promise.all(notifiers.splice(0).map((n) => n.close()));
});

async function failure(p: Promise<unknown>): Promise<DeliveryError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DeliveryError);
  return err as DeliveryError;
}

describe('HTTP notifiers', () => {
  let http: HttpReceiver;
  beforeAll(async () => {
    http = await startHttpReceiver();
  });
  afterAll(async () => {
    await http.close();
  });
  afterEach(() => {
    http.requests.splice(0);
    http.slowDown(0);
  });

  it('the generic webhook POSTs the whole alert, its text and links as UTF-8 JSON, with the alert id as Idempotency-Key', async () => {
    const hook = notifier({
      name: 'soc',
      type: 'webhook',
      url: `${http.origin}/rmwatch/alerts`,
      headers: { authorization: 'Bearer city-soc' },
    });
    await hook.send(alert, links);
    const [req] = http.requests;
    expect(req?.method).toBe('POST');
    expect(req?.path).toBe('/rmwatch/alerts');
    expect(req?.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(req?.headers['idempotency-key']).toBe('f-0001:active:critical');
    expect(req?.headers.authorization).toBe('Bearer city-soc');
    expect(req?.body).toEqual({
      idempotency_key: 'f-0001:active:critical',
      subject: JA_SUBJECT,
      text: expect.stringContaining(
        '承認時間外に vnd_yamada が APP01 へ接続しました（株式会社サンプル保守）',
      ),
      language: 'both',
      links,
      alert: JSON.parse(JSON.stringify(alert)),
    });
  });

  it('a redelivered alert carries the same Idempotency-Key', async () => {
    const hook = notifier({ name: 'soc', type: 'webhook', url: `${http.origin}/hook` });
    await hook.send(alert, links);
    await hook.send(alert, links);
    const keys = http.requests.map((r) => r.headers['idempotency-key']);
    expect(keys).toEqual(['f-0001:active:critical', 'f-0001:active:critical']);
  });

  it('Slack gets a text fallback and blocks: header, sentence, facts as fields, and link buttons', async () => {
    const slack = notifier({
      name: 'oncall',
      type: 'slack',
      url: `${http.origin}${TOKEN_PATH}`,
      language: 'ja',
    });
    await slack.send(alert, links);
    const body = http.requests[0]?.body as { text: string; blocks: Record<string, unknown>[] };
    expect(http.requests[0]?.path).toBe(TOKEN_PATH);
    expect(body.text).toBe(
      '[rmwatch][重大] 承認時間外の接続 — vendor-a / op-1\n承認時間外に vnd_yamada が APP01 へ接続しました（株式会社サンプル保守）',
    );
    expect(body.blocks.map((b) => b.type)).toEqual(['header', 'section', 'section', 'actions', 'context']);
    expect(body.blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: '[rmwatch][重大] 承認時間外の接続 — vendor-a / op-1', emoji: true },
    });
    expect(body.blocks[1]).toEqual({
      type: 'section',
      text: {
        type: 'mrkdwn',
        text: '*[重大] 承認時間外の接続*\n承認時間外に vnd_yamada が APP01 へ接続しました（株式会社サンプル保守）',
      },
    });
    const fields = (body.blocks[2] as { fields: { type: string; text: string }[] }).fields;
    expect(fields).toHaveLength(10);
    expect(fields).toContainEqual({ type: 'mrkdwn', text: '*承認*\n承認なし' });
    expect(fields).toContainEqual({ type: 'mrkdwn', text: '*日時*\n2026-11-23 14:05 JST' });
    expect(body.blocks[3]).toEqual({
      type: 'actions',
      elements: [
        {
          type: 'button',
          text: { type: 'plain_text', text: 'Grafana でセッションを見る', emoji: true },
          url: links.grafana,
          action_id: 'rmwatch-link-0',
        },
        {
          type: 'button',
          text: { type: 'plain_text', text: '監査 API のタイムライン', emoji: true },
          url: links.auditApi,
          action_id: 'rmwatch-link-1',
        },
      ],
    });
  });

  it('Teams gets a message with one Adaptive Card: facts in a FactSet, links as Action.OpenUrl', async () => {
    const teams = notifier({
      name: 'teams',
      type: 'teams',
      url: `${http.origin}/workflows/abc/triggers/manual`,
    });
    await teams.send(alert, links);
    const body = http.requests[0]?.body as {
      type: string;
      attachments: { contentType: string; content: Record<string, unknown> }[];
    };
    expect(body.type).toBe('message');
    expect(body.attachments).toHaveLength(1);
    const [card] = body.attachments;
    expect(card?.contentType).toBe('application/vnd.microsoft.card.adaptive');
    expect(card?.content).toMatchObject({ type: 'AdaptiveCard', version: '1.4' });
    const cardBody = card?.content.body as Record<string, unknown>[];
    expect(cardBody[0]).toMatchObject({ type: 'TextBlock', text: JA_SUBJECT, color: 'Attention' });
    const factSets = cardBody.filter((e) => e.type === 'FactSet') as {
      facts: { title: string; value: string }[];
    }[];
    expect(factSets).toHaveLength(2);
    expect(factSets[0]?.facts).toContainEqual({ title: 'セッション', value: 's-42' });
    expect(factSets[1]?.facts).toContainEqual({ title: 'Approval', value: 'no approval' });
    expect(card?.content.actions).toEqual([
      { type: 'Action.OpenUrl', title: 'Grafana でセッションを見る', url: links.grafana },
      { type: 'Action.OpenUrl', title: '監査 API のタイムライン', url: links.auditApi },
    ]);
  });

  it('a 503 and a 429 are worth retrying; the 429 passes on Retry-After', async () => {
    const slack = notifier({ name: 'oncall', type: 'slack', url: `${http.origin}${TOKEN_PATH}` });
    http.failNext(503);
    const unavailable = await failure(slack.send(alert, links));
    expect(unavailable.permanent).toBe(false);
    expect(unavailable.message).toContain('slack notifier "oncall"');
    expect(unavailable.message).toContain('503');

    http.failNext(429, 1, 'rate_limited', { 'retry-after': '30' });
    const limited = await failure(slack.send(alert, links));
    expect(limited.permanent).toBe(false);
    expect(limited.retryAfterMs).toBe(30_000);
    expect(limited.message).toContain('429');
  });

  it('a 400 is a permanent refusal, and the error says why without the URL path or token', async () => {
    const slack = notifier({ name: 'oncall', type: 'slack', url: `${http.origin}${TOKEN_PATH}` });
    http.failNext(400, 1, `invalid_payload for ${TOKEN_PATH}`);
    const refused = await failure(slack.send(alert, links));
    expect(refused.permanent).toBe(true);
    expect(refused.message).toContain(`slack notifier "oncall": ${http.origin} answered 400`);
    expect(refused.message).toContain('invalid_payload');
    expect(refused.message).not.toContain('xoxb-secret-token');
    expect(refused.message).not.toContain('/services/');
  });

  it('a receiver slower than timeoutMs is a transient failure, reported as a timeout', async () => {
    const hook = notifier({
      name: 'slow',
      type: 'webhook',
      url: `${http.origin}${TOKEN_PATH}`,
      timeoutMs: 300,
    });
    http.slowDown(2_000);
    const started = Date.now();
    const timedOut = await failure(hook.send(alert, links));
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(timedOut.permanent).toBe(false);
    expect(timedOut.message).toBe(`webhook notifier "slow": no answer from ${http.origin} within 300 ms`);
  });

  it('a receiver that is down is a transient failure, and delivery works again once it is back', async () => {
    const teams = notifier({ name: 'teams', type: 'teams', url: `${http.origin}${TOKEN_PATH}` });
    await teams.send(alert, links);
    await http.down();
    try {
      const refused = await failure(teams.send(alert, links));
      expect(refused.permanent).toBe(false);
      expect(refused.message).toBe(`teams notifier "teams": connection to ${http.origin} refused`);
    } finally {
      await http.up();
    }
    await teams.send(alert, links);
    expect(http.requests).toHaveLength(2);
  });
});

describe('e-mail notifier', () => {
  let smtp: SmtpReceiver;
  beforeAll(async () => {
    smtp = await startSmtpReceiver({ auth: { user: 'rmwatch', pass: 's3cret-パス' } });
  });
  afterAll(async () => {
    await smtp.close();
  });
  afterEach(() => {
    smtp.mails.splice(0);
  });

  const mailSettings = (overrides: Record<string, unknown> = {}) => ({
    name: 'city-mail',
    type: 'email',
    smtp: {
      host: smtp.host,
      port: smtp.port,
      auth: { user: 'rmwatch', pass: 's3cret-パス' },
      caFile: smtp.caFile,
      ...overrides,
    },
    from: '"rmwatch 監視" <rmwatch@city.example.jp>',
    to: ['security@city.example.jp', 'oncall@city.example.jp'],
  });

  it('sends over STARTTLS with login; the Japanese subject and body arrive intact after MIME decoding', async () => {
    await notifier(mailSettings()).send(alert, links);
    const [mail] = smtp.mails;
    expect(mail?.secure).toBe(true);
    expect(mail?.user).toBe('rmwatch');
    expect(mail?.envelope).toEqual({
      from: 'rmwatch@city.example.jp',
      to: ['security@city.example.jp', 'oncall@city.example.jp'],
    });
    expect(mail?.parsed.subject).toBe(JA_SUBJECT);
    // On the wire the subject is MIME-encoded UTF-8, not raw 8-bit.
    expect(mail?.raw.toString('latin1')).toMatch(/^Subject: =\?UTF-8\?[BQ]\?/im);
    expect(mail?.parsed.from?.value).toEqual([{ name: 'rmwatch 監視', address: 'rmwatch@city.example.jp' }]);
    expect(mail?.parsed.text).toContain(
      '承認時間外に vnd_yamada が APP01 へ接続しました（株式会社サンプル保守）',
    );
    expect(mail?.parsed.text).toContain('日時: 2026-11-23 14:05 JST');
    expect(mail?.parsed.text).toContain('When: 2026-11-23 14:05 JST');
    expect(mail?.parsed.text).toContain(links.grafana);
    expect(mail?.parsed.html).toContain('<h2>[重大] 承認時間外の接続</h2>');
    expect(mail?.parsed.html).toContain(`<a href="${links.auditApi}">監査 API のタイムライン</a>`);
  });

  it('the Message-ID comes from the alert id, so a redelivery is the same mail; X-Rmwatch-Alert-Id names the alert', async () => {
    const mailer = notifier(mailSettings());
    await mailer.send(alert, links);
    await mailer.send(alert, links);
    const ids = smtp.mails.map((m) => m.parsed.messageId);
    expect(ids).toEqual([
      '<rmwatch.f-0001=3Aactive=3Acritical@city.example.jp>',
      '<rmwatch.f-0001=3Aactive=3Acritical@city.example.jp>',
    ]);
    expect(smtp.mails[0]?.parsed.headers.get('x-rmwatch-alert-id')).toBe('f-0001:active:critical');
  });

  it('a 451 is worth retrying and a 550 is not', async () => {
    const mailer = notifier(mailSettings());
    smtp.rejectNext(451, 1, 'mailbox busy, try later');
    const later = await failure(mailer.send(alert, links));
    expect(later.permanent).toBe(false);
    expect(later.message).toContain(`email notifier "city-mail": ${smtp.host}:${smtp.port} answered 451`);

    smtp.rejectNext(550, 1, 'no such mailbox');
    const never = await failure(mailer.send(alert, links));
    expect(never.permanent).toBe(true);
    expect(never.message).toContain('answered 550');
    expect(never.message).toContain('no such mailbox');
  });

  it('a wrong password is refused for good, and the error does not show the password', async () => {
    const mailer = notifier(mailSettings({ auth: { user: 'rmwatch', pass: 'wrong-password' } }));
    const refused = await failure(mailer.send(alert, links));
    expect(refused.permanent).toBe(true);
    expect(refused.message).toContain('535');
    expect(refused.message).not.toContain('wrong-password');
  });

  it("a server certificate the city's CA file does not vouch for fails the delivery, unless verification is off", async () => {
    const untrusted = notifier(mailSettings({ caFile: undefined }));
    const failed = await failure(untrusted.send(alert, links));
    expect(failed.permanent).toBe(false);
    expect(smtp.mails).toHaveLength(0);

    await notifier(mailSettings({ caFile: undefined, rejectUnauthorized: false })).send(alert, links);
    expect(smtp.mails).toHaveLength(1);
  });

  it('an SMTP server that is not listening is a transient failure', async () => {
    const closed = await startSmtpReceiver();
    const port = closed.port;
    await closed.close();
    const mailer = notifier({ ...mailSettings(), smtp: { host: '127.0.0.1', port, caFile: smtp.caFile } });
    const refused = await failure(mailer.send(alert, links));
    expect(refused.permanent).toBe(false);
    expect(refused.message).toContain(`cannot deliver to 127.0.0.1:${port}`);
  });

  it('an SMTP server that accepts the connection but never answers fails within timeoutMs, as transient', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as AddressInfo;
    try {
      const mailer = notifier({ ...mailSettings(), timeoutMs: 400, smtp: { host: '127.0.0.1', port } });
      const started = Date.now();
      const timedOut = await failure(mailer.send(alert, links));
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(timedOut.permanent).toBe(false);
    } finally {
      silent.close();
    }
  });

  it('implicit TLS (secure: true) delivers to a server that speaks TLS from the first byte', async () => {
    const tls = await startSmtpReceiver({ secure: true });
    try {
      const mailer = notifier({
        ...mailSettings(),
        smtp: { host: tls.host, port: tls.port, secure: true, caFile: tls.caFile },
      });
      await mailer.send(alert, {});
      expect(tls.mails[0]?.secure).toBe(true);
      expect(tls.mails[0]?.parsed.subject).toBe(JA_SUBJECT);
    } finally {
      await tls.close();
    }
  });
});

describe('notifier configuration', () => {
  it('builds one notifier per configured name', async () => {
    const list = ['a', 'b'].map((name) =>
      NotifierSettings.parse({ name, type: 'webhook', url: 'http://127.0.0.1:9/x' }),
    );
    const map = createNotifiers(list, log);
    expect([...map.keys()]).toEqual(['a', 'b']);
    await Promise.all([...map.values()].map((n) => n.close()));
  });

  it('refuses two notifiers with the same name, naming it', () => {
    const list = [
      NotifierSettings.parse({ name: 'oncall', type: 'slack', url: 'http://127.0.0.1:9/x' }),
      NotifierSettings.parse({ name: 'oncall', type: 'teams', url: 'http://127.0.0.1:9/y' }),
    ];
    expect(() => createNotifiers(list, log)).toThrow(/more than one notifier is named "oncall"/);
  });

  it('an unreadable CA file is a clear error at start, not at the first alert', () => {
    const settings = NotifierSettings.parse({
      name: 'city-mail',
      type: 'email',
      smtp: { host: '127.0.0.1', caFile: '/nonexistent/city-ca.pem' },
      from: 'rmwatch@city.example.jp',
      to: ['security@city.example.jp'],
    });
    expect(() => createNotifier(settings, log)).toThrow(
      /email notifier "city-mail": cannot read smtp.caFile \/nonexistent\/city-ca.pem/,
    );
  });
});
