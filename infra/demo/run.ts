// `rmwatch demo`: a working day of the city played into a running pipeline, so that a newcomer sees
// sessions, findings, alerts and the monthly report within a minute.
//   input:  the base configuration (where Kafka and Elasticsearch are; the embedded stack is brought up when
//           it is not running), the demo folder (default `<stack.dir>/demo`)
//   writes: `<dir>/rmwatch.yaml` (the demo's configuration: namespace `demo.` unless RMWATCH_NAMESPACE says
//           otherwise), `registry.yaml` and `approvals.csv` (loaded with the ledger commands), `alerts.log`
//           (one JSON line per alert delivered to the demo's webhook), `report/` (the monthly report, HTML
//           and CSV), `summary.json`
//   output: progress on stderr, the summary on stdout; resolves when the demo is over (after the summary
//           with `exit`, else on Ctrl-C). Exit status 1 when the pipeline did not show the whole day in time.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { loadConfig, type ResolvedConfig } from '../config.ts';
import { createSearchStore } from '../elasticsearch.ts';
import { createMessageBus } from '../kafka.ts';
import type { Logger } from '../logger.ts';
import { runSetup } from '../setup.ts';
import { portOpen, stackUp } from '../stack/stack.ts';
import { TOPICS, topicName } from '../topics.ts';
import { importApprovalsCommand, loadRegistryCommand } from '../../collectors/ledger/commands.ts';
import { deliverReport, loadMonthlyReport, type MonthlyReport } from '../../processors/audit/report/index.ts';
import { demoConfigYaml, DEMO_NAMESPACE, demoTokens, freePort, type DemoPorts } from './config.ts';
import { demoDay, type DemoDay } from './day.ts';
import { observe, settled, type Observed } from './observe.ts';
import { startDemoPipeline } from './pipeline.ts';
import { progressBar } from './progress.ts';
import { startAlertReceiver } from './receiver.ts';
import { sendDay, type Sent } from './send.ts';
import { normaliserCatchUp } from './settle.ts';
import { tokyoDay } from '../../model/tokyo-time.ts';

export interface DemoOptions {
  /** Stop after the summary instead of running until Ctrl-C. */
  exit: boolean;
  /** Where the demo writes its files; default `<stack.dir>/demo`. */
  dir?: string;
  /** How long to wait for the pipeline to show the whole day. */
  timeoutSeconds: number;
  env?: NodeJS.ProcessEnv;
  /** Resolves when the user wants the demo to stop (Ctrl-C). */
  untilStopped: () => Promise<void>;
}

export interface DemoSummary {
  date: string;
  namespace: string;
  complete: boolean;
  sent: Sent;
  expected: DemoDay['expected'];
  observed: Observed;
  files: { config: string; alertsLog: string; report: string[] };
  auditApi: { url: string; token: string };
}

/** Today in Asia/Tokyo, YYYY-MM-DD. */
export const tokyoToday = (now = new Date()) => tokyoDay(now.getTime());

const out = (text: string) => process.stdout.write(`${text}\n`);
const note = (text: string) => process.stderr.write(`${text}\n`);
/** Output of the ledger commands, kept to be shown as one line. */
const collect = () => {
  let text = '';
  return { write: (t: string) => (text += t), text: () => text.trim() };
};

/**
 * Starts from nothing: a second demo run must show the same numbers, not twice as many. Only the `demo.`
 * namespace is cleared; any other (RMWATCH_NAMESPACE, as tests set it) must be empty, so that the demo can
 * never wipe or pollute a namespace that holds real records.
 */
async function clearNamespace(config: ResolvedConfig, log: Logger): Promise<void> {
  const bus = createMessageBus(config, log);
  const store = createSearchStore(config, log);
  try {
    if (config.namespace !== DEMO_NAMESPACE) {
      const held = await store.listIndices(`${config.namespace}*`).catch(() => []);
      if (held.length > 0)
        throw new Error(
          `namespace ${config.namespace} already holds ${held.length} indices; the demo runs in ${DEMO_NAMESPACE} or in an empty namespace`,
        );
      return;
    }
    await store.deleteIndices(`${config.namespace}*`).catch(() => undefined);
    await store.deleteIndexTemplates(`${config.namespace}*`).catch(() => undefined);
    for (const topic of Object.values(TOPICS))
      await bus.deleteTopics([topicName(config, topic)]).catch(() => undefined);
  } finally {
    await Promise.all([bus.close(), store.close()]);
  }
}

/** Setup right after the topics were deleted can meet them still being removed: try again for a while. */
async function setupWithPatience(config: ResolvedConfig, log: Logger): Promise<void> {
  const bus = createMessageBus(config, log);
  const store = createSearchStore(config, log);
  try {
    await Promise.all([bus.waitUntilReady(30_000), store.waitUntilReady(30_000)]);
    for (let attempt = 1; ; attempt++) {
      try {
        await runSetup(config, bus, store);
        return;
      } catch (err) {
        if (attempt >= 15) throw err;
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  } finally {
    await Promise.all([bus.close(), store.close()]);
  }
}

async function waitForPorts(ports: readonly number[], timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const port of ports) {
    while (!(await portOpen(port))) {
      if (Date.now() > deadline) throw new Error(`a demo stage did not open port ${port} in time`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

async function writeMonthlyReport(config: ResolvedConfig, log: Logger, month: string, dir: string) {
  const store = createSearchStore(config, log);
  try {
    const report: MonthlyReport = await loadMonthlyReport(store, config, { month });
    await mkdir(dir, { recursive: true });
    const files: string[] = [];
    for (const [format, form] of [
      ['html', undefined],
      ['csv', 'ledger'],
      ['csv', 'summary'],
    ] as const) {
      const delivered = await deliverReport(report, { format, form, lang: 'ja' });
      const file = join(dir, delivered.fileName);
      await writeFile(file, delivered.body);
      files.push(file);
    }
    return { report, files };
  } finally {
    await store.close();
  }
}

export async function runDemo(base: ResolvedConfig, log: Logger, options: DemoOptions): Promise<number> {
  const env = options.env ?? process.env;
  const dir = options.dir ?? join(base.stack.dir, 'demo');
  const namespace = env.RMWATCH_NAMESPACE || DEMO_NAMESPACE;
  const show = (file: string) => relative(process.cwd(), file) || file;
  await mkdir(dir, { recursive: true });

  const ports: DemoPorts = {
    syslog: await freePort(true),
    windows: await freePort(),
    ledger: await freePort(),
    audit: await freePort(),
    alerts: await freePort(),
    webhook: await freePort(),
  };
  const tokens = demoTokens();
  const configFile = join(dir, 'rmwatch.yaml');
  await writeFile(configFile, demoConfigYaml(base, { namespace, dir, ports, tokens }));
  const config = loadConfig({ file: configFile, env });

  const day = demoDay(tokyoToday());
  note(`rmwatch demo: ${day.date} (Asia/Tokyo) in namespace ${config.namespace}; files in ${show(dir)}`);
  const up = await stackUp(config, log);
  if (up.started.length > 0)
    note(`started the embedded ${up.started.join(' and ')} (npm run stack:down stops it)`);

  await clearNamespace(config, log);
  await setupWithPatience(config, log);

  const registryFile = join(dir, 'registry.yaml');
  const approvalsFile = join(dir, 'approvals.csv');
  await writeFile(registryFile, day.registryYaml);
  await writeFile(approvalsFile, day.approvalsCsv);
  const said = collect();
  const problems = collect();
  if ((await loadRegistryCommand(config, log, registryFile, said, problems)) !== 0)
    throw new Error(`the demo registry was refused: ${problems.text()}`);
  if (
    (await importApprovalsCommand(
      config,
      log,
      { file: approvalsFile, timezone: 'Asia/Tokyo', dryRun: false },
      said,
      problems,
    )) !== 0
  )
    throw new Error(`the demo approvals were refused: ${problems.text()}`);
  note(said.text().replace(/\n/g, '; '));

  const alertsLog = join(dir, 'alerts.log');
  await rm(alertsLog, { force: true });
  const receiver = await startAlertReceiver(ports.webhook, alertsLog);
  const pipeline = await startDemoPipeline(config, configFile, log).catch(async (err: unknown) => {
    await receiver.close();
    throw err;
  });
  try {
    await waitForPorts([ports.syslog, ports.windows, ports.ledger, ports.audit, ports.alerts], 60_000);
    // The UDP receiver has no port to probe; it starts beside the TCP one.
    await new Promise((r) => setTimeout(r, 1000));

    const progress = progressBar(day.steps.length);
    const bus = createMessageBus(config, log);
    const sent = await sendDay(
      day.steps,
      {
        syslog: { host: '127.0.0.1', port: ports.syslog },
        windowsUrl: `http://127.0.0.1:${ports.windows}/v1/windows/events`,
        windowsToken: tokens.windows,
      },
      progress,
      { beforeSwitch: normaliserCatchUp(config, bus) },
    ).finally(() => bus.close());
    progress.done(
      `sent ${sent.udp} syslog lines over UDP (Cisco ASA), ${sent.tcp} over TCP (Yamaha RTX), ` +
        `${sent.http} Windows and RD Gateway events over HTTP, and ${sent.bad} bad lines`,
    );

    const store = createSearchStore(config, log);
    let seen: Observed;
    const deadline = Date.now() + options.timeoutSeconds * 1000;
    try {
      for (;;) {
        seen = await observe(store, config, day, alertsLog);
        if (settled(seen, day) || Date.now() > deadline) break;
        await new Promise((r) => setTimeout(r, 1000));
      }
    } finally {
      await store.close();
    }
    const complete = settled(seen, day);
    const month = day.date.slice(0, 7);
    const { report, files } = await writeMonthlyReport(config, log, month, join(dir, 'report'));
    const auditUrl = `http://127.0.0.1:${ports.audit}`;
    const summary: DemoSummary = {
      date: day.date,
      namespace: config.namespace,
      complete,
      sent,
      expected: day.expected,
      observed: seen,
      files: { config: configFile, alertsLog, report: files },
      auditApi: { url: auditUrl, token: tokens.audit },
    };
    await writeFile(join(dir, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
    printSummary(summary, report, show, configFile);
    if (!complete) {
      note(
        `rmwatch demo: the pipeline did not show the whole day within ${options.timeoutSeconds}s ` +
          '(the stages log their problems above)',
      );
      return 1;
    }
    if (!options.exit) {
      out('\nThe pipeline keeps running; Ctrl-C stops it.');
      await options.untilStopped();
      note('stopping…');
    }
    return 0;
  } finally {
    await pipeline.stop();
    await receiver.close();
  }
}

function printSummary(
  s: DemoSummary,
  report: MonthlyReport,
  show: (file: string) => string,
  configFile: string,
): void {
  const list = (counts: Record<string, number>) =>
    Object.entries(counts)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => `${k} ${v}`)
      .join(', ') || 'none';
  const sessions = Object.values(s.observed.sessions).reduce((a, b) => a + b, 0);
  const findings = Object.values(s.observed.findings).reduce((a, b) => a + b, 0);
  const t = report.summary;
  const cli = `RMWATCH_CONFIG=${show(configFile)} node cli/rmwatch.mjs`;
  out('');
  out(`rmwatch demo — ${s.date} (Asia/Tokyo), namespace ${s.namespace}${s.complete ? '' : ' (INCOMPLETE)'}`);
  out(`  sessions:      ${sessions} (${list(s.observed.sessions)})`);
  out(`  findings:      ${findings} (${list(s.observed.findings)})`);
  out(`  dead letters:  ${s.observed.deadLetters} (the bad lines, kept with their bytes)`);
  out(
    `  alerts:        ${s.observed.alerts.lines} delivered (${s.observed.alerts.findings} findings, ` +
      `${s.observed.alerts.notices} session notices` +
      `${s.observed.alerts.withdrawn > 0 ? `, ${s.observed.alerts.withdrawn} raised and withdrawn as late events arrived` : ''}` +
      `) → ${show(s.files.alertsLog)}`,
  );
  out(
    `  monthly report ${report.month}: ${t.sessions} sessions, ${t.minutes} min, ${t.out_of_window_minutes} min out of window, ` +
      `${t.findings} findings → ${s.files.report.map(show).join(', ')}`,
  );
  out(`  audit API:     ${s.auditApi.url}  (token ${s.auditApi.token})`);
  out('');
  out('Explore:');
  out(`  curl -H 'Authorization: Bearer ${s.auditApi.token}' '${s.auditApi.url}/sessions?from=${s.date}'`);
  out(`  curl -H 'Authorization: Bearer ${s.auditApi.token}' '${s.auditApi.url}/findings'`);
  out(`  ${cli} audit sessions --from ${s.date}`);
  out(`  ${cli} audit findings`);
  out(`  ${cli} audit session <session id> --timeline`);
  out(`  ${cli} alerts list --state all`);
  out(`  ${cli} audit report --month ${report.month} --pdf ${report.month}.pdf`);
}
