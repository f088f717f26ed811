// The audit API: session histories, timelines, findings and approvals for auditors; dispositions and vendor
// freezes for the security office.
//   input:  HTTP with `Authorization: Bearer <token>` (roles: ./settings.ts)
//     GET  /sessions                ?vendor=&operator=&account=&host=&approval=&rule=&has_findings=&status=
//                                   open|closed|merged|any&from=&to=&sort=start|end|duration|vendor
//                                   &order=asc|desc&size=&page=|cursor=&format=json|csv          auditor
//     GET  /sessions/:id            { session (no timeline), findings }                           auditor
//     GET  /sessions/:id/timeline   { session_id, status, truncated, lines } ?format=json|csv     auditor
//     GET  /findings                ?rule=&severity=&vendor=&session=&approval=&status=active|withdrawn|any
//                                   &disposition=&from=&to=&evidence=true&order=&size=&page=|cursor=&format=
//     GET  /findings/:id            { finding, evidence }                                         auditor
//     POST /findings/:id/disposition  { status: open|acknowledged|false_positive|resolved, note? } security
//     GET  /approvals               ?vendor=&status=&from=&to=&order=&size=&page=|cursor=&format=  auditor
//     GET  /approvals/:id           { approval, sessions }                                        auditor
//     POST /vendors/:id/freeze      { reason }   → the vendor record as published on rm.registry   security
//     POST /vendors/:id/unfreeze    { reason? }                                                   security
//     GET  /reports/monthly         ?month=YYYY-MM&vendor=&system=&lang=ja|en&as_of=&format=html|pdf|csv
//                                   &form=ledger|summary (csv: 様式第3号 or 様式第4号)           auditor
//     GET  /audit-log               ?who=&action=&from=&to=&order=&size=&page=|cursor=&format=     admin
//     GET  /healthz                 (no token)
//   output: JSON with UTC times; `format=csv` streams the whole list (every page, not just one) as CSV with
//           a UTF-8 BOM and Asia/Tokyo times (./views.ts), `Content-Type: text/csv; charset=utf-8`, and a
//           file name in Content-Disposition
//   errors: 400 bad query or body (each problem named), 401 no or unknown token, 403 a role that may not,
//           404 unknown id, 409 freezing a frozen vendor / thawing one that is not, 503 Kafka did not take
//           a freeze (send again)
//   config: `audit` (./settings.ts); off unless `audit.http` and tokens are set
// Every call, refused ones included, is written to the audit log (./audit-log.ts) before it is answered:
// who (token name), role, action, parameters, outcome, row count, client address.
import { Readable } from 'node:stream';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { ResolvedConfig } from '../../infra/config.ts';
import type { SearchStore } from '../../infra/elasticsearch.ts';
import type { MessageBus } from '../../infra/kafka.ts';
import type { Logger } from '../../infra/logger.ts';
import { Counters } from '../../infra/metrics.ts';
import { bearerMatcher } from '../../infra/bearer.ts';
import {
  disposeFinding,
  followVendors,
  setVendorFrozen,
  type FreezeChange,
  type VendorDirectory,
} from './actions.ts';
import { createAuditLog, type AuditOutcome } from './audit-log.ts';
import { CursorError } from './build.ts';
import {
  ApprovalListQuery,
  AuditLogListQuery,
  DispositionRequest,
  FindingListQuery,
  FreezeRequest,
  issueList,
  SessionListQuery,
  UnfreezeRequest,
} from './filters.ts';
import { createAuditQueries, type ExportPage } from './query.ts';
import {
  ChromiumMissingError,
  deliverReport,
  loadMonthlyReport,
  MonthlyReportInputError,
  ReportForm,
  ReportFormat,
  reportLang,
} from './report/index.ts';
import type { AuditRole, AuditSettings } from './settings.ts';
import { displayTime } from './times.ts';
import {
  APPROVAL_CSV,
  AUDIT_LOG_CSV,
  csvChunks,
  csvOf,
  FINDING_CSV,
  SESSION_CSV,
  TIMELINE_CSV,
  type CsvView,
} from './views.ts';

export interface AuditApi {
  url: string;
  counters: Counters;
  close(): Promise<void>;
}

type Config = Pick<ResolvedConfig, 'namespace'> & { audit: AuditSettings };

interface Caller {
  name: string;
  role: AuditRole;
}

/** What the audit log will say about a call; filled in as the call proceeds. */
interface Pending {
  action: string;
  target?: string;
  parameters: Record<string, unknown>;
  caller?: Caller;
  count?: number;
  error?: string;
}

/** `GET /reports/monthly`: the month in Asia/Tokyo, optionally one vendor and one system. */
const MonthlyReportRequest = z
  .object({
    month: z.string().regex(/^\d{4}-\d{2}$/, 'expected YYYY-MM'),
    vendor: z.string().min(1).optional(),
    system: z.string().min(1).optional(),
    lang: z.enum(['ja', 'en']).default('ja'),
    /** Open sessions count up to this instant (default now): a report can be reproduced. */
    as_of: z.iso.datetime({ offset: true }).optional(),
    format: ReportFormat.default('html'),
    form: ReportForm.optional(),
  })
  .strict();

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {
    super(String(body.error));
  }
}

const RANK: Record<AuditRole, number> = { auditor: 0, security: 1, admin: 2 };
const WHAT_ROLES_MAY: Record<AuditRole, string> = {
  auditor: 'read',
  security: 'read, disposition findings and freeze vendors',
  admin: 'do everything',
};

const FormatQuery = z.object({ format: z.enum(['json', 'csv']).default('json') });
const IdParams = z.object({ id: z.string().min(1).max(256) });

function outcomeOf(status: number): AuditOutcome {
  if (status < 400) return 'ok';
  if (status === 401) return 'unauthenticated';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not_found';
  if (status === 409) return 'conflict';
  return status < 500 ? 'invalid' : 'error';
}

const fileStamp = (): string =>
  displayTime(new Date().toISOString())
    .replace(/[-: ]/g, '')
    .replace(/^(\d{8})/, '$1-');

export async function startAuditApi(
  config: Config,
  store: SearchStore,
  bus: MessageBus,
  log: Logger,
): Promise<AuditApi> {
  const settings = config.audit;
  if (!settings.http) throw new Error('the audit API is off: configure audit.http and audit.tokens');
  const queries = createAuditQueries(config, store);
  const auditLog = createAuditLog(config, store, log);
  const exportPageSize = settings.exportPageSize;

  const callerOf = bearerMatcher(settings.tokens);
  const pending = new WeakMap<FastifyRequest, Pending>();

  // Followed from the first freeze on: most instances only ever read.
  let vendors: Promise<VendorDirectory> | undefined;
  const vendorDirectory = (): Promise<VendorDirectory> => {
    vendors ??= followVendors(config, bus, log).catch((err: unknown) => {
      vendors = undefined;
      throw err;
    });
    return vendors;
  };

  /** Opens the call's audit record, then checks the token and the role. */
  const begin = (
    request: FastifyRequest,
    need: AuditRole,
    action: string,
    parameters: Record<string, unknown>,
    target?: string,
  ): Pending => {
    const entry: Pending = { action, parameters, target };
    pending.set(request, entry);
    const caller = callerOf(request.headers.authorization);
    if (!caller) throw new HttpError(401, { error: 'a valid bearer token is required' });
    entry.caller = { name: caller.name, role: caller.role };
    if (RANK[caller.role] < RANK[need])
      throw new HttpError(403, {
        error: `token ${caller.name} (${caller.role}) may ${WHAT_ROLES_MAY[caller.role]}, not this`,
      });
    return entry;
  };

  const checked = <S extends z.ZodType>(schema: S, value: unknown, what: string): z.output<S> => {
    const result = schema.safeParse(value);
    if (result.success) return result.data;
    throw new HttpError(400, { error: `invalid ${what}`, issues: issueList(result.error) });
  };

  const queryOf = (request: FastifyRequest): Record<string, unknown> => ({
    ...(request.query as Record<string, unknown>),
  });
  /** The list query without `format`, which every list takes beside its own filters. */
  const listQuery = (request: FastifyRequest) => {
    const { format, ...rest } = queryOf(request);
    return { format: checked(FormatQuery, { format }, 'query').format, rest };
  };
  const idOf = (request: FastifyRequest): string => checked(IdParams, request.params, 'path').id;

  /** A whole list as CSV, streamed page by page; the audit log counts the rows it will hold. */
  async function sendCsv<T>(
    reply: FastifyReply,
    entry: Pending,
    view: CsvView<T>,
    pages: AsyncGenerator<ExportPage<T>>,
  ) {
    const first = await pages.next();
    entry.count = first.done ? 0 : first.value.total;
    async function* all(): AsyncGenerator<ExportPage<T>> {
      if (!first.done) yield first.value;
      yield* pages;
    }
    const body = Readable.from(csvChunks(view, all()));
    body.on('error', (err) => log.error({ err: String(err), view: view.name }, 'a CSV export broke off'));
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${view.name}-${fileStamp()}.csv"`)
      .send(body);
  }

  const server = Fastify({ logger: false, bodyLimit: 64 * 1024 });
  // Answers by status class, for the stage's `/metrics`.
  const counters = new Counters('audit_api');
  server.addHook('onResponse', async (_request, reply) => {
    counters.inc(`responses_${Math.floor(reply.statusCode / 100)}xx`);
  });

  // Written before the answer leaves, so that nothing is answered that is not on record.
  server.addHook('onSend', async (request, reply, payload) => {
    // A request no route took up (unknown path, unreadable body) is on record too, by method and path.
    const entry = pending.get(request) ?? {
      action: 'request',
      parameters: { method: request.method, url: request.url },
    };
    if (request.url === '/healthz') return payload;
    pending.delete(request);
    await auditLog.record({
      who: entry.caller?.name ?? '(no valid token)',
      role: entry.caller?.role ?? 'none',
      action: entry.action,
      target: entry.target,
      parameters: entry.parameters,
      outcome: outcomeOf(reply.statusCode),
      status: reply.statusCode,
      result_count: entry.count,
      client: request.ip,
      error: entry.error,
    });
    return payload;
  });

  server.get('/healthz', async () => ({ status: 'ok' }));

  server.get('/sessions', async (request, reply) => {
    const { format, rest } = listQuery(request);
    const entry = begin(request, 'auditor', format === 'csv' ? 'export_sessions' : 'list_sessions', {
      ...rest,
      format,
    });
    const query = checked(SessionListQuery, rest, 'query');
    if (format === 'csv')
      return sendCsv(reply, entry, SESSION_CSV, queries.exportSessions(query, exportPageSize));
    const page = await queries.sessions(query);
    entry.count = page.total;
    return page;
  });

  server.get('/sessions/:id', async (request) => {
    const id = idOf(request);
    const entry = begin(request, 'auditor', 'get_session', {}, id);
    const found = await queries.session(id);
    if (!found) throw new HttpError(404, { error: `no session ${id}` });
    entry.count = 1;
    return found;
  });

  server.get('/sessions/:id/timeline', async (request, reply) => {
    const id = idOf(request);
    const { format, rest } = listQuery(request);
    const entry = begin(request, 'auditor', 'session_timeline', { format }, id);
    checked(z.object({}).strict(), rest, 'query');
    const timeline = await queries.timeline(id);
    if (!timeline) throw new HttpError(404, { error: `no session ${id}` });
    entry.count = timeline.lines.length;
    if (format === 'json') return timeline;
    return reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="timeline-${id}.csv"`)
      .send(csvOf(TIMELINE_CSV, timeline.lines));
  });

  server.get('/findings', async (request, reply) => {
    const { format, rest } = listQuery(request);
    const entry = begin(request, 'auditor', format === 'csv' ? 'export_findings' : 'list_findings', {
      ...rest,
      format,
    });
    const query = checked(FindingListQuery, rest, 'query');
    if (format === 'csv')
      return sendCsv(
        reply,
        entry,
        FINDING_CSV,
        queries.exportFindings({ ...query, evidence: false }, exportPageSize),
      );
    const page = await queries.findings(query);
    entry.count = page.total;
    return page;
  });

  server.get('/findings/:id', async (request) => {
    const id = idOf(request);
    const entry = begin(request, 'auditor', 'get_finding', {}, id);
    const found = await queries.finding(id);
    if (!found) throw new HttpError(404, { error: `no finding ${id}` });
    entry.count = 1;
    return { finding: found.finding, evidence: found.evidence };
  });

  server.post('/findings/:id/disposition', async (request) => {
    const id = idOf(request);
    const entry = begin(request, 'security', 'dispose_finding', { ...(request.body as object) }, id);
    const body = checked(DispositionRequest, request.body ?? {}, 'body');
    const finding = await disposeFinding(config, store, id, body, entry.caller?.name ?? 'unknown');
    if (!finding) throw new HttpError(404, { error: `no finding ${id}` });
    entry.count = 1;
    return finding;
  });

  server.get('/approvals', async (request, reply) => {
    const { format, rest } = listQuery(request);
    const entry = begin(request, 'auditor', format === 'csv' ? 'export_approvals' : 'list_approvals', {
      ...rest,
      format,
    });
    const query = checked(ApprovalListQuery, rest, 'query');
    if (format === 'csv')
      return sendCsv(reply, entry, APPROVAL_CSV, queries.exportApprovals(query, exportPageSize));
    const page = await queries.approvals(query);
    entry.count = page.total;
    return page;
  });

  server.get('/approvals/:id', async (request) => {
    const id = idOf(request);
    const entry = begin(request, 'auditor', 'get_approval', {}, id);
    const found = await queries.approval(id);
    if (!found) throw new HttpError(404, { error: `no approval ${id}` });
    entry.count = found.sessions.length;
    return found;
  });

  const freezeRoute = (frozen: boolean) => async (request: FastifyRequest) => {
    const id = idOf(request);
    const entry = begin(
      request,
      'security',
      frozen ? 'freeze_vendor' : 'unfreeze_vendor',
      { ...(request.body as object) },
      id,
    );
    const change: FreezeChange = frozen
      ? { frozen: true, reason: checked(FreezeRequest, request.body ?? {}, 'body').reason }
      : { frozen: false, reason: checked(UnfreezeRequest, request.body ?? {}, 'body').reason };
    let result;
    try {
      result = await setVendorFrozen(config, bus, await vendorDirectory(), id, change);
    } catch (err) {
      entry.error = String(err);
      log.warn({ err: String(err), vendor: id }, 'the registry could not be read or written');
      throw new HttpError(503, { error: 'the registry could not be written now; send again' });
    }
    if (!result.ok)
      throw new HttpError(result.problem === 'not_found' ? 404 : 409, { error: result.message });
    entry.count = 1;
    return result.vendor;
  };
  server.post('/vendors/:id/freeze', freezeRoute(true));
  server.post('/vendors/:id/unfreeze', freezeRoute(false));

  server.get('/reports/monthly', async (request, reply) => {
    const query = queryOf(request);
    const entry = begin(request, 'auditor', 'monthly_report', query);
    const asked = checked(MonthlyReportRequest, query, 'query');
    let report;
    try {
      report = await loadMonthlyReport(store, config, { ...asked, asOf: asked.as_of });
    } catch (err) {
      if (err instanceof MonthlyReportInputError) throw new HttpError(400, { error: err.message });
      throw err;
    }
    entry.count = report.ledger.length;
    let delivered;
    try {
      delivered = await deliverReport(report, { ...asked, lang: reportLang(asked.lang) });
    } catch (err) {
      if (err instanceof ChromiumMissingError) throw new HttpError(503, { error: err.message });
      throw err;
    }
    return reply
      .header('content-type', delivered.contentType)
      .header(
        'content-disposition',
        `${asked.format === 'html' ? 'inline' : 'attachment'}; filename="${delivered.fileName}"`,
      )
      .send(delivered.body);
  });

  server.get('/audit-log', async (request, reply) => {
    const { format, rest } = listQuery(request);
    const entry = begin(request, 'admin', format === 'csv' ? 'export_audit_log' : 'list_audit_log', {
      ...rest,
      format,
    });
    const query = checked(AuditLogListQuery, rest, 'query');
    if (format === 'csv')
      return sendCsv(reply, entry, AUDIT_LOG_CSV, queries.exportAuditLog(query, exportPageSize));
    const page = await queries.auditLog(query);
    entry.count = page.total;
    return page;
  });

  server.setErrorHandler((err, request, reply) => {
    const entry = pending.get(request);
    if (err instanceof HttpError) {
      if (err.status === 401) void reply.header('www-authenticate', 'Bearer');
      return reply.code(err.status).send(err.body);
    }
    if (err instanceof CursorError)
      return reply.code(400).send({ error: 'invalid query', issues: [err.message] });
    const status = (err as { statusCode?: number }).statusCode;
    if (status !== undefined && status < 500)
      return reply.code(status).send({ error: err instanceof Error ? err.message : String(err) });
    if (entry) entry.error = String(err);
    log.error({ err, method: request.method, url: request.url }, 'audit API request failed');
    return reply.code(500).send({ error: 'internal error' });
  });

  const url = await server.listen({ host: settings.http.host, port: settings.http.port });
  log.info({ url }, 'audit API listening');
  return {
    url,
    counters,
    async close() {
      await server.close();
      if (vendors) await (await vendors.catch(() => undefined))?.close();
    },
  };
}
