// How findings name people, places and times for a security officer: operators by name, times in Japan time.
import type { Session, TimelineEntry } from '../../model/session.ts';
import type { RegistryView } from '../correlate/registry-view.ts';
import { tokyoLabel } from '../../model/tokyo-time.ts';

/** `2026-11-24 09:00 JST`: stored times are UTC, people read Japan time. */
export const jst = tokyoLabel;

/** Who the session was: the registered operator and vendor, else the account or VPN user. */
export function who(session: Session, registry: RegistryView): { ja: string; en: string } {
  const operator = registry.operator(session.operator);
  const vendor = registry.vendor(session.vendor);
  const account = session.vpn_user ?? session.accounts[0] ?? session.source.ip ?? 'unknown';
  const person = operator ? `${operator.name} (${account})` : account;
  return vendor
    ? { ja: `${vendor.name} の ${person}`, en: `${person} of ${vendor.name}` }
    : { ja: person, en: person };
}

export function firstOpening(session: Session): TimelineEntry | undefined {
  return session.timeline.find((e) => e.outcome !== 'failure') ?? session.timeline[0];
}

export function minutes(ms: number): number {
  return Math.round(ms / 60_000);
}
