// E-mail over SMTP (nodemailer): a plain-text and a simple HTML part, UTF-8 throughout (the Japanese subject
// MIME-encoded), over TLS — implicit (`secure`, port 465) or STARTTLS, which is required unless turned off.
// The Message-ID is derived from the alert id, so a redelivered alert is the same mail to a mail system that
// deduplicates, and `X-Rmwatch-Alert-Id` carries the id for filters.
//   config: alerts.notifiers[] with type `email` (smtp.{host,port,secure,requireTls,auth,caFile,
//           rejectUnauthorized}, from, to[], timeoutMs, language)
import { readFileSync } from 'node:fs';
import nodemailer from 'nodemailer';
import type { z } from 'zod';
import type { Alert } from '../../model/alert.ts';
import { renderAlert, type AlertMessage } from './message.ts';
import { DeliveryError, type Notifier } from './notifier.ts';
import type { EmailNotifierSettings } from './settings.ts';

type Settings = z.infer<typeof EmailNotifierSettings>;

export function createEmailNotifier(settings: Settings): Notifier {
  const who = `email notifier "${settings.name}"`;
  const { smtp } = settings;
  const server = `${smtp.host}:${smtp.port}`;
  const ca = smtp.caFile ? readCa(who, smtp.caFile) : undefined;
  const transport = nodemailer.createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    requireTLS: !smtp.secure && smtp.requireTls,
    ...(smtp.auth ? { auth: { user: smtp.auth.user, pass: smtp.auth.pass } } : {}),
    tls: { rejectUnauthorized: smtp.rejectUnauthorized, ...(ca ? { ca } : {}) },
    connectionTimeout: settings.timeoutMs,
    greetingTimeout: settings.timeoutMs,
    socketTimeout: settings.timeoutMs,
  });
  const domain = mailDomain(settings.from);

  return {
    name: settings.name,
    async send(alert, links) {
      const message = renderAlert(alert, links, settings.language);
      const mail = {
        from: settings.from,
        to: settings.to,
        subject: message.subject,
        text: message.text,
        html: html(message),
        messageId: messageIdFor(alert, domain),
        headers: { 'X-Rmwatch-Alert-Id': alert.id },
      };
      // The socket timeouts bound each wait; this bounds the whole delivery (a server that answers slowly
      // but steadily would otherwise hold the alert indefinitely).
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new DeliveryError(
                `${who}: ${server} did not take the mail within ${settings.timeoutMs} ms`,
                false,
              ),
            ),
          settings.timeoutMs,
        );
      });
      try {
        await Promise.race([transport.sendMail(mail), deadline]);
      } catch (err) {
        if (err instanceof DeliveryError) throw err;
        throw smtpFailure(who, server, err, smtp.auth?.pass);
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {
      transport.close();
    },
  };
}

/** SMTP's own verdict: 4xx try again later, 5xx never; no answer at all (connection, TLS, timeout) is transient. */
function smtpFailure(who: string, server: string, err: unknown, secret: string | undefined): DeliveryError {
  const e = (err ?? {}) as { message?: unknown; code?: unknown; responseCode?: unknown };
  const responseCode = typeof e.responseCode === 'number' ? e.responseCode : undefined;
  const code = typeof e.code === 'string' ? e.code : undefined;
  let reason = typeof e.message === 'string' ? e.message : String(err);
  if (secret) reason = reason.split(secret).join('***');
  const permanent = responseCode !== undefined && responseCode >= 500;
  const what =
    responseCode !== undefined
      ? `${server} answered ${responseCode}`
      : `cannot deliver to ${server}${code ? ` (${code})` : ''}`;
  return new DeliveryError(`${who}: ${what}: ${reason}`, permanent);
}

function readCa(who: string, file: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new Error(
      `${who}: cannot read smtp.caFile ${file}: ${err instanceof Error ? err.message : String(err)}`,
      {
        cause: err,
      },
    );
  }
}

/** The sender's domain (`rmwatch@city.example.jp` or `"rmwatch" <rmwatch@city.example.jp>`). */
export function mailDomain(from: string): string {
  const match = /@([^\s<>@]+)>?\s*$/.exec(from);
  return match?.[1] ?? 'rmwatch.invalid';
}

/**
 * `<rmwatch.<alert id>@<domain>>`. Alert ids contain `:`, which a Message-ID's left part may not, so every
 * character outside letters, digits, `-` and `_` becomes `=XX` (its UTF-8 bytes): the same alert always gives
 * the same Message-ID and two alerts never share one.
 */
export function messageIdFor(alert: Pick<Alert, 'id'>, domain: string): string {
  const local = [...Buffer.from(alert.id, 'utf8')]
    .map((b) => {
      const c = String.fromCharCode(b);
      return /[A-Za-z0-9_-]/.test(c) ? c : `=${b.toString(16).toUpperCase().padStart(2, '0')}`;
    })
    .join('');
  return `<rmwatch.${local}@${domain}>`;
}

function html(message: AlertMessage): string {
  const sections = message.texts.map((t) =>
    [
      `<section lang="${t.language}">`,
      `<h2>${escapeHtml(t.headline)}</h2>`,
      `<p>${escapeHtml(t.sentence)}</p>`,
      '<table>',
      ...t.facts.map(
        (f) =>
          `<tr><th align="left" style="padding-right:1em">${escapeHtml(f.label)}</th><td>${escapeHtml(f.value)}</td></tr>`,
      ),
      '</table>',
      t.links.length > 0
        ? `<p>${t.links.map((l) => `<a href="${escapeHtml(l.url)}">${escapeHtml(l.label)}</a>`).join(' | ')}</p>`
        : '',
      '</section>',
    ].join('\n'),
  );
  return [
    '<!doctype html>',
    '<html><head><meta charset="utf-8"></head><body>',
    ...sections.flatMap((s, i) => (i > 0 ? ['<hr>', s] : [s])),
    '</body></html>',
  ].join('\n');
}

function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}
