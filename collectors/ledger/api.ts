// The approvals ledger API: approvals (申請) and the registry, kept on their compacted topics.
//   input:  HTTP with `Authorization: Bearer <token>`; `reader` tokens may GET, `admin` tokens may also write
//     GET  /approvals                ?status=&vendor=&from=&to= (the window overlaps [from, to))
//     GET  /approvals/:id
//     POST /approvals                an approval (JSON or YAML, fields of model/approval.ts; times without a
//                                    zone are in `ledger.timezone`); status `requested` unless it says
//                                    `approved` → 201
//     POST /approvals/:id/approve    { by? }          (by: the approver; default the token's name)
//     POST /approvals/:id/revoke     { by?, reason }
//     POST /approvals/:id/complete   the work report (作業報告, model/approval.ts WorkReport)
//     POST /approvals/import         CSV (text/csv, application/octet-stream) or JSON / YAML
//                                    (application/json, application/yaml); ?tz= ; ?format=csv|document;
//                                    names resolve through the registry table; an approval already in the
//                                    ledger keeps what only the ledger knows and never steps back in status
//                                    (ledger.ts reimport) → { imported, unchanged, errors: [{ row, reason }] },
//                                    400 if nothing could be imported
//     GET  /registry                 { records }
//     PUT  /registry                 the Registry YAML (DESIGN.md §8); replaces the registry: every record is
//                                    published, removed entities get a tombstone → { published, removed }
//     GET  /healthz                  (no token)
//   output: rm.approvals and rm.registry (./publish.ts); answers are JSON
//   errors: 401 no or unknown token, 403 a reader writing, 404 unknown approval, 409 a transition its status
//           does not allow or an id that exists, 400 a bad body (with its issues), 415 an import of another
//           type, 503 Kafka could not take the write (send again)
//   config: `ledger` (./settings.ts)
// State: both topics are read whole at start and followed afterwards, so every instance answers from the
// same tables. Writes go one at a time per instance; each first reads the table up to the topic's end, and
// is answered only after Kafka acknowledged it and the table holds it. Kafka has no compare-and-set, so two
// instances changing the same approval in the same few milliseconds can both succeed; the later record wins.
import Fastify, { type FastifyRequest } from 'fastify';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { ResolvedConfig } from '../../infra/config.ts';
import type { MessageBus } from '../../infra/kafka.ts';
import type { Logger } from '../../infra/logger.ts';
import { Counters } from '../../infra/metrics.ts';
import { APPROVAL_STATUSES, type Approval } from '../../model/approval.ts';
import { NonEmptyText, TimeZone } from '../../model/common.ts';
import { registryEntityId } from '../../model/ids.ts';
import { approvalFromDocument, reportFromDocument } from './approvals-document.ts';
import { parseApprovalsFile, type ApprovalsFormat } from './approvals-input.ts';
import { decodeLedgerBytes } from './decode.ts';
import { planImport } from './import-plan.ts';
import { issueReasons } from './import-result.ts';
import { approve, complete, create, LedgerError, revoke } from './ledger.ts';
import { publishApprovals, publishRegistry } from './publish.ts';
import { parseRegistryYaml } from './registry-yaml.ts';
import { indexRegistry } from './resolve.ts';
import type { LedgerRole, LedgerSettings } from './settings.ts';
import { TableSyncError } from '../../infra/table.ts';
import { bearerMatcher } from '../../infra/bearer.ts';
import { followLedgerTables } from './table.ts';
import { parseLedgerTime } from './times.ts';

export interface LedgerApi {
  url: string;
  counters: Counters;
  close(): Promise<void>;
}

type Config = Pick<ResolvedConfig, 'namespace'> & { ledger: LedgerSettings };

interface Caller {
  name: string;
  role: LedgerRole;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {
    super(String(body.error));
  }
}

const BODY_LIMIT = 16 * 1024 * 1024;

const ListQuery = z
  .object({
    status: z.enum(APPROVAL_STATUSES).optional(),
    vendor: NonEmptyText.optional(),
    from: z.string().optional(),
    to: z.string().optional(),
  })
  .strict();
const ImportQuery = z
  .object({ tz: TimeZone.optional(), format: z.enum(['csv', 'document']).optional() })
  .strict();
const ApproveBody = z.object({ by: NonEmptyText.optional() }).strict();
const RevokeBody = z.object({ by: NonEmptyText.optional(), reason: NonEmptyText }).strict();

const CSV_TYPES = /^(text\/csv|application\/octet-stream|application\/vnd\.ms-excel)\b/i;
const DOCUMENT_TYPES = /^(application\/json|application\/(x-)?yaml|text\/(x-)?yaml|text\/plain)\b/i;

const byWindow = (a: Approval, b: Approval) =>
  a.window.start.localeCompare(b.window.start) || a.id.localeCompare(b.id);

export async function startLedgerApi(config: Config, bus: MessageBus, log: Logger): Promise<LedgerApi> {
  const settings = config.ledger;
  if (!settings.http) throw new Error('the ledger API is off: configure ledger.http and ledger.tokens');
  const zone = settings.timezone;
  const tables = await followLedgerTables(config, bus, log);
  const { approvals, registry } = tables;

  const callerOf = bearerMatcher(settings.tokens);
  const callers = new WeakMap<FastifyRequest, Caller>();
  const authorize = (request: FastifyRequest, need: LedgerRole): Caller => {
    const caller = callerOf(request.headers.authorization);
    if (!caller) throw new HttpError(401, { error: 'a valid bearer token is required' });
    callers.set(request, caller);
    if (need === 'admin' && caller.role !== 'admin')
      throw new HttpError(403, { error: `token ${caller.name} may read, not write` });
    return caller;
  };

  // One write at a time: each decides on the table as the previous write left it.
  let queue: Promise<unknown> = Promise.resolve();
  const serially = <T>(write: () => Promise<T>): Promise<T> => {
    const run = queue.then(write, write);
    queue = run.catch(() => undefined);
    return run;
  };
  /** Kafka's failures are the client's cue to send again, not a fault of the request. */
  const stored = async <T>(produce: () => Promise<T>): Promise<T> => {
    try {
      return await produce();
    } catch (err) {
      log.warn({ err: String(err) }, 'Kafka did not take a ledger write');
      throw new HttpError(503, { error: 'the ledger could not be written now; send again' });
    }
  };

  const body = (request: FastifyRequest): Buffer =>
    Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
  /** A JSON or YAML body (YAML reads JSON too); an empty body is an empty mapping. */
  const structured = (request: FastifyRequest): unknown => {
    const text = body(request).toString('utf8');
    if (text.trim() === '') return {};
    try {
      return parseYaml(text);
    } catch (err) {
      throw new HttpError(400, {
        error: `the body is not JSON or YAML: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`,
      });
    }
  };
  const checked = <S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> => {
    const result = schema.safeParse(value);
    if (result.success) return result.data;
    throw new HttpError(400, {
      error: `invalid ${what}`,
      issues: issueReasons(result.error.issues),
    });
  };
  const existing = (id: string): Approval => {
    const found = approvals.rows.get(id);
    if (!found) throw new HttpError(404, { error: `no approval ${id}` });
    return found;
  };
  /** Publishes one new version of an approval and answers with it once the table holds it. */
  const transition = (caller: Caller, id: string, action: string, next: (current: Approval) => Approval) =>
    serially(async () => {
      await approvals.sync();
      const updated = next(existing(id));
      await stored(() => publishApprovals(config, bus, [updated]));
      await approvals.sync();
      log.info({ caller: caller.name, action, id, status: updated.status }, `approval ${action}`);
      return updated;
    });

  const server = Fastify({ bodyLimit: BODY_LIMIT, logger: false });
  // Answers by status class, for the stage's `/metrics`.
  const counters = new Counters('ledger');
  server.addHook('onResponse', async (_request, reply) => {
    counters.inc(`responses_${Math.floor(reply.statusCode / 100)}xx`);
  });
  server.removeAllContentTypeParsers();
  server.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, payload, done) => done(null, payload));

  // Writes that went through are logged by their routes, with what they changed; refused and failed ones
  // here, so that every attempt to change the ledger is on record with the token it came with.
  server.addHook('onResponse', async (request, reply) => {
    if (request.method === 'GET' || request.method === 'HEAD' || reply.statusCode < 400) return;
    const entry = {
      caller: callers.get(request)?.name ?? '(no valid token)',
      method: request.method,
      url: request.url,
      status: reply.statusCode,
    };
    const message = reply.statusCode >= 500 ? 'ledger write failed' : 'ledger write refused';
    if ([401, 403].includes(reply.statusCode) || reply.statusCode >= 500) log.warn(entry, message);
    else log.info(entry, message);
  });

  server.get('/healthz', async () => ({ status: 'ok' }));

  server.get('/approvals', async (request) => {
    authorize(request, 'reader');
    const query = checked(ListQuery, request.query, 'query');
    const bound = (text: string | undefined, name: string): number | undefined => {
      if (text === undefined) return undefined;
      const time = parseLedgerTime(text, zone);
      if (!time.ok) throw new HttpError(400, { error: `invalid query`, issues: [`${name}: ${time.reason}`] });
      return Date.parse(time.value);
    };
    const from = bound(query.from, 'from');
    const to = bound(query.to, 'to');
    const list = [...approvals.rows.values()].filter(
      (a) =>
        (query.status === undefined || a.status === query.status) &&
        (query.vendor === undefined || a.vendor === query.vendor) &&
        (from === undefined || Date.parse(a.window.end) > from) &&
        (to === undefined || Date.parse(a.window.start) < to),
    );
    return { approvals: list.sort(byWindow) };
  });

  server.get<{ Params: { id: string } }>('/approvals/:id', async (request) => {
    authorize(request, 'reader');
    return existing(request.params.id);
  });

  server.post('/approvals', async (request, reply) => {
    const caller = authorize(request, 'admin');
    const draft = approvalFromDocument(structured(request), {
      zone,
      registry: indexRegistry([...registry.rows.values()]),
      updatedAt: new Date().toISOString(),
      defaultStatus: 'requested',
    });
    if (!draft.ok) throw new HttpError(400, { error: 'invalid approval', issues: draft.reasons });
    const created = await serially(async () => {
      await approvals.sync();
      if (approvals.rows.has(draft.value.id))
        throw new HttpError(409, { error: `approval ${draft.value.id} already exists` });
      const approval = create(draft.value);
      await stored(() => publishApprovals(config, bus, [approval]));
      await approvals.sync();
      return approval;
    });
    log.info(
      { caller: caller.name, action: 'create', id: created.id, status: created.status },
      'approval created',
    );
    return reply.code(201).send(created);
  });

  server.post<{ Params: { id: string } }>('/approvals/:id/approve', async (request) => {
    const caller = authorize(request, 'admin');
    const { by } = checked(ApproveBody, structured(request), 'body');
    return transition(caller, request.params.id, 'approved', (a) => approve(a, by ?? caller.name));
  });

  server.post<{ Params: { id: string } }>('/approvals/:id/revoke', async (request) => {
    const caller = authorize(request, 'admin');
    const { by, reason } = checked(RevokeBody, structured(request), 'body');
    return transition(caller, request.params.id, 'revoked', (a) => revoke(a, by ?? caller.name, reason));
  });

  server.post<{ Params: { id: string } }>('/approvals/:id/complete', async (request) => {
    const caller = authorize(request, 'admin');
    const report = reportFromDocument(structured(request), zone);
    if (!report.ok) throw new HttpError(400, { error: 'invalid work report', issues: report.reasons });
    return transition(caller, request.params.id, 'completed', (a) => complete(a, report.value));
  });

  server.post('/approvals/import', async (request, reply) => {
    const caller = authorize(request, 'admin');
    const query = checked(ImportQuery, request.query, 'query');
    const type = request.headers['content-type'] ?? '';
    const format: ApprovalsFormat | undefined =
      query.format ?? (CSV_TYPES.test(type) ? 'csv' : DOCUMENT_TYPES.test(type) ? 'document' : undefined);
    if (!format)
      throw new HttpError(415, {
        error: 'send the ledger as text/csv, application/octet-stream, application/json or application/yaml',
      });
    const outcome = await serially(async () => {
      await Promise.all([approvals.sync(), registry.sync()]);
      const now = new Date();
      const result = parseApprovalsFile(body(request), format, {
        timezone: query.tz ?? zone,
        registry: [...registry.rows.values()],
        now,
      });
      const plan = planImport(approvals.rows, result, now);
      await stored(() => publishApprovals(config, bus, plan.publish));
      await approvals.sync();
      return { imported: plan.publish.length, unchanged: plan.unchanged, errors: plan.errors };
    });
    log.info(
      { caller: caller.name, action: 'import', format, ...outcome, errors: outcome.errors.length },
      'approvals imported',
    );
    const refused = outcome.imported + outcome.unchanged === 0 && outcome.errors.length > 0;
    return reply.code(refused ? 400 : 200).send(outcome);
  });

  server.get('/registry', async (request) => {
    authorize(request, 'reader');
    const records = [...registry.rows.values()].sort((a, b) =>
      registryEntityId(a).localeCompare(registryEntityId(b)),
    );
    return { records };
  });

  server.put('/registry', async (request) => {
    const caller = authorize(request, 'admin');
    const decoded = decodeLedgerBytes(body(request));
    if (!decoded.ok) throw new HttpError(400, { error: decoded.reason });
    // An empty body is far more often a mistake than a wish to remove every vendor and operator.
    if (decoded.text.trim() === '')
      throw new HttpError(400, { error: 'the body is empty; send the registry (`{}` empties it)' });
    const document = parseRegistryYaml(decoded.text);
    if (document.errors.length > 0)
      throw new HttpError(400, { error: 'invalid registry; nothing was changed', errors: document.errors });
    const removed = await serially(async () => {
      await registry.sync();
      const gone = await stored(() => publishRegistry(config, bus, document.records, registry.rows.keys()));
      await registry.sync();
      return gone;
    });
    log.info(
      { caller: caller.name, action: 'replace registry', published: document.records.length, removed },
      'registry replaced',
    );
    return { published: document.records.length, removed };
  });

  server.setErrorHandler((err, request, reply) => {
    if (err instanceof HttpError) {
      if (err.status === 401) void reply.header('www-authenticate', 'Bearer');
      return reply.code(err.status).send(err.body);
    }
    if (err instanceof LedgerError) return reply.code(409).send({ error: err.message });
    if (err instanceof TableSyncError) return reply.code(503).send({ error: err.message });
    const status = (err as { statusCode?: number }).statusCode;
    if (status !== undefined && status < 500)
      return reply.code(status).send({ error: err instanceof Error ? err.message : String(err) });
    log.error({ err, method: request.method, url: request.url }, 'ledger API request failed');
    return reply.code(500).send({ error: 'internal error' });
  });

  let url: string;
  try {
    url = await server.listen({ host: settings.http.host, port: settings.http.port });
  } catch (err) {
    await tables.stop();
    throw err;
  }
  log.info({ url }, 'ledger API listening');
  return {
    url,
    counters,
    async close() {
      await server.close();
      await tables.stop();
    },
  };
}
