// frozen_vendor: any activity by a vendor whose service is frozen (after an incident, until the fix is audited).
import { jst, who } from './describe.ts';
import type { Rule } from './rule.ts';

export const frozenVendor: Rule = {
  id: 'frozen_vendor',
  severity: 'critical',
  check(session, { registry, cover }) {
    const id = session.vendor ?? (cover.kind === 'none' ? undefined : cover.approval.vendor);
    const vendor = id ? (registry.vendor(id) ?? registry.vendorByIdOrName(id)) : undefined;
    if (!vendor?.frozen) return [];
    if (vendor.frozen_since && vendor.frozen_since > session.last_seen) return [];
    const w = who(session, registry);
    const since = vendor.frozen_since ? `（${jst(vendor.frozen_since)} から）` : '';
    const sinceEn = vendor.frozen_since ? ` since ${jst(vendor.frozen_since)}` : '';
    const reason = vendor.frozen_reason ? `理由: ${vendor.frozen_reason}` : '';
    return [
      {
        evidence: session.evidence.slice(0, 10),
        message: `利用停止中の事業者 ${vendor.name}${since}による接続です: ${w.ja}。${reason}`,
        message_en: `Activity by ${vendor.name}, whose service is frozen${sinceEn}: ${w.en}.${vendor.frozen_reason ? ` Reason: ${vendor.frozen_reason}` : ''}`,
      },
    ];
  },
};
