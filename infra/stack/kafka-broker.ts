// One Kafka broker in KRaft mode (broker and controller in one process) on 127.0.0.1.
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ResolvedConfig } from '../config.ts';
import type { Logger } from '../logger.ts';
import { fetchKafka } from './distributions.ts';
import { isOurProcess, readPid, runCommand, stopByPidFile } from './processes.ts';

export const KAFKA_MARKER = 'kafka.Kafka';

export function kafkaPaths(stack: ResolvedConfig['stack']) {
  const dir = join(stack.dir, 'kafka');
  return {
    dir,
    dataDir: join(dir, 'data'),
    properties: join(dir, 'server.properties'),
    log4j: join(dir, 'log4j2.properties'),
    pidFile: join(dir, 'kafka.pid'),
    logFile: join(dir, 'server.log'),
    consoleFile: join(dir, 'console.log'),
  };
}

export function kafkaPid(stack: ResolvedConfig['stack']): number | undefined {
  const pid = readPid(kafkaPaths(stack).pidFile);
  return pid !== undefined && isOurProcess(pid, KAFKA_MARKER) ? pid : undefined;
}

/** Starts the broker in the background and returns its pid; readiness is checked by the caller. */
export async function startKafka(stack: ResolvedConfig['stack'], log: Logger): Promise<number> {
  const home = await fetchKafka(stack.cacheDir, stack.kafkaVersion, log);
  const paths = kafkaPaths(stack);
  mkdirSync(paths.dir, { recursive: true });
  const classpath = `${join(home, 'libs')}/*`;

  writeFileSync(
    paths.properties,
    [
      'process.roles=broker,controller',
      'node.id=1',
      `controller.quorum.bootstrap.servers=127.0.0.1:${stack.kafkaControllerPort}`,
      `listeners=PLAINTEXT://127.0.0.1:${stack.kafkaPort},CONTROLLER://127.0.0.1:${stack.kafkaControllerPort}`,
      `advertised.listeners=PLAINTEXT://127.0.0.1:${stack.kafkaPort}`,
      'controller.listener.names=CONTROLLER',
      'listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT',
      'inter.broker.listener.name=PLAINTEXT',
      `log.dirs=${paths.dataDir}`,
      // A single node: every internal topic has one replica.
      'offsets.topic.replication.factor=1',
      'offsets.topic.num.partitions=10',
      'transaction.state.log.replication.factor=1',
      'transaction.state.log.min.isr=1',
      'share.coordinator.state.topic.replication.factor=1',
      'share.coordinator.state.topic.min.isr=1',
      'group.initial.rebalance.delay.ms=0',
      // Topics are created by `rmwatch setup` with their intended partitions and policies, never by accident.
      'auto.create.topics.enable=false',
      'num.partitions=1',
      'log.retention.hours=168',
      '',
    ].join('\n'),
  );
  writeFileSync(
    paths.log4j,
    [
      'rootLogger.level=INFO',
      'rootLogger.appenderRef.file.ref=file',
      'appender.file.type=File',
      'appender.file.name=file',
      `appender.file.fileName=${paths.logFile}`,
      'appender.file.layout.type=PatternLayout',
      'appender.file.layout.pattern=[%d] %p %m (%c)%n',
      '',
    ].join('\n'),
  );

  if (!existsSync(join(paths.dataDir, 'meta.properties'))) {
    const java = ['-cp', classpath, `-Dlog4j2.configurationFile=${paths.log4j}`];
    const { stdout } = await runCommand('java', [...java, 'kafka.tools.StorageTool', 'random-uuid']);
    const clusterId = stdout.trim().split('\n').pop() ?? '';
    await runCommand('java', [
      ...java,
      'kafka.tools.StorageTool',
      'format',
      '--config',
      paths.properties,
      '--cluster-id',
      clusterId,
      '--standalone',
    ]);
  }

  const out = openSync(paths.consoleFile, 'a');
  const child = spawn(
    'java',
    [
      `-Xms${stack.kafkaHeap}`,
      `-Xmx${stack.kafkaHeap}`,
      '-XX:+UseG1GC',
      '-Djava.awt.headless=true',
      `-Dlog4j2.configurationFile=${paths.log4j}`,
      '-cp',
      classpath,
      KAFKA_MARKER,
      paths.properties,
    ],
    { detached: true, stdio: ['ignore', out, out] },
  );
  if (child.pid === undefined) throw new Error('could not start the Kafka broker (java not found?)');
  child.unref();
  writeFileSync(paths.pidFile, `${child.pid}\n`);
  log.info({ pid: child.pid, port: stack.kafkaPort, log: paths.logFile }, 'Kafka broker starting');
  return child.pid;
}

export function stopKafka(stack: ResolvedConfig['stack']): Promise<boolean> {
  return stopByPidFile(kafkaPaths(stack).pidFile, KAFKA_MARKER);
}
