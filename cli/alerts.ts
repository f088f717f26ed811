// `rmwatch alerts …`: on-call staff's side of the alert stage (alerts/).
//   alerts list [--state open|all|<status>] [--json]   the alert table (rm.alerts), read straight from Kafka,
//                                                      so it works while the stage is down; newest first
//   alerts ack ID [--note N] [--url U] [--token T]     acknowledges through the stage's API (stops the
//                                                      escalation); the token is --token or
//                                                      $RMWATCH_ALERTS_TOKEN, role `oncall`
// Times print in Asia/Tokyo; --json keeps the records as stored (UTC).
import type { Command } from 'commander';
import { z } from 'zod';
import type { ResolvedConfig } from '../infra/config.ts';
import { createMessageBus } from '../infra/kafka.ts';
import type { Logger } from '../infra/logger.ts';
import { TOPICS, topicName } from '../infra/topics.ts';
import { ALERT_STATUSES, OPEN_STATUSES, openAlertTable, type AlertRecord } from '../alerts/state.ts';
import { displayTime } from '../processors/audit/times.ts';

export interface CliContext {
  config: ResolvedConfig;
  log: Logger;
}

const StateOption = z.enum(['open', 'all', ...ALERT_STATUSES]);

function line(r: AlertRecord): string {
  const sent = [...new Set(r.deliveries.map((d) => d.notifier))].join(',') || '-';
  const ack = r.acknowledged ? `ack ${r.acknowledged.by} ${displayTime(r.acknowledged.at)}` : '';
  const due = r.next_due ? `due ${displayTime(r.next_due)}` : '';
  return [
    displayTime(r.created_at),
    r.status.padEnd(12),
    r.alert.severity.padEnd(8),
    (r.route ?? '-').padEnd(12),
    r.alert.id,
    `→ ${sent}`,
    ack,
    due,
    r.status === 'failed' && r.last_error ? `error: ${r.last_error}` : '',
  ]
    .filter((s) => s !== '')
    .join('  ');
}

async function listAlerts(ctx: CliContext, state: z.infer<typeof StateOption>, json: boolean): Promise<void> {
  const bus = createMessageBus(ctx.config, ctx.log);
  try {
    const table = await openAlertTable(bus, topicName(ctx.config, TOPICS.alerts), ctx.log, () => new Date());
    await table.stop();
    const rows = [...table.rows.values()]
      .filter((r) =>
        state === 'all' ? true : state === 'open' ? OPEN_STATUSES.includes(r.status) : r.status === state,
      )
      .sort((a, b) => b.seq - a.seq);
    if (json) for (const r of rows) console.log(JSON.stringify(r));
    else if (rows.length === 0) console.log(`no ${state === 'all' ? '' : `${state} `}alerts`);
    else for (const r of rows) console.log(line(r));
  } finally {
    await bus.close();
  }
}

async function ackAlert(
  ctx: CliContext,
  id: string,
  options: { note?: string; url?: string; token?: string },
): Promise<void> {
  const http = ctx.config.alerts.http;
  const base =
    options.url ??
    (http ? `http://${http.host === '0.0.0.0' ? '127.0.0.1' : http.host}:${http.port}` : undefined);
  if (!base) throw new Error('the alert API is not configured (alerts.http); give its address with --url');
  const token = options.token ?? process.env.RMWATCH_ALERTS_TOKEN;
  if (!token) throw new Error('an oncall token is needed: --token or $RMWATCH_ALERTS_TOKEN');
  const response = await fetch(`${base.replace(/\/+$/, '')}/alerts/${encodeURIComponent(id)}/ack`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(options.note ? { note: options.note } : {}),
  });
  const body = (await response.json().catch(() => ({}))) as { error?: string } & Partial<AlertRecord>;
  if (!response.ok) throw new Error(`acknowledging ${id} failed (${response.status}): ${body.error ?? ''}`);
  const by = body.acknowledged;
  console.log(`${id} acknowledged by ${by?.by ?? '?'} at ${by ? displayTime(by.at) : '?'} (${body.status})`);
}

export function registerAlertCommands(program: Command, load: () => CliContext): void {
  const alerts = program.command('alerts').description('alerts to on-call staff: list and acknowledge');
  alerts
    .command('list')
    .description('list alerts from the alert table (rm.alerts), newest first')
    .option('--state <state>', `open, all, or one of ${ALERT_STATUSES.join(', ')}`, 'open')
    .option('--json', 'one stored record per line (UTC)')
    .action(async (options: { state: string; json?: boolean }) => {
      const state = StateOption.safeParse(options.state);
      if (!state.success)
        throw new Error(
          `--state must be open, all or one of ${ALERT_STATUSES.join(', ')}, not ${options.state}`,
        );
      await listAlerts(load(), state.data, options.json ?? false);
    });
  alerts
    .command('ack')
    .description('acknowledge an alert through the alert API: its escalation stops')
    .argument('<id>', 'the alert id, e.g. f-123:active:critical')
    .option('--note <text>', 'what is being done about it')
    .option('--url <url>', 'the alert API (default: from alerts.http)')
    .option('--token <token>', 'an oncall token (default: $RMWATCH_ALERTS_TOKEN)')
    .action(async (id: string, options: { note?: string; url?: string; token?: string }) => {
      await ackAlert(load(), id, options);
    });
}
