// One JSON POST to a chat or webhook receiver, bounded in time, with the answer sorted into delivered,
// worth retrying, or refused for good. Webhook URLs carry their token in the path, so errors name only the
// receiver's origin.
import type { Alert } from '../../model/alert.ts';
import { DeliveryError, type AlertLinks, type Notifier } from './notifier.ts';

export interface JsonPost {
  /** `slack notifier "ops"`: who is sending, for error messages. */
  who: string;
  url: string;
  body: unknown;
  headers?: Record<string, string>;
  timeoutMs: number;
}

/**
 * A notifier that POSTs one JSON document per alert (webhook, Slack, Teams): each differs only in the
 * document it builds and the headers it adds.
 */
export function jsonNotifier(
  kind: string,
  settings: { name: string; url: string; timeoutMs: number },
  body: (alert: Alert, links: AlertLinks) => unknown,
  headers: (alert: Alert) => Record<string, string> = () => ({}),
): Notifier {
  const who = `${kind} notifier "${settings.name}"`;
  return {
    name: settings.name,
    async send(alert, links) {
      await postJson({
        who,
        url: settings.url,
        body: body(alert, links),
        headers: headers(alert),
        timeoutMs: settings.timeoutMs,
      });
    },
    async close() {},
  };
}

/** How much of a refusal's answer goes into the error: enough for Slack's `invalid_payload`, no more. */
const ANSWER_EXCERPT_CHARS = 200;

export async function postJson(post: JsonPost): Promise<void> {
  const url = new URL(post.url);
  const where = url.origin;
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'POST',
      headers: { ...post.headers, 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify(post.body),
      signal: AbortSignal.timeout(post.timeoutMs),
    });
  } catch (err) {
    throw new DeliveryError(`${post.who}: ${networkFailure(err, where, post.timeoutMs)}`, false);
  }
  // Read the answer either way: it frees the connection for the next alert, and a refusal says why.
  let answer = '';
  try {
    answer = await response.text();
  } catch {
    // The status already tells what happened; a body cut off by the timeout adds nothing.
  }
  if (response.ok) return;
  const status = response.status;
  const transient = status === 408 || status === 429 || status >= 500;
  const excerpt = scrub(answer, url).trim().slice(0, ANSWER_EXCERPT_CHARS);
  const retryAfterMs = transient ? retryAfter(response.headers.get('retry-after')) : undefined;
  throw new DeliveryError(
    `${post.who}: ${where} answered ${status}${response.statusText ? ` ${response.statusText}` : ''}` +
      (excerpt ? `: ${excerpt}` : ''),
    !transient,
    retryAfterMs,
  );
}

/** Why no answer came, in words that name no path or token. */
function networkFailure(err: unknown, where: string, timeoutMs: number): string {
  if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
    return `no answer from ${where} within ${timeoutMs} ms`;
  }
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : undefined;
  const code = cause && 'code' in cause && typeof cause.code === 'string' ? cause.code : undefined;
  if (code === 'ECONNREFUSED') return `connection to ${where} refused`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return `cannot resolve ${new URL(where).hostname} (${code})`;
  // Not the outer error's own message: for a bad configured header it quotes the header's value, a secret.
  const reason = code ?? cause?.message ?? (err instanceof Error ? err.name : 'unknown error');
  return `cannot reach ${where}: ${reason}`;
}

/** A receiver that echoes the request URL would otherwise leak its token into logs. */
function scrub(text: string, url: URL): string {
  let out = text;
  for (const secret of [url.href, `${url.pathname}${url.search}`]) {
    if (secret.length > 1) out = out.split(secret).join('…');
  }
  return out;
}

/** `Retry-After` in seconds or as an HTTP date; undefined when absent or unreadable. */
function retryAfter(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}
