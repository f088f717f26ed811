// file_transfer: data moving over the line — share or file access from the remote session, drive,
// clipboard or printer redirection, or more upload through the gateway/VPN than screen work makes.
import type { TimelineEntry } from '../../model/session.ts';
import { who } from './describe.ts';
import type { Rule, Violation } from './rule.ts';

const KINDS: Record<string, { subject: string; ja: string; en: string; severity: 'high' | 'medium' }> = {
  share_access: { subject: 'share', ja: '共有フォルダへのアクセス', en: 'share access', severity: 'high' },
  share_file_access: {
    subject: 'share',
    ja: '共有フォルダへのアクセス',
    en: 'share access',
    severity: 'high',
  },
  file_access: { subject: 'file', ja: 'ファイルへのアクセス', en: 'file access', severity: 'medium' },
  device_redirection: {
    subject: 'redirection',
    ja: 'ドライブ・クリップボード等のリダイレクト',
    en: 'drive/clipboard redirection',
    severity: 'high',
  },
};
const EVIDENCE_LIMIT = 50;

export const fileTransfer: Rule = {
  id: 'file_transfer',
  severity: 'high',
  check(session, { registry, settings }) {
    const w = who(session, registry);
    const bySubject = new Map<string, TimelineEntry[]>();
    for (const e of session.timeline) {
      const kind = KINDS[e.action];
      if (kind) bySubject.set(kind.subject, [...(bySubject.get(kind.subject) ?? []), e]);
    }
    const out: Violation[] = [];
    for (const [subject, entries] of bySubject) {
      const first = entries[0] as TimelineEntry;
      const kind = KINDS[first.action] as (typeof KINDS)[string];
      const where = first.detail ? ` ${first.detail}` : '';
      const on = first.host ? `（${first.host}）` : '';
      out.push({
        subject,
        severity: kind.severity,
        evidence: entries.slice(0, EVIDENCE_LIMIT).map((e) => e.id),
        host: first.host,
        account: first.account,
        message: `${w.ja} のセッションで${kind.ja}${where}${on}が ${entries.length} 件記録されました。回線を通じたデータの持ち出し・持ち込みは禁止です。`,
        message_en: `${entries.length} ${kind.en} event(s)${where}${first.host ? ` on ${first.host}` : ''} in the session of ${w.en}; no data may cross the line.`,
      });
    }
    if (session.bytes_in > settings.uploadBytes) {
      const carrying = session.timeline.filter((e) => (e.bytes_in ?? 0) > 0).map((e) => e.id);
      const mib = (session.bytes_in / 1024 / 1024).toFixed(1);
      out.push({
        subject: 'upload',
        evidence: carrying.length > 0 ? carrying : [session.evidence[0] ?? session.id],
        message: `${w.ja} のセッションで外部からの送信量が ${mib} MiB に達しました（しきい値 ${(settings.uploadBytes / 1024 / 1024).toFixed(0)} MiB）。画面操作だけでは通常生じない量です。`,
        message_en: `${mib} MiB went from the client into the city in the session of ${w.en} (threshold ${(settings.uploadBytes / 1024 / 1024).toFixed(0)} MiB), more than screen work makes.`,
      });
    }
    return out;
  },
};
