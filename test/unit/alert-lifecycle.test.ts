// What makes an alert, and what happens to it afterwards, with a fixed clock: one alert per finding state
// (re-sent unchanged: the same id), links to the session, escalation after the configured minutes unless
// acknowledged, and configuration that names notifiers or routes that do not exist.
import { describe, expect, it } from 'vitest';
import { alertLinks, alertOfFinding, alertOfNotice } from '../../alerts/alerts.ts';
import { acknowledge, escalate, escalationDue, shouldEscalate } from '../../alerts/escalation.ts';
import { parkedBackoffMs } from '../../alerts/delivery.ts';
import { RetrySettings } from '../../alerts/settings.ts';
import { alert, finding, notice, record, route, settings } from '../support/alerts.ts';

describe('deduplication', () => {
  it('a finding re-sent unchanged by the correlator has the same alert id', () => {
    const first = alertOfFinding(finding({ id: 'f-1' }));
    const again = alertOfFinding(finding({ id: 'f-1', updated_at: '2026-11-24T02:00:00.000Z' }));
    expect(first.id).toBe('f-1:active:high');
    expect(again.id).toBe(first.id);
  });
  it('a new severity and a withdrawal are new states, each with an alert id of its own', () => {
    expect(alertOfFinding(finding({ id: 'f-1', severity: 'critical' })).id).toBe('f-1:active:critical');
    const withdrawn = alertOfFinding(finding({ id: 'f-1', status: 'withdrawn' }));
    expect(withdrawn.id).toBe('f-1:withdrawn');
    expect(withdrawn.state).toBe('withdrawn');
  });
  it('a notice alerts once per notice id, as info, with its Japanese message intact', () => {
    const a = alertOfNotice(notice({ id: 'n-1', kind: 'session_end' }));
    expect(a).toMatchObject({ id: 'n-1:session_end', severity: 'info', source: 'notice' });
    expect(a.message).toBe('株式会社サンプル保守の保守作業が始まりました');
  });
  it('links point to the session explorer dashboard and the audit API', () => {
    const links = alertLinks(
      { links: { grafana: 'https://grafana.city.local/', auditApi: 'https://audit.city.local:8090' } },
      'sess/1',
    );
    expect(links).toEqual({
      grafana: 'https://grafana.city.local/d/rmwatch-session-explorer/?var-session=sess%2F1',
      auditApi: 'https://audit.city.local:8090/sessions/sess%2F1',
    });
  });
});

describe('escalation', () => {
  const main = route({
    name: 'main',
    escalation: { afterMinutes: 30, severities: ['critical'], route: 'pager' },
  });
  const routes = [main, route({ name: 'pager', escalationOnly: true, notifiers: ['pager'] })];
  const critical = record({ alert: alert({ severity: 'critical' }), status: 'delivered' });
  const deliveredAt = new Date('2026-11-24T01:00:00Z');

  it('a critical alert delivered at 10:00 escalates at 10:30', () => {
    expect(escalationDue(critical, main, deliveredAt)).toEqual(new Date('2026-11-24T01:30:00Z'));
  });
  it('a high alert does not escalate when only critical ones do', () => {
    expect(escalationDue(record({ status: 'delivered' }), main, deliveredAt)).toBeUndefined();
  });
  it('is not due at 29 minutes, is due at 30, and goes to the escalation route at level 1', () => {
    const waiting = { ...critical, next_due: '2026-11-24T01:30:00.000Z' };
    expect(shouldEscalate(waiting, new Date('2026-11-24T01:29:59Z'))).toBe(false);
    expect(shouldEscalate(waiting, new Date('2026-11-24T01:30:00Z'))).toBe(true);
    const escalated = escalate(waiting, routes, new Date('2026-11-24T01:30:00Z'));
    expect(escalated).toMatchObject({ route: 'pager', status: 'pending', alert: { escalation: 1 } });
    expect(escalated?.next_due).toBeUndefined();
  });
  it('an acknowledged alert does not escalate', () => {
    const waiting = { ...critical, next_due: '2026-11-24T01:30:00.000Z' };
    const acked = acknowledge(waiting, 'tokyo-oncall', new Date('2026-11-24T01:10:00Z'));
    expect(acked).toMatchObject({ status: 'acknowledged', acknowledged: { by: 'tokyo-oncall' } });
    expect(shouldEscalate(acked, new Date('2026-11-24T02:00:00Z'))).toBe(false);
  });
  it('an alert acknowledged before it was delivered keeps its status and never schedules an escalation', () => {
    const acked = acknowledge(record({ alert: alert({ severity: 'critical' }) }), 'x', deliveredAt);
    expect(acked.status).toBe('pending');
    expect(escalationDue(acked, main, deliveredAt)).toBeUndefined();
  });
});

describe('parked deliveries', () => {
  it('wait longer after each failed retry, up to the maximum', () => {
    const retry = RetrySettings.parse({ parkedInitialMs: 1000, parkedMaxMs: 5000 });
    expect([1, 2, 3, 4].map((n) => parkedBackoffMs(retry, n))).toEqual([1000, 2000, 4000, 5000]);
  });
});

describe('configuration', () => {
  const hook = { name: 'hook', type: 'webhook', url: 'http://127.0.0.1:9/x' };
  it('refuses a route naming a notifier that does not exist', () => {
    expect(() => settings({ notifiers: [hook], routes: [{ name: 'a', notifiers: ['nope'] }] })).toThrow(
      /no notifier named nope/,
    );
  });
  it('refuses an escalation to a route that does not exist', () => {
    expect(() =>
      settings({
        notifiers: [hook],
        routes: [{ name: 'a', notifiers: ['hook'], escalation: { afterMinutes: 5, route: 'pager' } }],
      }),
    ).toThrow(/no route named pager/);
  });
  it('refuses an API without tokens', () => {
    expect(() => settings({ http: { port: 0 } })).toThrow(/needs at least one token/);
  });
  it('quiet hours let critical alerts through by default', () => {
    const s = settings({
      notifiers: [hook],
      routes: [{ name: 'a', notifiers: ['hook'], quietHours: { from: '22:00', to: '07:00' } }],
    });
    expect(s.routes[0]?.quietHours?.except).toEqual({ severities: ['critical'], rules: [] });
  });
});
