// The city's limits for a session: the registry's `limits` when set, else the configured defaults.
import type { RegistryView } from '../correlate/registry-view.ts';
import type { RuleSettings } from '../correlate/settings.ts';

export function limitsOf(registry: RegistryView, settings: RuleSettings) {
  const l = registry.limits;
  return {
    maxConcurrent: l?.max_concurrent_sessions ?? settings.maxConcurrentSessions,
    maxMinutes: l?.max_session_minutes ?? settings.maxSessionMinutes,
    idleMinutes: l?.idle_minutes ?? settings.idleMinutes,
  };
}

/** Where a session's time ends for the rules: its end, or for an open one the time the stage has reached. */
export function effectiveEnd(
  session: { end?: string; status: string; last_seen: string },
  asOf: number,
): number {
  if (session.end) return Date.parse(session.end);
  const seen = Date.parse(session.last_seen);
  return session.status === 'open' ? Math.max(seen, asOf) : seen;
}
