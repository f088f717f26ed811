// Findings, notices and alert settings as the alert tests use them: a finding of a rule with a severity, a
// session notice, and routes built from the configuration schema with its defaults.
import { Alert } from '../../model/alert.ts';
import type { Finding, RuleId, Severity } from '../../model/finding.ts';
import type { Notice } from '../../model/notice.ts';
import { AlertSettings, Route } from '../../alerts/settings.ts';
import type { AlertRecord } from '../../alerts/state.ts';

/** Tokyo is UTC+9 all year: `tokyo('2026-11-24 22:30')` is that wall-clock time in Asia/Tokyo. */
export function tokyo(local: string): Date {
  return new Date(`${local.replace(' ', 'T')}:00+09:00`);
}

export function finding(overrides: Partial<Finding> & { id: string }): Finding {
  return {
    rule: 'out_of_window' as RuleId,
    severity: 'high' as Severity,
    session_id: `s-${overrides.id}`,
    status: 'active',
    evidence: ['e-1'],
    message: '承認された作業時間外の接続です（株式会社サンプル保守）',
    message_en: 'Connection outside any approved window (Sample Maintenance Co.)',
    '@timestamp': '2026-11-24T01:00:00.000Z',
    updated_at: '2026-11-24T01:00:00.000Z',
    vendor: 'vendor-a',
    operator: 'op-yamada',
    account: 'vnd_yamada',
    host: 'SRV01',
    disposition: { status: 'open' },
    ...overrides,
  };
}

export function notice(overrides: Partial<Notice> & { id: string }): Notice {
  return {
    kind: 'session_start',
    session_id: `s-${overrides.id}`,
    '@timestamp': '2026-11-24T01:00:00.000Z',
    vendor: 'vendor-a',
    accounts: ['vnd_yamada'],
    targets: ['SRV01'],
    message: '株式会社サンプル保守の保守作業が始まりました',
    message_en: 'Sample Maintenance Co. started a maintenance session',
    ...overrides,
  };
}

export function route(input: Record<string, unknown>): Route {
  return Route.parse({ notifiers: ['hook'], ...input });
}

export function settings(input: Record<string, unknown>): AlertSettings {
  return AlertSettings.parse(input);
}

export function alert(overrides: Partial<Alert> = {}): Alert {
  return Alert.parse({
    id: 'f-1:active:high',
    source: 'finding',
    source_id: 'f-1',
    state: 'active:high',
    rule: 'out_of_window',
    severity: 'high',
    session_id: 's-1',
    vendor: 'vendor-a',
    message: '時間外接続',
    message_en: 'Out of window',
    at: '2026-11-24T01:00:00.000Z',
    ...overrides,
  });
}

/** A critical out-of-window alert with every fact filled in, as the message and notifier tests read it. */
export function outOfWindowAlert(overrides: Partial<Alert> = {}): Alert {
  return alert({
    id: 'f-0001:active:critical',
    source_id: 'f-0001',
    state: 'active:critical',
    severity: 'critical',
    session_id: 's-42',
    operator: 'op-1',
    accounts: ['vnd_yamada'],
    targets: ['APP01'],
    message: '承認時間外に vnd_yamada が APP01 へ接続しました（株式会社サンプル保守）',
    message_en: 'vnd_yamada connected to APP01 outside any approved window',
    at: '2026-11-23T05:05:00.000Z',
    ...overrides,
  });
}

export function record(overrides: Partial<AlertRecord> = {}): AlertRecord {
  return {
    alert: alert(),
    route: 'main',
    status: 'pending',
    seq: 0,
    version: 0,
    created_at: '2026-11-24T01:00:00.000Z',
    updated_at: '2026-11-24T01:00:00.000Z',
    attempts: 0,
    deliveries: [],
    failures: [],
    ...overrides,
  };
}
