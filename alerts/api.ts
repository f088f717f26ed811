// The alert API: on-call staff list alerts and acknowledge them (which stops their escalation).
//   input:  HTTP with `Authorization: Bearer <token>` (roles: ./settings.ts)
//     GET  /alerts             ?state=open|all|pending|held|delivered|acknowledged|escalated|failed|unrouted|stale
//                              (default open) → { items: alert records, newest first, total }      viewer
//     GET  /alerts/:id         one alert record                                                     viewer
//     POST /alerts/:id/ack     { note? } → the acknowledged record (again: the same record)         oncall
//     POST /alerts/:id/retry   a `failed` alert (a receiver refused it for good, since fixed) is sent
//                              again to the notifiers that have not taken it → the pending record   oncall
//     GET  /healthz            (no token)
//   output: JSON with UTC times; an acknowledgement is written to rm.alerts before it is answered
//   errors: 400 bad query or body, 401 no or unknown token, 403 a viewer acknowledging, 404 unknown alert,
//           409 a retry of an alert that has not failed, 503 Kafka did not take the change (send again)
//   config: `alerts.http`, `alerts.tokens`; off unless both are set
import Fastify, { type FastifyRequest } from 'fastify';
import { z } from 'zod';
import { bearerMatcher } from '../infra/bearer.ts';
import type { Logger } from '../infra/logger.ts';
import { acknowledge } from './escalation.ts';
import type { AlertRole, AlertSettings } from './settings.ts';
import { ALERT_STATUSES, OPEN_STATUSES, type AlertRecord, type AlertTable } from './state.ts';

export interface AlertApi {
  url: string;
  close(): Promise<void>;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {
    super(String(body.error));
  }
}

const ListQuery = z.object({ state: z.enum(['open', 'all', ...ALERT_STATUSES]).default('open') }).strict();
const AckBody = z.object({ note: z.string().max(2000).optional() }).strict();
const IdParams = z.object({ id: z.string().min(1).max(256) });

const newestFirst = (a: AlertRecord, b: AlertRecord) => b.seq - a.seq;

export async function startAlertApi(
  settings: Pick<AlertSettings, 'http' | 'tokens'>,
  table: AlertTable,
  now: () => Date,
  log: Logger,
): Promise<AlertApi> {
  if (!settings.http) throw new Error('the alert API is off: configure alerts.http and alerts.tokens');
  const callerOf = bearerMatcher(settings.tokens);
  const authorize = (request: FastifyRequest, need: AlertRole) => {
    const caller = callerOf(request.headers.authorization);
    if (!caller) throw new HttpError(401, { error: 'a valid bearer token is required' });
    if (need === 'oncall' && caller.role !== 'oncall')
      throw new HttpError(403, { error: `token ${caller.name} may list alerts, not acknowledge them` });
    return caller;
  };
  const checked = <S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> => {
    const result = schema.safeParse(value);
    if (result.success) return result.data;
    throw new HttpError(400, {
      error: `invalid ${what}`,
      issues: result.error.issues.map((i) => `${i.path.join('.') || '(body)'}: ${i.message}`),
    });
  };
  const existing = (id: string): AlertRecord => {
    const found = table.get(id);
    if (!found) throw new HttpError(404, { error: `no alert ${id}` });
    return found;
  };

  const server = Fastify({ logger: false, bodyLimit: 64 * 1024 });
  server.removeAllContentTypeParsers();
  server.addContentTypeParser('*', { parseAs: 'string' }, (_req, payload, done) => done(null, payload));
  server.setErrorHandler((error, _request, reply) => {
    if (error instanceof HttpError) return reply.status(error.status).send(error.body);
    log.error({ err: String(error) }, 'alert API request failed');
    return reply.status(500).send({ error: 'internal error' });
  });

  server.get('/healthz', async () => ({ status: 'ok' }));

  server.get('/alerts', async (request) => {
    authorize(request, 'viewer');
    const { state } = checked(ListQuery, request.query, 'query');
    const wanted = (r: AlertRecord) =>
      state === 'all' || (state === 'open' ? OPEN_STATUSES.includes(r.status) : r.status === state);
    const items = [...table.rows.values()].filter(wanted).sort(newestFirst);
    return { items, total: items.length };
  });

  server.get('/alerts/:id', async (request) => {
    authorize(request, 'viewer');
    return existing(checked(IdParams, request.params, 'path').id);
  });

  server.post('/alerts/:id/ack', async (request) => {
    const caller = authorize(request, 'oncall');
    const { id } = checked(IdParams, request.params, 'path');
    const text = typeof request.body === 'string' ? request.body : '';
    let parsed: unknown = {};
    if (text.trim() !== '') {
      try {
        parsed = JSON.parse(text);
      } catch {
        throw new HttpError(400, { error: 'the body is not JSON' });
      }
    }
    const { note } = checked(AckBody, parsed, 'body');
    existing(id);
    try {
      const record = await table.update(id, (r) =>
        r && !r.acknowledged ? acknowledge(r, caller.name, now(), note) : undefined,
      );
      log.info({ alert: id, by: caller.name }, 'alert acknowledged');
      return record ?? existing(id);
    } catch (err) {
      log.warn({ alert: id, err: String(err) }, 'Kafka did not take an acknowledgement');
      throw new HttpError(503, { error: 'the acknowledgement could not be stored now; send again' });
    }
  });

  server.post('/alerts/:id/retry', async (request) => {
    const caller = authorize(request, 'oncall');
    const { id } = checked(IdParams, request.params, 'path');
    const found = existing(id);
    if (found.status !== 'failed')
      throw new HttpError(409, { error: `alert ${id} is ${found.status}, not failed`, status: found.status });
    try {
      // The stage's loop delivers pending alerts that are due; the marks of notifiers that took it stay.
      const record = await table.update(id, (r) =>
        r?.status === 'failed' ? { ...r, status: 'pending', attempts: 0, next_due: undefined } : undefined,
      );
      log.info({ alert: id, by: caller.name }, 'failed alert sent again');
      return record ?? existing(id);
    } catch (err) {
      log.warn({ alert: id, err: String(err) }, 'Kafka did not take a retry');
      throw new HttpError(503, { error: 'the retry could not be stored now; send again' });
    }
  });

  const url = await server.listen({ host: settings.http.host, port: settings.http.port });
  log.info({ url }, 'alert API listening');
  return { url, close: () => server.close() };
}
