// Fetches the broker and search-node distributions from Maven Central once per machine, into the cache.
// A half-finished download never counts: it is built in a temporary folder and renamed into place.
import { chmodSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from '../logger.ts';
import { runCommand } from './processes.ts';

const here = dirname(fileURLToPath(import.meta.url));

async function fetchOnce(
  target: string,
  log: Logger,
  what: string,
  /** Fills the work folder and returns the folder in it that becomes `target`. */
  build: (workDir: string) => Promise<string>,
): Promise<string> {
  if (existsSync(target)) return target;
  mkdirSync(dirname(target), { recursive: true });
  const work = `${target}.partial-${process.pid}`;
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const started = Date.now();
  log.info({ target }, `fetching ${what} from Maven Central (first run only)`);
  try {
    const result = await build(work);
    if (!existsSync(target)) renameSync(result, target);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  log.info({ target, seconds: Math.round((Date.now() - started) / 1000) }, `${what} ready`);
  return target;
}

/** Resolves the dependencies of one of our poms (`infra/stack/<pom>/pom.xml`) into `outputDirectory`. */
function copyDependencies(pom: string, properties: Record<string, string>, outputDirectory: string) {
  return runCommand('mvn', [
    '-B',
    '-q',
    '-f',
    join(here, pom, 'pom.xml'),
    ...Object.entries(properties).map(([k, v]) => `-D${k}=${v}`),
    'dependency:copy-dependencies',
    `-DoutputDirectory=${outputDirectory}`,
  ]);
}

/** The folder of Kafka's broker jars (`…/libs/*.jar`). */
export function fetchKafka(cacheDir: string, version: string, log: Logger): Promise<string> {
  return fetchOnce(join(cacheDir, `kafka-${version}`), log, `Kafka ${version}`, async (work) => {
    await copyDependencies(
      'kafka',
      { 'kafka.version': version, includeScope: 'runtime' },
      join(work, 'libs'),
    );
    return work;
  });
}

/** The unpacked Elasticsearch home (`bin/elasticsearch`, `modules/`, …). */
export function fetchElasticsearch(cacheDir: string, version: string, log: Logger): Promise<string> {
  return fetchOnce(
    join(cacheDir, `elasticsearch-${version}`),
    log,
    `Elasticsearch ${version}`,
    async (work) => {
      const zipDir = join(work, 'zip');
      await copyDependencies('elasticsearch', { 'elasticsearch.version': version }, zipDir);
      const zip = readdirSync(zipDir).find((f) => f.endsWith('.zip'));
      if (!zip) throw new Error(`no Elasticsearch zip was fetched into ${zipDir}`);
      await runCommand('unzip', ['-q', join(zipDir, zip), '-d', join(work, 'unpacked')]);
      const [home] = readdirSync(join(work, 'unpacked'));
      if (!home) throw new Error('the Elasticsearch zip was empty');
      const homeDir = join(work, 'unpacked', home);
      for (const f of readdirSync(join(homeDir, 'bin'))) chmodSync(join(homeDir, 'bin', f), 0o755);
      return homeDir;
    },
  );
}
