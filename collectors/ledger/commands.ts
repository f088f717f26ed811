// The ledger's command-line actions (cli/main.ts wires them):
//   rmwatch approvals import FILE [--tz Z] [--registry R.yaml] [--dry-run]
//       stdout: `imported N approvals (M unchanged)`; with --dry-run the approvals read, as JSON lines, and
//       nothing is published; stderr: `row N: reason` for every problem. Exit status 1 when any row was
//       refused (the good rows are published all the same). Names resolve through R.yaml, else through
//       the registry on rm.registry.
//   rmwatch approvals list [--status S]   the approvals on rm.approvals, JSON lines, by window start
//   rmwatch registry load FILE.yaml       replaces the registry on rm.registry (removed entities get a
//       tombstone); a file with any error changes nothing and exits 1
import { readFileSync } from 'node:fs';
import type { ResolvedConfig } from '../../infra/config.ts';
import { createMessageBus, type MessageBus } from '../../infra/kafka.ts';
import type { Logger } from '../../infra/logger.ts';
import { TOPICS, topicName } from '../../infra/topics.ts';
import { Approval, type ApprovalStatus } from '../../model/approval.ts';
import type { RegistryRecord } from '../../model/registry.ts';
import { formatOfFile, parseApprovalsFile } from './approvals-input.ts';
import { decodeLedgerBytes } from './decode.ts';
import { planImport } from './import-plan.ts';
import type { ImportError } from './import-result.ts';
import { publishApprovals, publishRegistry } from './publish.ts';
import { parseRegistryYaml } from './registry-yaml.ts';
import { followTopicTable } from '../../infra/table.ts';
import { followLedgerTables } from './table.ts';

interface Output {
  write(text: string): unknown;
}
type Config = Pick<ResolvedConfig, 'namespace' | 'kafka'>;

/** A registry file's records, or its problems told on `err` (then undefined). */
function readRegistryFile(file: string, err: Output): RegistryRecord[] | undefined {
  const decoded = decodeLedgerBytes(readFileSync(file));
  const document = decoded.ok
    ? parseRegistryYaml(decoded.text)
    : { records: [], errors: [{ path: '', reason: decoded.reason }] };
  for (const e of document.errors) err.write(`${file}: ${e.path ? `${e.path}: ` : ''}${e.reason}\n`);
  return document.errors.length === 0 ? document.records : undefined;
}

const tell = (errors: readonly ImportError[], err: Output) => {
  for (const e of errors) err.write(`${e.row > 0 ? `row ${e.row}` : 'file'}: ${e.reason}\n`);
};

/** Runs `use` with a bus of its own, closed afterwards whatever happened. */
async function withBus<T>(config: Config, log: Logger, use: (bus: MessageBus) => Promise<T>): Promise<T> {
  const bus = createMessageBus(config, log);
  try {
    return await use(bus);
  } finally {
    await bus.close();
  }
}

export interface ImportCommand {
  file: string;
  timezone: string;
  registryFile?: string;
  dryRun: boolean;
}

/** @returns the exit status */
export async function importApprovalsCommand(
  config: Config,
  log: Logger,
  command: ImportCommand,
  out: Output,
  err: Output,
): Promise<number> {
  const bytes = readFileSync(command.file);
  const format = formatOfFile(command.file, bytes);
  let registry: RegistryRecord[] | undefined;
  if (command.registryFile) {
    registry = readRegistryFile(command.registryFile, err);
    if (!registry) return 1;
  }
  if (command.dryRun) {
    const result = parseApprovalsFile(bytes, format, { timezone: command.timezone, registry });
    for (const a of result.approvals) out.write(`${JSON.stringify(a)}\n`);
    tell(result.errors, err);
    err.write(`dry run: ${result.approvals.length} approvals read; nothing was published\n`);
    return result.errors.length > 0 ? 1 : 0;
  }
  return withBus(config, log, async (bus) => {
    const tables = await followLedgerTables(config, bus, log);
    try {
      const now = new Date();
      const result = parseApprovalsFile(bytes, format, {
        timezone: command.timezone,
        registry: registry ?? [...tables.registry.rows.values()],
        now,
      });
      const plan = planImport(tables.approvals.rows, result, now);
      await publishApprovals(config, bus, plan.publish);
      tell(plan.errors, err);
      out.write(`imported ${plan.publish.length} approvals (${plan.unchanged} unchanged)\n`);
      return plan.errors.length > 0 ? 1 : 0;
    } finally {
      await tables.stop();
    }
  });
}

export async function listApprovalsCommand(
  config: Config,
  log: Logger,
  status: ApprovalStatus | undefined,
  out: Output,
): Promise<void> {
  await withBus(config, log, async (bus) => {
    const decode = (v: Buffer) => Approval.parse(JSON.parse(v.toString('utf8')));
    const table = await followTopicTable(bus, topicName(config, TOPICS.approvals), decode, log);
    await table.stop();
    const list = [...table.rows.values()]
      .filter((a) => status === undefined || a.status === status)
      .sort((a, b) => a.window.start.localeCompare(b.window.start) || a.id.localeCompare(b.id));
    for (const a of list) out.write(`${JSON.stringify(a)}\n`);
  });
}

/** @returns the exit status */
export async function loadRegistryCommand(
  config: Config,
  log: Logger,
  file: string,
  out: Output,
  err: Output,
): Promise<number> {
  const records = readRegistryFile(file, err);
  if (!records) {
    err.write('the registry was not changed\n');
    return 1;
  }
  return withBus(config, log, async (bus) => {
    const decode = (v: Buffer): string => v.toString('utf8');
    // Only the keys matter here: which entities the new registry no longer has.
    const table = await followTopicTable(bus, topicName(config, TOPICS.registry), decode, log);
    try {
      await table.sync();
      const removed = await publishRegistry(config, bus, records, table.rows.keys());
      out.write(
        `registry: ${records.length} records published, ${removed.length} removed${removed.length > 0 ? ` (${removed.join(', ')})` : ''}\n`,
      );
      return 0;
    } finally {
      await table.stop();
    }
  });
}
