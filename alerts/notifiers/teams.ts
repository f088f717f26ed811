// Microsoft Teams: a message carrying one Adaptive Card (the format Teams workflow webhooks accept) — the
// title, the sentence, the facts as a FactSet, and Action.OpenUrl buttons for the links.
//   config: alerts.notifiers[] with type `teams` (url, timeoutMs, language)
import type { Alert } from '../../model/alert.ts';
import { jsonNotifier } from './http.ts';
import { renderAlert, type LanguageSetting } from './message.ts';
import type { AlertLinks, Notifier } from './notifier.ts';
import type { TeamsNotifierSettings } from './settings.ts';
import type { z } from 'zod';

export const ADAPTIVE_CARD = 'application/vnd.microsoft.card.adaptive';

type CardElement =
  | {
      type: 'TextBlock';
      text: string;
      wrap: true;
      weight?: 'Bolder';
      size?: 'Medium' | 'Large';
      color?: 'Attention' | 'Warning' | 'Good' | 'Default';
      separator?: boolean;
      isSubtle?: boolean;
    }
  | { type: 'FactSet'; facts: { title: string; value: string }[] };

export interface TeamsPayload {
  type: 'message';
  summary: string;
  attachments: [
    {
      contentType: typeof ADAPTIVE_CARD;
      contentUrl: null;
      content: {
        $schema: string;
        type: 'AdaptiveCard';
        version: string;
        body: CardElement[];
        actions: { type: 'Action.OpenUrl'; title: string; url: string }[];
        msteams: { width: 'Full' };
      };
    },
  ];
}

export function teamsPayload(alert: Alert, links: AlertLinks, language: LanguageSetting): TeamsPayload {
  const message = renderAlert(alert, links, language);
  const color =
    message.kind === 'withdrawn'
      ? 'Good'
      : alert.severity === 'critical' || alert.severity === 'high'
        ? 'Attention'
        : alert.severity === 'medium'
          ? 'Warning'
          : 'Default';
  const body: CardElement[] = [
    { type: 'TextBlock', text: message.subject, wrap: true, weight: 'Bolder', size: 'Medium', color },
  ];
  message.texts.forEach((t, i) => {
    body.push(
      { type: 'TextBlock', text: t.headline, wrap: true, weight: 'Bolder', separator: i > 0 },
      { type: 'TextBlock', text: t.sentence, wrap: true },
      { type: 'FactSet', facts: t.facts.map((f) => ({ title: f.label, value: f.value })) },
    );
  });
  body.push({ type: 'TextBlock', text: `alert ${alert.id}`, wrap: true, isSubtle: true });
  // One button per link, labelled in the first language: a second row in English would only repeat the URLs.
  const actions = (message.texts[0]?.links ?? []).map((l) => ({
    type: 'Action.OpenUrl' as const,
    title: l.label,
    url: l.url,
  }));
  return {
    type: 'message',
    summary: message.subject,
    attachments: [
      {
        contentType: ADAPTIVE_CARD,
        contentUrl: null,
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          body,
          actions,
          msteams: { width: 'Full' },
        },
      },
    ],
  };
}

export function createTeamsNotifier(settings: z.infer<typeof TeamsNotifierSettings>): Notifier {
  return jsonNotifier('teams', settings, (alert, links) => teamsPayload(alert, links, settings.language));
}
