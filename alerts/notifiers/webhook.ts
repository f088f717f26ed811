// Generic JSON webhook: POSTs the whole alert, its rendered text and links, for receivers of the city's own
// (ticketing, SIEM, a script). The alert id travels as `Idempotency-Key` (header and body) so a receiver can
// recognise a redelivery after the stage retried.
//   config: alerts.notifiers[] with type `webhook` (url, headers, timeoutMs, language)
import type { Alert } from '../../model/alert.ts';
import { jsonNotifier } from './http.ts';
import { renderAlert, type LanguageSetting } from './message.ts';
import type { AlertLinks, Notifier } from './notifier.ts';
import type { WebhookNotifierSettings } from './settings.ts';
import type { z } from 'zod';

export interface WebhookPayload {
  idempotency_key: string;
  subject: string;
  text: string;
  language: LanguageSetting;
  links: AlertLinks;
  alert: Alert;
}

export function webhookPayload(alert: Alert, links: AlertLinks, language: LanguageSetting): WebhookPayload {
  const message = renderAlert(alert, links, language);
  return { idempotency_key: alert.id, subject: message.subject, text: message.text, language, links, alert };
}

export function createWebhookNotifier(settings: z.infer<typeof WebhookNotifierSettings>): Notifier {
  return jsonNotifier(
    'webhook',
    settings,
    (alert, links) => webhookPayload(alert, links, settings.language),
    (alert) => ({
      ...settings.headers,
      'idempotency-key': alert.id,
    }),
  );
}
