// `rmwatch`: the command line of every stage and tool. Each command loads the one validated configuration.
import { resolve as resolvePath } from 'node:path';
import { Command, CommanderError } from 'commander';
import { ConfigError, loadConfig, redactConfig, type ResolvedConfig } from '../infra/config.ts';
import { createSearchStore } from '../infra/elasticsearch.ts';
import { createMessageBus } from '../infra/kafka.ts';
import { createLogger, type Logger } from '../infra/logger.ts';
import { formatSetupReport, runSetup } from '../infra/setup.ts';
import { applyRetention, formatRetentionReport } from '../processors/index/retention.ts';
import { TimeZone } from '../model/common.ts';
import { parseFiles } from './parse.ts';
import { AnalyzeInputError, runAnalyze } from './analyze.ts';
import { ingestFiles } from '../collectors/files.ts';
import { FILE_FORMATS, type FileFormat } from '../processors/normalize/files.ts';
import { untilStopped } from './signals.ts';
import { runStage, STAGES, type StageName } from './run.ts';
import { formatStageTable, startPipeline } from './pipeline.ts';
import { formatStatus, stackDown, stackStatus, stackUp, type Component } from '../infra/stack/stack.ts';
import {
  importApprovalsCommand,
  listApprovalsCommand,
  loadRegistryCommand,
} from '../collectors/ledger/commands.ts';
import { ApprovalStatus } from '../model/approval.ts';
import { registerAuditCommands } from './audit.ts';
import { registerDashboardCommands } from './dashboards.ts';
import { registerAlertCommands } from './alerts.ts';
import { registerDemoCommand } from './demo.ts';
import { runDemo } from '../infra/demo/run.ts';
import { formatVerifyReport, verifyEvidence, VerifyOptionError } from '../processors/evidence/verify.ts';

/** A mistake in how a command was called: reported without a stack, exit status 2. */
class UsageError extends Error {}

interface Context {
  config: ResolvedConfig;
  log: Logger;
}

function context(program: Command): Context {
  const options = program.opts<{ config?: string }>();
  const config = loadConfig({ file: options.config });
  return { config, log: createLogger(config.log.level) };
}

/** Setup against whatever Kafka and Elasticsearch the configuration names; they must be up. */
async function setup(ctx: Context, readyTimeoutMs: number): Promise<string> {
  const bus = createMessageBus(ctx.config, ctx.log);
  const store = createSearchStore(ctx.config, ctx.log);
  try {
    await Promise.all([bus.waitUntilReady(readyTimeoutMs), store.waitUntilReady(readyTimeoutMs)]).catch(
      (err: Error) => {
        throw new Error(
          `${err.message}\n` +
            (ctx.config.stack.embeddedKafka || ctx.config.stack.embeddedElasticsearch
              ? 'Start the embedded stack with `npm run stack:up` (or run `npm start`).'
              : 'Check RMWATCH_KAFKA_BROKERS / RMWATCH_ES_URL.'),
        );
      },
    );
    return formatSetupReport(await runSetup(ctx.config, bus, store));
  } finally {
    await Promise.all([bus.close(), store.close()]);
  }
}

const program = new Command()
  .name('rmwatch')
  .description('Watches remote-maintenance sessions against approved request windows.')
  .option('-c, --config <file>', 'configuration file (default: $RMWATCH_CONFIG or ./rmwatch.yaml)')
  .showHelpAfterError();

program
  .command('setup')
  .description('create the Kafka topics and Elasticsearch templates and indices (idempotent)')
  .action(async () => {
    console.log(await setup(context(program), 15_000));
  });

program
  .command('retention')
  .description(
    'delete monthly event and evidence indices, and records, older than the retention periods (index.retention)',
  )
  .option('--dry-run', 'only say what would be deleted')
  .action(async (options: { dryRun?: boolean }) => {
    const ctx = context(program);
    const store = createSearchStore(ctx.config, ctx.log);
    try {
      const report = await applyRetention(ctx.config, store, ctx.log, { dryRun: options.dryRun });
      console.log(formatRetentionReport(report, options.dryRun ?? false));
    } finally {
      await store.close();
    }
  });

program
  .command('start')
  .description(
    'bring up the embedded stack when no external one is configured, run setup, and run the whole pipeline ' +
      'as supervised stage processes until Ctrl-C',
  )
  .option('--once', 'exit after setup and the health check')
  .option('--keep-stack', 'leave the embedded stack running on exit')
  .option('--demo', 'play the demo day into the pipeline (as `rmwatch demo`) and keep running')
  .action(async (options: { once?: boolean; keepStack?: boolean; demo?: boolean }) => {
    if (options.demo) {
      const { config, log } = context(program);
      process.exitCode = await runDemo(config, log, { exit: false, timeoutSeconds: 180, untilStopped });
      return;
    }
    const ctx = context(program);
    const up = await stackUp(ctx.config, ctx.log);
    const stopStarted = async () => {
      if (!options.keepStack && up.started.length > 0) await stackDown(ctx.config, ctx.log, up.started);
    };
    try {
      console.log(await setup(ctx, 30_000));
    } catch (err) {
      await stopStarted();
      throw err;
    }
    console.log(formatStatus(ctx.config, await stackStatus(ctx.config)));
    console.log('health: Kafka and Elasticsearch are ready.');
    if (options.once) {
      await stopStarted();
      return;
    }
    // Listening before the stages start: a Ctrl-C while they come up still stops them all.
    const stopped = untilStopped();
    let stopping = false;
    // The stages load the configuration themselves: they must read the same file as this command.
    const file = program.opts<{ config?: string }>().config;
    const pipeline = await startPipeline(ctx.config, {
      log: ctx.log,
      env: file ? { RMWATCH_CONFIG: resolvePath(file) } : {},
    });
    console.log(formatStageTable(pipeline.stages));
    pipeline.ready.then(
      () => console.log(`all ${pipeline.stages.length} stages are healthy; Ctrl-C stops them.`),
      (err: Error) => {
        if (!stopping) ctx.log.warn({ err }, 'the pipeline is running, but not every stage is healthy yet');
      },
    );
    await stopped;
    stopping = true;
    console.log('stopping…');
    await pipeline.stop();
    await stopStarted();
  });

const stack = program.command('stack').description('the embedded local Kafka and Elasticsearch');
stack
  .command('up')
  .description('fetch (cached), start and wait until healthy; reuses servers already running')
  .action(async () => {
    const ctx = context(program);
    const up = await stackUp(ctx.config, ctx.log);
    console.log(
      `stack up in ${up.seconds}s (started: ${up.started.join(', ') || 'none'}; reused: ${up.reused.join(', ') || 'none'})`,
    );
    console.log(formatStatus(ctx.config, await stackStatus(ctx.config)));
  });
stack
  .command('down')
  .description('stop the servers the embedded stack started')
  .option('--only <component>', 'kafka or elasticsearch')
  .action(async (options: { only?: string }) => {
    const ctx = context(program);
    const only = options.only ? [options.only as Component] : undefined;
    const stopped = await stackDown(ctx.config, ctx.log, only);
    console.log(stopped.length > 0 ? `stopped: ${stopped.join(', ')}` : 'nothing of ours was running');
  });
stack
  .command('status')
  .description('what runs where')
  .action(async () => {
    const ctx = context(program);
    console.log(formatStatus(ctx.config, await stackStatus(ctx.config)));
  });

/** `--format` and `--tz` of the file commands, checked before any file is read. */
function fileFormatOption(options: { format: string; tz: string }): FileFormat {
  const format = FILE_FORMATS.find((f) => f === options.format);
  if (!format)
    throw new UsageError(`--format must be one of ${FILE_FORMATS.join(', ')}, not ${options.format}`);
  if (!TimeZone.safeParse(options.tz).success) throw new UsageError(`--tz: unknown time zone ${options.tz}`);
  return format;
}

program
  .command('parse')
  .description(
    'print canonical events (JSON lines) for the records of exported log files; dead letters on stderr',
  )
  .argument('<files...>', 'syslog line files, Windows event XML or .evtx, Winlogbeat NDJSON')
  .option('--format <format>', FILE_FORMATS.join(', '), 'auto')
  .option('--tz <zone>', 'time zone of timestamps that carry none', 'Asia/Tokyo')
  .option('--year <year>', 'year of timestamps that carry none (default: inferred from today)')
  .action((files: string[], options: { format: string; tz: string; year?: string }) => {
    const format = fileFormatOption(options);
    if (options.year !== undefined && !/^\d{4}$/.test(options.year))
      throw new UsageError('--year takes a four-digit year');
    parseFiles(
      files,
      {
        format,
        tz: options.tz,
        year: options.year === undefined ? undefined : Number(options.year),
      },
      process.stdout,
      process.stderr,
    );
  });

program
  .command('analyze')
  .description(
    'stitch sessions and apply the rules to exported log files, offline; one finding per line (JSON) on stdout',
  )
  .argument('<files...>', 'syslog line files, Windows event XML or .evtx, Winlogbeat NDJSON')
  .option('--approvals <file>', 'approvals CSV (Japanese or English headers), JSON or YAML')
  .option('--registry <file>', 'registry YAML')
  .option('--tz <zone>', 'time zone of timestamps that carry none', 'Asia/Tokyo')
  .option('--year <year>', 'year of timestamps that carry none (default: inferred from today)')
  .option('--sessions <file>', 'also write the stitched sessions there (JSON lines)')
  .option('--reconciliations <file>', "also write each approval's reconciliation there (JSON lines)")
  .action(
    (
      files: string[],
      options: {
        approvals?: string;
        registry?: string;
        tz: string;
        year?: string;
        sessions?: string;
        reconciliations?: string;
      },
    ) => {
      if (!TimeZone.safeParse(options.tz).success)
        throw new UsageError(`--tz: unknown time zone ${options.tz}`);
      if (options.year !== undefined && !/^\d{4}$/.test(options.year))
        throw new UsageError('--year takes a four-digit year');
      try {
        runAnalyze(
          files,
          { ...options, year: options.year === undefined ? undefined : Number(options.year) },
          process.stdout,
          process.stderr,
        );
      } catch (err) {
        if (err instanceof AnalyzeInputError) throw new UsageError(err.message);
        throw err;
      }
    },
  );

program
  .command('ingest')
  .description('send exported log files into the pipeline (raw topics), as their devices would have')
  .argument('<files...>', 'syslog line files, Windows event XML or .evtx, Winlogbeat NDJSON')
  .option('--format <format>', FILE_FORMATS.join(', '), 'auto')
  .option('--tz <zone>', 'time zone of timestamps that carry none', 'Asia/Tokyo')
  .action(async (files: string[], options: { format: string; tz: string }) => {
    const format = fileFormatOption(options);
    const ctx = context(program);
    const bus = createMessageBus(ctx.config, ctx.log);
    try {
      const total = await ingestFiles(ctx.config, bus, files, { format, timezone: options.tz }, (file, n) =>
        console.error(`${file}: ${n} records`),
      );
      console.log(`ingested ${total} records from ${files.length} file(s)`);
    } finally {
      await bus.close();
    }
  });

program
  .command('run')
  .description(`run one stage as its own process (${STAGES.join(', ')}) against the configured Kafka`)
  .argument('<stage>', STAGES.join(' | '))
  .action(async (stage: string) => {
    if (!(STAGES as readonly string[]).includes(stage))
      throw new UsageError(`unknown stage ${stage}; one of ${STAGES.join(', ')}`);
    const ctx = context(program);
    await runStage(stage as StageName, ctx.config, ctx.log);
  });

const approvals = program.command('approvals').description('the approvals ledger (申請) on rm.approvals');
approvals
  .command('import')
  .description(
    'import approvals from the ledger spreadsheet (CSV) or a JSON / YAML file; row errors on stderr',
  )
  .argument('<file>', 'CSV (UTF-8 or Shift_JIS, Japanese or English headers), JSON or YAML')
  .option('--tz <zone>', 'time zone of times that carry none (default: ledger.timezone, Asia/Tokyo)')
  .option(
    '--registry <file>',
    'resolve vendor and operator names through this Registry YAML (default: rm.registry)',
  )
  .option('--dry-run', 'print the approvals read as JSON lines; publish nothing')
  .action(async (file: string, options: { tz?: string; registry?: string; dryRun?: boolean }) => {
    if (options.tz !== undefined && !TimeZone.safeParse(options.tz).success)
      throw new UsageError(`--tz: unknown time zone ${options.tz}`);
    const ctx = context(program);
    process.exitCode = await importApprovalsCommand(
      ctx.config,
      ctx.log,
      {
        file,
        timezone: options.tz ?? ctx.config.ledger.timezone,
        registryFile: options.registry,
        dryRun: options.dryRun ?? false,
      },
      process.stdout,
      process.stderr,
    );
  });
approvals
  .command('list')
  .description('print the approvals on rm.approvals as JSON lines')
  .option('--status <status>', ApprovalStatus.options.join(', '))
  .action(async (options: { status?: string }) => {
    const status = ApprovalStatus.safeParse(options.status);
    if (options.status !== undefined && !status.success)
      throw new UsageError(`--status must be one of ${ApprovalStatus.options.join(', ')}`);
    const ctx = context(program);
    await listApprovalsCommand(ctx.config, ctx.log, status.data, process.stdout);
  });

program
  .command('registry')
  .description('the registry of vendors, operators, accounts and hosts on rm.registry')
  .command('load')
  .description('replace the registry with a Registry YAML file (removed entities are deleted)')
  .argument('<file>', 'Registry YAML (or JSON)')
  .action(async (file: string) => {
    const ctx = context(program);
    process.exitCode = await loadRegistryCommand(ctx.config, ctx.log, file, process.stdout, process.stderr);
  });

program
  .command('verify')
  .description(
    'check the raw-evidence hash chains: the first broken link per chain; exit 0 intact, 1 broken, 2 error',
  )
  .option('--source <device>', 'only the chains of this source (the observing device)')
  .option('--from <day>', 'first Asia/Tokyo day, YYYY-MM-DD')
  .option('--to <day>', 'last Asia/Tokyo day, YYYY-MM-DD')
  .option('--json', 'print the report as JSON')
  .action(async (options: { source?: string; from?: string; to?: string; json?: boolean }) => {
    const ctx = context(program);
    const store = createSearchStore(ctx.config, ctx.log);
    try {
      const report = await verifyEvidence(store, ctx.config, options);
      console.log(options.json ? JSON.stringify(report) : formatVerifyReport(report));
      process.exitCode = report.broken > 0 ? 1 : 0;
    } catch (err) {
      if (err instanceof VerifyOptionError) throw new UsageError(err.message);
      // Not being able to check is not the same as finding a break.
      console.error(`rmwatch verify: ${err instanceof Error ? err.message : String(err)}`);
      process.exitCode = 2;
    } finally {
      await store.close();
    }
  });

registerAuditCommands(program, () => context(program));
registerDashboardCommands(program, () => context(program));
registerAlertCommands(program, () => context(program));
registerDemoCommand(program, () => context(program));

program
  .command('config')
  .description('print the resolved configuration (secrets hidden)')
  .action(() => {
    console.log(JSON.stringify(redactConfig(context(program).config), null, 2));
  });

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof ConfigError || err instanceof UsageError) {
    console.error(`rmwatch: ${err.message}`);
    process.exitCode = 2;
  } else if (err instanceof CommanderError) {
    process.exitCode = err.exitCode;
  } else {
    console.error(`rmwatch: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 1;
  }
}
