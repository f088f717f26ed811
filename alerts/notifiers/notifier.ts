// What every notifier (webhook, Slack, Teams, e-mail) offers the alert stage: send one alert, or say why it
// could not. Notifiers do not retry; the stage does (with back-off, then parking), so that a slow receiver
// never blocks more than the alerts routed to it.
import type { Alert } from '../../model/alert.ts';

/** Where the alert's session can be looked at; absent when the link's base URL is not configured. */
export interface AlertLinks {
  /** The session in the Grafana session explorer. */
  grafana?: string;
  /** The session's timeline in the audit API. */
  auditApi?: string;
}

export interface Notifier {
  /** The configured name routes refer to. */
  readonly name: string;
  /** Settles once the receiver accepted the alert; throws DeliveryError otherwise. */
  send(alert: Alert, links: AlertLinks): Promise<void>;
  close(): Promise<void>;
}

/**
 * A delivery that did not happen. `permanent` when sending the same alert again cannot succeed (the receiver
 * refused it as malformed: HTTP 4xx other than 408/429, an SMTP 5xx), so the stage parks it for people to see
 * instead of retrying it forever.
 */
export class DeliveryError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
    /** How long the receiver asked to be left alone (HTTP `Retry-After`), when it said so. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'DeliveryError';
  }
}
