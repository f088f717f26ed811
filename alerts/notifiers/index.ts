// The configured notifiers (`alerts.notifiers[]`), built once at start and looked up by name by the routes.
import type { Logger } from '../../infra/logger.ts';
import { createEmailNotifier } from './email.ts';
import type { Notifier } from './notifier.ts';
import type { NotifierSettings } from './settings.ts';
import { createSlackNotifier } from './slack.ts';
import { createTeamsNotifier } from './teams.ts';
import { createWebhookNotifier } from './webhook.ts';

export { DeliveryError, type AlertLinks, type Notifier } from './notifier.ts';
export { NotifierSettings } from './settings.ts';

export function createNotifier(settings: NotifierSettings, log: Logger): Notifier {
  const notifier = build(settings);
  const where =
    settings.type === 'email' ? `${settings.smtp.host}:${settings.smtp.port}` : new URL(settings.url).origin;
  log.info({ notifier: settings.name, type: settings.type, to: where }, 'notifier ready');
  return notifier;
}

function build(settings: NotifierSettings): Notifier {
  switch (settings.type) {
    case 'webhook':
      return createWebhookNotifier(settings);
    case 'slack':
      return createSlackNotifier(settings);
    case 'teams':
      return createTeamsNotifier(settings);
    case 'email':
      return createEmailNotifier(settings);
  }
}

/** Routes refer to notifiers by name, so two with one name would make a route ambiguous. */
export function createNotifiers(list: readonly NotifierSettings[], log: Logger): Map<string, Notifier> {
  const seen = new Set<string>();
  const duplicates = new Set<string>();
  for (const s of list) (seen.has(s.name) ? duplicates : seen).add(s.name);
  if (duplicates.size > 0) {
    throw new Error(
      `alerts.notifiers: more than one notifier is named ${[...duplicates].map((n) => `"${n}"`).join(', ')}; ` +
        'routes refer to notifiers by name, so names must be unique',
    );
  }
  return new Map(list.map((s) => [s.name, createNotifier(s, log)]));
}
