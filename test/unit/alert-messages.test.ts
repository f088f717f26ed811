// What on-call staff read: the subject, the sentence, the facts and the links of an alert, in Japanese,
// English or both, with times in Asia/Tokyo.
import { describe, expect, it } from 'vitest';
import { renderAlert } from '../../alerts/notifiers/message.ts';
import { tokyoLabel } from '../../model/tokyo-time.ts';
import { messageIdFor, mailDomain } from '../../alerts/notifiers/email.ts';
import { slackPayload } from '../../alerts/notifiers/slack.ts';
import { teamsPayload } from '../../alerts/notifiers/teams.ts';
import { Alert } from '../../model/alert.ts';
import { outOfWindowAlert } from '../support/alerts.ts';

const outOfWindow = outOfWindowAlert({ targets: ['APP01', '10.20.1.5'] });

const links = {
  grafana: 'https://grafana.city.example/d/sessions?var-session=s-42',
  auditApi: 'https://audit.city.example/sessions/s-42',
};

describe('alert message text', () => {
  it('a Japanese subject names the severity, the rule, the vendor and the operator', () => {
    expect(renderAlert(outOfWindow, links, 'ja').subject).toBe(
      '[rmwatch][重大] 承認時間外の接続 — vendor-a / op-1',
    );
  });

  it('an English message uses the English sentence and labels only', () => {
    const m = renderAlert(outOfWindow, links, 'en');
    expect(m.subject).toBe('[rmwatch][critical] Connection outside an approved window — vendor-a / op-1');
    expect(m.text).toContain('vnd_yamada connected to APP01 outside any approved window');
    expect(m.text).not.toMatch(/[\u3040-\u30ff\u4e00-\u9fff]/);
    expect(m.text).toContain('Rule: Connection outside an approved window (out_of_window)');
  });

  it('"both" gives Japanese first, then English, and a subject with both titles', () => {
    const m = renderAlert(outOfWindow, links, 'both');
    expect(m.texts.map((t) => t.language)).toEqual(['ja', 'en']);
    expect(m.subject).toBe(
      '[rmwatch][重大] 承認時間外の接続 / Connection outside an approved window — vendor-a / op-1',
    );
    const ja = m.text.indexOf('承認時間外に vnd_yamada');
    const en = m.text.indexOf('vnd_yamada connected to APP01');
    expect(ja).toBeGreaterThanOrEqual(0);
    expect(en).toBeGreaterThan(ja);
  });

  it('lists session, vendor, operator, accounts, targets, approval and time as facts', () => {
    const facts = Object.fromEntries(
      renderAlert(outOfWindow, links, 'ja').texts[0]?.facts.map((f) => [f.label, f.value]) ?? [],
    );
    expect(facts).toEqual({
      状態: '新規',
      重大度: '重大',
      ルール: '承認時間外の接続 (out_of_window)',
      セッション: 's-42',
      事業者: 'vendor-a',
      作業者: 'op-1',
      アカウント: 'vnd_yamada',
      対象サーバ: 'APP01, 10.20.1.5',
      承認: '承認なし',
      日時: '2026-11-23 14:05 JST',
    });
  });

  it('says "no approval" when the session ran under none, and names the approval when it did', () => {
    expect(renderAlert(outOfWindow, links, 'en').text).toContain('Approval: no approval');
    expect(renderAlert({ ...outOfWindow, approval_id: 'R-2026-0042' }, links, 'en').text).toContain(
      'Approval: R-2026-0042',
    );
  });

  it('shows times in Asia/Tokyo, across the date line', () => {
    expect(tokyoLabel('2026-11-23T15:30:00Z')).toBe('2026-11-24 00:30 JST');
    expect(tokyoLabel('2026-12-31T23:59:59.999Z')).toBe('2027-01-01 08:59 JST');
  });

  it('a withdrawn finding says it is no longer a violation', () => {
    const m = renderAlert({ ...outOfWindow, id: 'f-0001:withdrawn', state: 'withdrawn' }, links, 'both');
    expect(m.kind).toBe('withdrawn');
    expect(m.subject.startsWith('[rmwatch][取り下げ・重大] 承認時間外の接続')).toBe(true);
    expect(m.text).toContain('状態: 取り下げ (違反ではなくなりました)');
    expect(m.text).toContain('State: withdrawn (no longer a violation)');
  });

  it('an escalation says so, and how many times it was escalated', () => {
    const m = renderAlert({ ...outOfWindow, escalation: 2 }, links, 'both');
    expect(m.kind).toBe('escalated');
    expect(m.subject.startsWith('[rmwatch][エスカレーション・重大]')).toBe(true);
    expect(m.text).toContain('状態: エスカレーション (2 回目)');
    expect(m.text).toContain('State: escalated (2nd time)');
  });

  it('a session start notice is titled as one, with severity info and no rule', () => {
    const notice = Alert.parse({
      id: 'n-7:session_start',
      source: 'notice',
      source_id: 'n-7',
      state: 'session_start',
      severity: 'info',
      session_id: 's-43',
      vendor: 'vendor-b',
      operator: 'op-2',
      approval_id: 'R-2026-0050',
      message: 'vendor-b の保守セッションが開始しました',
      message_en: 'vendor-b started a maintenance session',
      at: '2026-11-23T00:00:00Z',
    });
    const m = renderAlert(notice, {}, 'both');
    expect(m.subject).toBe(
      '[rmwatch][通知] 保守セッション開始 / Maintenance session started — vendor-b / op-2',
    );
    expect(m.text).not.toContain('ルール');
    expect(m.text).toContain('日時: 2026-11-23 09:00 JST');
    expect(m.text).toContain('承認: R-2026-0050');
    expect(renderAlert({ ...notice, state: 'session_end' }, {}, 'en').subject).toBe(
      '[rmwatch][info] Maintenance session ended — vendor-b / op-2',
    );
  });

  it('links appear when configured and are left out when not', () => {
    const withLinks = renderAlert(outOfWindow, links, 'ja');
    expect(withLinks.text).toContain(`Grafana でセッションを見る: ${links.grafana}`);
    expect(withLinks.text).toContain(`監査 API のタイムライン: ${links.auditApi}`);
    const without = renderAlert(outOfWindow, {}, 'ja');
    expect(without.texts[0]?.links).toEqual([]);
    expect(without.text).not.toContain('https://');
    const grafanaOnly = renderAlert(outOfWindow, { grafana: links.grafana }, 'en');
    expect(grafanaOnly.texts[0]?.links.map((l) => l.label)).toEqual(['Session in Grafana']);
  });

  it('an alert without vendor or operator is named by its session, and the facts say "unknown"', () => {
    const bare = { ...outOfWindow, vendor: undefined, operator: undefined, accounts: [], targets: [] };
    const m = renderAlert(bare, {}, 'en');
    expect(m.subject).toBe('[rmwatch][critical] Connection outside an approved window — s-42');
    expect(m.text).toContain('Vendor: unknown');
    expect(m.text).toContain('Accounts: none');
  });
});

describe('message layouts', () => {
  it('the e-mail Message-ID is the same for the same alert and different for different alerts', () => {
    const a = messageIdFor(outOfWindow, 'city.example.jp');
    expect(a).toBe('<rmwatch.f-0001=3Aactive=3Acritical@city.example.jp>');
    expect(messageIdFor({ id: 'f-0001:withdrawn' }, 'city.example.jp')).not.toBe(a);
    expect(mailDomain('"rmwatch 監視" <alerts@city.example.jp>')).toBe('city.example.jp');
  });

  it('Slack text from logs cannot become Slack markup', () => {
    const sly = { ...outOfWindow, message_en: 'logged <!channel> & <http://evil|click>' };
    const section = slackPayload(sly, {}, 'en').blocks.find((b) => b.type === 'section' && b.text);
    expect(section).toMatchObject({
      text: { text: expect.stringContaining('&lt;!channel&gt; &amp; &lt;http://evil|click&gt;') },
    });
  });

  it('a Teams card colours high and critical alerts as attention, withdrawn ones as good', () => {
    const title = (a: Alert) => teamsPayload(a, {}, 'ja').attachments[0].content.body[0];
    expect(title(outOfWindow)).toMatchObject({ color: 'Attention' });
    expect(title({ ...outOfWindow, state: 'withdrawn' })).toMatchObject({ color: 'Good' });
    expect(title({ ...outOfWindow, severity: 'low' })).toMatchObject({ color: 'Default' });
  });
});
