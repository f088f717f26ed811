// `rmwatch audit …`: the auditors' query layer (processors/audit) from the command line, straight against
// Elasticsearch (and Kafka for freezes), with the same filters and checks as the audit API.
//   audit sessions  [filters] [--json | --csv FILE]     one page as a table (or JSON); --csv exports all pages
//   audit session ID [--timeline] [--json | --csv FILE]
//   audit findings  [filters] [--json | --csv FILE]     audit finding ID [--json]
//   audit approvals [filters] [--json | --csv FILE]     audit approval ID [--json]
//   audit dispose ID --status S [--note N]              audit freeze VENDOR --reason R
//   audit unfreeze VENDOR [--reason R]                  audit log [filters] [--json | --csv FILE]
// Every command is written to the audit log as `cli:<OS user>` (role `cli`) from this host. Long exports
// report progress on stderr: one updating line on a terminal, a line per page otherwise. Times print in
// Asia/Tokyo; JSON keeps UTC. `registerAuditCommands` returns the `audit` command so that more subcommands
// (the monthly report) can join it.
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { hostname, userInfo } from 'node:os';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Command } from 'commander';
import type { z } from 'zod';
import type { ResolvedConfig } from '../infra/config.ts';
import { createSearchStore, type SearchStore } from '../infra/elasticsearch.ts';
import { createMessageBus } from '../infra/kafka.ts';
import type { Logger } from '../infra/logger.ts';
import {
  disposeFinding,
  followVendors,
  setVendorFrozen,
  type FreezeChange,
} from '../processors/audit/actions.ts';
import { createAuditLog, type AuditLog, type AuditOutcome } from '../processors/audit/audit-log.ts';
import { CursorError } from '../processors/audit/build.ts';
import type { EventLine } from '../processors/audit/events.ts';
import {
  ApprovalListQuery,
  AuditLogListQuery,
  DispositionRequest,
  FindingListQuery,
  FreezeRequest,
  issueList,
  SessionListQuery,
  UnfreezeRequest,
} from '../processors/audit/filters.ts';
import {
  createAuditQueries,
  type AuditQueries,
  type ExportPage,
  type Page,
} from '../processors/audit/query.ts';
import { displayTime } from '../processors/audit/times.ts';
import {
  deliverReport,
  loadMonthlyReport,
  MonthlyReportInputError,
  reportLang,
  type MonthlyReport,
  type ReportForm,
  type ReportFormat,
  type ReportLang,
} from '../processors/audit/report/index.ts';

interface ReportOutputs {
  html?: string;
  pdf?: string;
  csv?: string;
}
import {
  APPROVAL_CSV,
  AUDIT_LOG_CSV,
  csvChunks,
  csvOf,
  FINDING_CSV,
  rawText,
  SESSION_CSV,
  TIMELINE_CSV,
  type CsvView,
} from '../processors/audit/views.ts';

export interface AuditCliContext {
  config: ResolvedConfig;
  log: Logger;
}

/** A mistake in the command's options: printed as `rmwatch: …`, exit status 2. */
class AuditUsageError extends Error {}
/** The id names nothing: exit status 1. */
class NotFoundError extends Error {}
/** The action does not fit the current state (freezing a frozen vendor): exit status 1. */
class ConflictError extends Error {}

interface Session {
  ctx: AuditCliContext;
  store: SearchStore;
  queries: AuditQueries;
  auditLog: AuditLog;
  who: string;
}

type Options = Record<string, string | boolean | undefined>;

const cliUser = (): string => {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return `cli:uid-${process.getuid?.() ?? 'unknown'}`;
  }
};

function outcomeOf(err: unknown): AuditOutcome {
  if (err instanceof AuditUsageError) return 'invalid';
  if (err instanceof NotFoundError) return 'not_found';
  if (err instanceof ConflictError) return 'conflict';
  return 'error';
}

/** Runs one command with a store, and records it in the audit log whatever the outcome. */
async function audited(
  load: () => AuditCliContext,
  action: string,
  parameters: Record<string, unknown>,
  target: string | undefined,
  run: (s: Session) => Promise<number | undefined>,
): Promise<void> {
  const ctx = load();
  const store = createSearchStore(ctx.config, ctx.log);
  const session: Session = {
    ctx,
    store,
    queries: createAuditQueries(ctx.config, store),
    auditLog: createAuditLog(ctx.config, store, ctx.log),
    who: cliUser(),
  };
  const base = { who: session.who, role: 'cli', action, target, parameters, client: hostname() };
  try {
    const count = await run(session);
    await session.auditLog.record({ ...base, outcome: 'ok', result_count: count });
  } catch (err) {
    await session.auditLog.record({ ...base, outcome: outcomeOf(err), error: String(err) });
    if (err instanceof AuditUsageError) {
      console.error(`rmwatch: ${err.message}`);
      process.exitCode = 2;
    } else if (err instanceof NotFoundError || err instanceof ConflictError) {
      console.error(`rmwatch: ${err.message}`);
      process.exitCode = 1;
    } else throw err;
  } finally {
    await store.close();
  }
}

function parsed<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const result = schema.safeParse(value);
  if (!result.success) throw new AuditUsageError(issueList(result.error).join('; '));
  return result.data;
}

/** Options as the API's query names them (`--has-findings` → `has_findings`), absent ones left out. */
function filterValues(options: Options, names: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of names) {
    const camel = name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
    const value = options[camel];
    if (value !== undefined) out[name] = value;
  }
  return out;
}

/** Terminal width of a string: CJK and full-width characters take two columns. */
const width = (s: string): number =>
  [...s].reduce(
    (n, c) =>
      n +
      (/[\u1100-\u115F\u2E80-\uA4CF\uAC00-\uD7A3\uF900-\uFAFF\uFE30-\uFE4F\uFF00-\uFF60\uFFE0-\uFFE6]/u.test(
        c,
      )
        ? 2
        : 1),
    0,
  );

export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ''))));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c + ' '.repeat((widths[i] ?? 0) - width(c))))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n');
}

const list = (values: readonly string[] | undefined): string => (values ?? []).join(',');
const short = (time: string | undefined): string => displayTime(time).slice(0, 16);

/** Progress of an export on stderr: one updating line on a terminal, a plain line per page otherwise. */
async function* withProgress<T>(
  pages: AsyncIterable<ExportPage<T>>,
  what: string,
): AsyncGenerator<ExportPage<T>> {
  const tty = process.stderr.isTTY === true;
  let n = 0;
  for await (const page of pages) {
    n++;
    const message = `${what}: page ${n}, ${page.fetched} of ${page.total} rows`;
    process.stderr.write(tty ? `\r${message}` : `${message}\n`);
    yield page;
  }
  if (tty && n > 0) process.stderr.write('\n');
}

/** Streams a whole list as CSV to FILE (`-`: stdout); returns the rows written. */
async function exportCsv<T>(
  view: CsvView<T>,
  pages: AsyncIterable<ExportPage<T>>,
  file: string,
): Promise<number> {
  let rows = 0;
  async function* counted(): AsyncGenerator<ExportPage<T>> {
    for await (const page of withProgress(pages, view.name)) {
      rows += page.items.length;
      yield page;
    }
  }
  const target = file === '-' ? process.stdout : createWriteStream(file);
  await pipeline(Readable.from(csvChunks(view, counted())), target, { end: file !== '-' });
  if (file !== '-') console.error(`${view.name}: ${rows} rows written to ${file}`);
  return rows;
}

function printPage<T>(page: Page<T>, options: Options, table: (items: T[]) => string): void {
  if (options.json) {
    console.log(JSON.stringify(page, null, 2));
    return;
  }
  if (page.items.length > 0) console.log(table(page.items));
  const shown = `${page.items.length} of ${page.total}`;
  console.error(page.next_cursor ? `${shown}; next page: --cursor ${page.next_cursor}` : shown);
}

const PAGING_OPTIONS = (command: Command): Command =>
  command
    .option('--from <time>', 'from (YYYY-MM-DD in Asia/Tokyo, YYYY-MM-DD HH:mm, or ISO 8601)')
    .option('--to <time>', 'until (exclusive; a bare date means the end of that day)')
    .option('--order <order>', 'asc or desc (default desc)')
    .option('--size <n>', 'rows per page (default 50, at most 500)')
    .option('--page <n>', 'page number (first 10000 rows)')
    .option('--cursor <cursor>', 'the next_cursor of the previous page')
    .option('--json', 'print the page as JSON (UTC times)')
    .option('--csv <file>', 'export every matching row as CSV (Asia/Tokyo times) to FILE, - for stdout');

const PAGING = ['from', 'to', 'order', 'size', 'page', 'cursor'] as const;

export function registerAuditCommands(program: Command, load: () => AuditCliContext): Command {
  const audit = program
    .command('audit')
    .description('query sessions, timelines, findings and approvals; disposition findings; freeze vendors');

  PAGING_OPTIONS(
    audit
      .command('sessions')
      .description('sessions, newest first (merged duplicates hidden unless --status merged|any)')
      .option('--vendor <id>', 'vendor id')
      .option('--operator <id>', 'operator id')
      .option('--account <name>', 'account (any case, with or without domain)')
      .option('--host <name>', 'target server or jump terminal')
      .option('--approval <id>', 'approval id')
      .option('--rule <rule>', 'has a finding of this rule')
      .option('--has-findings <yes|no>', 'has findings, or has none')
      .option('--status <status>', 'open, closed, merged or any')
      .option('--sort <key>', 'start, end, duration or vendor (default start)'),
  ).action(async (options: Options) => {
    const raw = filterValues(options, [
      'vendor',
      'operator',
      'account',
      'host',
      'approval',
      'rule',
      'has_findings',
      'status',
      'sort',
      ...PAGING,
    ]);
    const csv = typeof options.csv === 'string' ? options.csv : undefined;
    await audited(load, csv ? 'export_sessions' : 'list_sessions', { ...raw, csv }, undefined, async (s) => {
      const query = parsed(SessionListQuery, raw);
      if (csv)
        return exportCsv(
          SESSION_CSV,
          s.queries.exportSessions(query, s.ctx.config.audit.exportPageSize),
          csv,
        );
      const page = await pageOf(() => s.queries.sessions(query));
      printPage(page, options, (items) =>
        formatTable(
          [
            'id',
            'status',
            'start (JST)',
            'end (JST)',
            'vendor',
            'operator',
            'accounts',
            'targets',
            'findings',
          ],
          items.map((x) => [
            x.id,
            x.status,
            short(x.start),
            short(x.end),
            x.vendor ?? '',
            x.operator ?? '',
            list(x.accounts),
            list(x.targets),
            list([...new Set((x.findings ?? []).map((f) => f.rule))]),
          ]),
        ),
      );
      return page.total;
    });
  });

  audit
    .command('report')
    .description('the monthly usage report: usage ledger (様式第3号) and monthly summary (様式第4号)')
    .requiredOption('--month <YYYY-MM>', 'the month, in Asia/Tokyo')
    .option('--vendor <id|name>', 'one vendor (registry id or registered name)')
    .option('--system <id|name>', 'one system (registry id or name), or a server name')
    .option('--lang <ja|en>', 'Japanese (default) or English labels', 'ja')
    .option('--as-of <time>', 'count open sessions up to this time (ISO 8601; default now)')
    .option('--html <file>', 'the printable page (both forms)')
    .option('--pdf <file>', 'the printable page printed to PDF by headless Chromium')
    .option('--csv <dir>', 'both forms as CSV (UTF-8 with BOM) into this folder')
    .action(
      async (
        options: {
          month: string;
          vendor?: string;
          system?: string;
          lang: string;
          asOf?: string;
        } & ReportOutputs,
      ) => {
        const parameters = {
          month: options.month,
          vendor: options.vendor,
          system: options.system,
          lang: options.lang,
        };
        await audited(load, 'monthly_report', { ...parameters, ...options }, undefined, async (s) => {
          let lang: ReportLang;
          let report: MonthlyReport;
          try {
            lang = reportLang(options.lang);
            report = await loadMonthlyReport(s.store, s.ctx.config, options);
          } catch (err) {
            if (err instanceof MonthlyReportInputError) throw new AuditUsageError(err.message);
            throw err;
          }
          const written: string[] = [];
          const write = async (file: string, format: ReportFormat, form?: ReportForm) => {
            const delivered = await deliverReport(report, { format, form, lang });
            await writeFile(file, delivered.body);
            written.push(file);
          };
          if (options.html) await write(options.html, 'html');
          if (options.pdf) await write(options.pdf, 'pdf');
          if (options.csv) {
            await mkdir(options.csv, { recursive: true });
            for (const form of ['ledger', 'summary'] as const) {
              const { fileName } = await deliverReport(report, { format: 'csv', form, lang });
              await write(join(options.csv, fileName), 'csv', form);
            }
          }
          const t = report.summary;
          console.log(
            `${report.month}${report.vendor ? ` ${report.vendor.name}` : ''}${report.system ? ` ${report.system.name}` : ''}: ` +
              `${t.sessions} session(s), ${t.minutes} min, ${t.out_of_window_minutes} min out of window, ` +
              `${t.findings} finding(s)`,
          );
          for (const file of written) console.log(`wrote ${file}`);
          if (written.length === 0)
            console.log('(give --html FILE, --pdf FILE or --csv DIR to write the report)');
          return report.ledger.length;
        });
      },
    );

  audit
    .command('session')
    .description('one session and its findings; --timeline: every event across layers, with its raw line')
    .argument('<id>', 'session id')
    .option('--timeline', 'the timeline instead')
    .option('--json', 'print JSON (UTC times)')
    .option('--csv <file>', 'with --timeline: write the timeline as CSV to FILE, - for stdout')
    .action(async (id: string, options: Options) => {
      const timeline = options.timeline === true;
      const csv = typeof options.csv === 'string' ? options.csv : undefined;
      await audited(load, timeline ? 'session_timeline' : 'get_session', { csv }, id, async (s) => {
        if (!timeline) {
          if (csv) throw new AuditUsageError('--csv goes with --timeline');
          const found = await s.queries.session(id);
          if (!found) throw new NotFoundError(`no session ${id}`);
          if (options.json) console.log(JSON.stringify(found, null, 2));
          else printSession(found);
          return 1;
        }
        const t = await s.queries.timeline(id);
        if (!t) throw new NotFoundError(`no session ${id}`);
        if (csv) {
          const text = csvOf(TIMELINE_CSV, t.lines);
          if (csv === '-') process.stdout.write(text);
          else await pipeline(Readable.from([text]), createWriteStream(csv));
        } else if (options.json) console.log(JSON.stringify(t, null, 2));
        else {
          console.log(timelineTable(t.lines));
          if (t.truncated > 0)
            console.error(`${t.truncated} more event(s) joined after the timeline was full`);
        }
        return t.lines.length;
      });
    });

  PAGING_OPTIONS(
    audit
      .command('findings')
      .description('findings, newest first (withdrawn ones hidden unless --status withdrawn|any)')
      .option('--rule <rule>', 'rule id')
      .option('--severity <severity>', 'low, medium, high or critical')
      .option('--vendor <id>', 'vendor id')
      .option('--session <id>', 'session id')
      .option('--approval <id>', 'approval id')
      .option('--status <status>', 'active, withdrawn or any')
      .option('--disposition <status>', 'open, acknowledged, false_positive or resolved'),
  ).action(async (options: Options) => {
    const raw = filterValues(options, [
      'rule',
      'severity',
      'vendor',
      'session',
      'approval',
      'status',
      'disposition',
      ...PAGING,
    ]);
    const csv = typeof options.csv === 'string' ? options.csv : undefined;
    await audited(load, csv ? 'export_findings' : 'list_findings', { ...raw, csv }, undefined, async (s) => {
      const query = parsed(FindingListQuery, raw);
      if (csv)
        return exportCsv(
          FINDING_CSV,
          s.queries.exportFindings(query, s.ctx.config.audit.exportPageSize),
          csv,
        );
      const page = await pageOf(() => s.queries.findings(query));
      printPage(page, options, (items) =>
        formatTable(
          ['id', 'time (JST)', 'rule', 'severity', 'disposition', 'session', 'message'],
          items.map((f) => [
            f.id,
            short(f['@timestamp']),
            f.rule,
            f.severity,
            f.disposition?.status ?? 'open',
            f.session_id,
            f.message,
          ]),
        ),
      );
      return page.total;
    });
  });

  audit
    .command('finding')
    .description('one finding with its evidence events and their raw lines')
    .argument('<id>', 'finding id')
    .option('--json', 'print JSON (UTC times)')
    .action(async (id: string, options: Options) => {
      await audited(load, 'get_finding', {}, id, async (s) => {
        const found = await s.queries.finding(id);
        if (!found) throw new NotFoundError(`no finding ${id}`);
        if (options.json)
          console.log(JSON.stringify({ finding: found.finding, evidence: found.evidence }, null, 2));
        else {
          const f = found.finding;
          console.log(
            `${f.id}  ${f.rule}  ${f.severity}  ${f.status}  disposition: ${f.disposition?.status ?? 'open'}`,
          );
          console.log(`${short(f['@timestamp'])} JST  session ${f.session_id}`);
          console.log(f.message);
          console.log(timelineTable(found.evidence));
        }
        return 1;
      });
    });

  PAGING_OPTIONS(
    audit
      .command('approvals')
      .description(
        'approvals (申請) whose window overlaps the period, latest first, with their session counts',
      )
      .option('--vendor <id>', 'vendor')
      .option('--status <status>', 'requested, approved, revoked or completed'),
  ).action(async (options: Options) => {
    const raw = filterValues(options, ['vendor', 'status', ...PAGING]);
    const csv = typeof options.csv === 'string' ? options.csv : undefined;
    await audited(
      load,
      csv ? 'export_approvals' : 'list_approvals',
      { ...raw, csv },
      undefined,
      async (s) => {
        const query = parsed(ApprovalListQuery, raw);
        if (csv)
          return exportCsv(
            APPROVAL_CSV,
            s.queries.exportApprovals(query, s.ctx.config.audit.exportPageSize),
            csv,
          );
        const page = await pageOf(() => s.queries.approvals(query));
        printPage(page, options, (items) =>
          formatTable(
            ['id', 'vendor', 'status', 'window (JST)', 'sessions', 'targets'],
            items.map((a) => [
              a.id,
              a.vendor,
              a.status,
              `${short(a.window.start)} – ${short(a.window.end)}`,
              String(a.session_count),
              list(a.targets),
            ]),
          ),
        );
        return page.total;
      },
    );
  });

  audit
    .command('approval')
    .description('one approval with its sessions')
    .argument('<id>', 'approval id')
    .option('--json', 'print JSON (UTC times)')
    .action(async (id: string, options: Options) => {
      await audited(load, 'get_approval', {}, id, async (s) => {
        const found = await s.queries.approval(id);
        if (!found) throw new NotFoundError(`no approval ${id}`);
        if (options.json) console.log(JSON.stringify(found, null, 2));
        else {
          const a = found.approval;
          console.log(
            `${a.id}  ${a.vendor}  ${a.status}  ${short(a.window.start)} – ${short(a.window.end)} JST`,
          );
          console.log(`targets: ${list(a.targets)}  operators: ${a.operators.map((o) => o.name).join(', ')}`);
          if (a.purpose) console.log(`purpose: ${a.purpose}`);
          console.log(
            formatTable(
              ['session', 'status', 'start (JST)', 'end (JST)', 'operator', 'findings'],
              found.sessions.map((x) => [
                x.id,
                x.status,
                short(x.start),
                short(x.end),
                x.operator ?? '',
                list([...new Set((x.findings ?? []).map((f) => f.rule))]),
              ]),
            ),
          );
        }
        return found.sessions.length;
      });
    });

  audit
    .command('dispose')
    .description('record how the security office dealt with a finding')
    .argument('<id>', 'finding id')
    .requiredOption('--status <status>', 'acknowledged, false_positive, resolved or open')
    .option('--note <text>', 'why')
    .action(async (id: string, options: Options) => {
      const raw = filterValues(options, ['status', 'note']);
      await audited(load, 'dispose_finding', raw, id, async (s) => {
        const request = parsed(DispositionRequest, raw);
        const finding = await disposeFinding(s.ctx.config, s.store, id, request, s.who);
        if (!finding) throw new NotFoundError(`no finding ${id}`);
        console.log(JSON.stringify(finding.disposition));
        return 1;
      });
    });

  const freeze = async (vendorId: string, options: Options, frozen: boolean) => {
    const raw = filterValues(options, ['reason']);
    await audited(load, frozen ? 'freeze_vendor' : 'unfreeze_vendor', raw, vendorId, async (s) => {
      const change: FreezeChange = frozen
        ? { frozen: true, reason: parsed(FreezeRequest, raw).reason }
        : { frozen: false, reason: parsed(UnfreezeRequest, raw).reason };
      const bus = createMessageBus(s.ctx.config, s.ctx.log);
      try {
        const vendors = await followVendors(s.ctx.config, bus, s.ctx.log);
        try {
          const result = await setVendorFrozen(s.ctx.config, bus, vendors, vendorId, change);
          if (!result.ok) {
            if (result.problem === 'not_found') throw new NotFoundError(result.message);
            throw new ConflictError(result.message);
          }
          console.log(JSON.stringify(result.vendor));
        } finally {
          await vendors.close();
        }
      } finally {
        await bus.close();
      }
      return 1;
    });
  };
  audit
    .command('freeze')
    .description("stop a vendor's service: publishes the frozen vendor record on rm.registry")
    .argument('<vendor>', 'vendor id')
    .requiredOption('--reason <text>', 'why (recorded with the freeze)')
    .action((vendorId: string, options: Options) => freeze(vendorId, options, true));
  audit
    .command('unfreeze')
    .description("resume a frozen vendor's service")
    .argument('<vendor>', 'vendor id')
    .option('--reason <text>', 'why (audit log)')
    .action((vendorId: string, options: Options) => freeze(vendorId, options, false));

  PAGING_OPTIONS(
    audit
      .command('log')
      .description('the audit log: who asked what, when')
      .option('--who <name>', 'token name or cli:<user>')
      .option('--action <action>', 'e.g. list_sessions, dispose_finding, freeze_vendor'),
  ).action(async (options: Options) => {
    const raw = filterValues(options, ['who', 'action', ...PAGING]);
    const csv = typeof options.csv === 'string' ? options.csv : undefined;
    await audited(
      load,
      csv ? 'export_audit_log' : 'list_audit_log',
      { ...raw, csv },
      undefined,
      async (s) => {
        const query = parsed(AuditLogListQuery, raw);
        if (csv)
          return exportCsv(
            AUDIT_LOG_CSV,
            s.queries.exportAuditLog(query, s.ctx.config.audit.exportPageSize),
            csv,
          );
        const page = await pageOf(() => s.queries.auditLog(query));
        printPage(page, options, (items) =>
          formatTable(
            ['time (JST)', 'who', 'role', 'action', 'target', 'outcome', 'rows', 'client'],
            items.map((e) => [
              displayTime(e.at),
              e.who,
              e.role,
              e.action,
              e.target ?? '',
              e.outcome,
              e.result_count === undefined ? '' : String(e.result_count),
              e.client ?? '',
            ]),
          ),
        );
        return page.total;
      },
    );
  });

  return audit;
}

/** A bad cursor is the caller's mistake, not a failure. */
async function pageOf<T>(fetch: () => Promise<Page<T>>): Promise<Page<T>> {
  try {
    return await fetch();
  } catch (err) {
    if (err instanceof CursorError) throw new AuditUsageError(err.message);
    throw err;
  }
}

function timelineTable(lines: readonly EventLine[]): string {
  return formatTable(
    ['time (JST)', 'layer', 'action', 'host', 'account', 'source', 'raw'],
    lines.map((l) => [
      displayTime(l.at),
      l.layer ?? '',
      l.action ?? '',
      l.host ?? '',
      l.account ?? '',
      l.source_ip ?? '',
      rawText(l).replace(/\s+/g, ' '),
    ]),
  );
}

function printSession(found: NonNullable<Awaited<ReturnType<AuditQueries['session']>>>): void {
  const x = found.session;
  console.log(`${x.id}  ${x.status}${x.merged_into ? ` → ${x.merged_into}` : ''}`);
  console.log(`${displayTime(x.start)} – ${displayTime(x.end) || '(open)'} JST`);
  const rows: [string, string][] = [
    ['vendor', x.vendor ?? ''],
    ['operator', x.operator ?? ''],
    ['accounts', list(x.accounts)],
    ['vpn user', x.vpn_user ?? ''],
    ['source', x.source?.ip ?? ''],
    ['gateway', x.gateway ?? ''],
    ['jump host', x.jump_host ?? ''],
    ['targets', list(x.targets)],
    ['approval', x.approval_id ?? ''],
    ['layers', list(x.layers)],
    ['coverage gaps', list(x.coverage_gaps)],
  ];
  for (const [k, v] of rows) if (v !== '') console.log(`${k}: ${v}`);
  if (found.findings.length > 0)
    console.log(
      formatTable(
        ['finding', 'rule', 'severity', 'status', 'disposition', 'message'],
        found.findings.map((f) => [
          f.id,
          f.rule,
          f.severity,
          f.status,
          f.disposition?.status ?? 'open',
          f.message,
        ]),
      ),
    );
}
