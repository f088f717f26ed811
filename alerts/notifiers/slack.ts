// Slack incoming webhooks (and Mattermost / Rocket.Chat, which take the same payload): a `text` fallback for
// notifications, and Block Kit blocks — header, the sentence, the facts as fields, buttons for the links.
//   config: alerts.notifiers[] with type `slack` (url, timeoutMs, language)
import type { Alert } from '../../model/alert.ts';
import { jsonNotifier } from './http.ts';
import { renderAlert, type LanguageSetting } from './message.ts';
import type { AlertLinks, Notifier } from './notifier.ts';
import type { SlackNotifierSettings } from './settings.ts';
import type { z } from 'zod';

// Block Kit's limits; a longer value is refused with `invalid_blocks`, which would park the alert.
const HEADER_CHARS = 150;
const SECTION_CHARS = 3000;
const FIELD_CHARS = 2000;
const FIELDS_PER_SECTION = 10;
const BUTTON_CHARS = 75;

type TextObject = { type: 'plain_text' | 'mrkdwn'; text: string; emoji?: boolean };
export type SlackBlock =
  | { type: 'header'; text: TextObject }
  | { type: 'section'; text?: TextObject; fields?: TextObject[] }
  | { type: 'divider' }
  | { type: 'context'; elements: TextObject[] }
  | {
      type: 'actions';
      elements: { type: 'button'; text: TextObject; url: string; action_id: string }[];
    };

export interface SlackPayload {
  text: string;
  blocks: SlackBlock[];
}

export function slackPayload(alert: Alert, links: AlertLinks, language: LanguageSetting): SlackPayload {
  const message = renderAlert(alert, links, language);
  const blocks: SlackBlock[] = [{ type: 'header', text: plain(message.subject, HEADER_CHARS) }];
  message.texts.forEach((t, i) => {
    if (i > 0) blocks.push({ type: 'divider' });
    blocks.push({
      type: 'section',
      text: mrkdwn(`*${escape(t.headline)}*\n${escape(t.sentence)}`, SECTION_CHARS),
    });
    blocks.push({
      type: 'section',
      fields: t.facts
        .slice(0, FIELDS_PER_SECTION)
        .map((f) => mrkdwn(`*${escape(f.label)}*\n${escape(f.value)}`, FIELD_CHARS)),
    });
  });
  // One row of buttons, labelled in the first language: a second row in English would only repeat the URLs.
  const buttons = message.texts[0]?.links ?? [];
  if (buttons.length > 0) {
    blocks.push({
      type: 'actions',
      elements: buttons.map((l, j) => ({
        type: 'button',
        text: plain(l.label, BUTTON_CHARS),
        url: l.url,
        action_id: `rmwatch-link-${j}`,
      })),
    });
  }
  blocks.push({ type: 'context', elements: [mrkdwn(`alert \`${escape(alert.id)}\``, SECTION_CHARS)] });
  const first = message.texts[0];
  const fallback = first ? `${message.subject}\n${first.sentence}` : message.subject;
  return { text: fallback, blocks };
}

function plain(text: string, max: number): TextObject {
  return { type: 'plain_text', text: clip(text, max), emoji: true };
}

function mrkdwn(text: string, max: number): TextObject {
  return { type: 'mrkdwn', text: clip(text, max) };
}

function clip(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`;
}

/** Slack reads `&`, `<` and `>` as markup (links, mentions); text from logs must not become markup. */
function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

export function createSlackNotifier(settings: z.infer<typeof SlackNotifierSettings>): Notifier {
  return jsonNotifier('slack', settings, (alert, links) => slackPayload(alert, links, settings.language));
}
