// Configuration of one notifier (`alerts.notifiers[]`): its name, which routes refer to, and where it sends.
// Secrets (webhook URLs carry a token in their path, SMTP passwords) are hidden by `rmwatch config`.
import { z } from 'zod';

const Common = {
  /** What routes call it. */
  name: z.string().min(1),
  /** How long one delivery may take before it counts as failed (and is retried by the stage). */
  timeoutMs: z.number().int().positive().default(10_000),
  /** Which language the message is in: Japanese, English, or Japanese with the English below. */
  language: z.enum(['ja', 'en', 'both']).default('both'),
};

export const WebhookNotifierSettings = z
  .object({
    ...Common,
    type: z.literal('webhook'),
    url: z.url(),
    /** Extra request headers, e.g. the receiver's own authorization. */
    headers: z.record(z.string(), z.string()).default({}),
  })
  .strict();

/** Slack incoming webhooks, and receivers that take Slack's message format (Mattermost, Rocket.Chat). */
export const SlackNotifierSettings = z.object({ ...Common, type: z.literal('slack'), url: z.url() }).strict();

/** Microsoft Teams incoming webhooks (workflow or connector URL). */
export const TeamsNotifierSettings = z.object({ ...Common, type: z.literal('teams'), url: z.url() }).strict();

export const EmailNotifierSettings = z
  .object({
    ...Common,
    type: z.literal('email'),
    smtp: z
      .object({
        host: z.string().min(1),
        port: z.number().int().min(1).max(65535).default(587),
        /** TLS from the first byte (port 465); otherwise STARTTLS, required unless `requireTls: false`. */
        secure: z.boolean().default(false),
        requireTls: z.boolean().default(true),
        auth: z
          .object({ user: z.string().min(1), pass: z.string().min(1) })
          .strict()
          .optional(),
        /** A PEM file of the CA that signed the server's certificate (a city's own CA). */
        caFile: z.string().min(1).optional(),
        rejectUnauthorized: z.boolean().default(true),
      })
      .strict(),
    from: z.string().min(3),
    to: z.array(z.string().min(3)).min(1),
  })
  .strict();

export const NotifierSettings = z.discriminatedUnion('type', [
  WebhookNotifierSettings,
  SlackNotifierSettings,
  TeamsNotifierSettings,
  EmailNotifierSettings,
]);
export type NotifierSettings = z.infer<typeof NotifierSettings>;
