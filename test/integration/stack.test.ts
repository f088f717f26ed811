// The embedded stack's life cycle, with a second Kafka broker on ports of its own so the shared stack
// the other tests use stays untouched.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { portOpen } from '../../infra/stack/stack.ts';
import { createHarness, REPO_ROOT, rmwatch, type Harness } from '../support/harness.ts';

let h: Harness;
let env: NodeJS.ProcessEnv;
beforeAll(() => {
  h = createHarness('stack');
  env = {
    ...h.env,
    RMWATCH_STACK_DIR: mkdtempSync(join(tmpdir(), 'rmwatch-stack-')),
    RMWATCH_KAFKA_PORT: '29092',
    RMWATCH_KAFKA_CONTROLLER_PORT: '29093',
    // Elasticsearch is "external" here: the shared test node.
    RMWATCH_ES_URL: h.config.elasticsearch.url,
  };
});
afterAll(async () => {
  await rmwatch(['stack', 'down'], env);
  await h.cleanup();
});

describe('embedded stack', () => {
  it('up starts a broker on the configured ports and waits until it serves requests', async () => {
    const up = await rmwatch(['stack', 'up'], env);
    expect(up.code, up.stderr).toBe(0);
    expect(up.stdout).toMatch(/started: kafka; reused: none/);
    expect(up.stdout).toMatch(/kafka +up +127\.0\.0\.1:29092 +\(embedded, pid \d+\)/);
    expect(up.stdout).toMatch(/elasticsearch +up +http:\/\/127\.0\.0\.1:\d+ +\(external\)/);
  });

  it('up again reuses what is running', async () => {
    const again = await rmwatch(['stack', 'up'], env);
    expect(again.code).toBe(0);
    expect(again.stdout).toMatch(/started: none; reused: kafka/);
  });

  it('start --once runs setup and the health check against it', async () => {
    const start = await rmwatch(['start', '--once', '--keep-stack'], env);
    expect(start.code, start.stderr).toBe(0);
    expect(start.stdout).toMatch(/setup: done\./);
    expect(start.stdout).toMatch(/health: Kafka and Elasticsearch are ready\./);
  });

  it('down stops only what this stack started, by pid', async () => {
    const down = await rmwatch(['stack', 'down'], env);
    expect(down.stdout.trim()).toBe('stopped: kafka');
    expect(await portOpen(29092)).toBe(false);
    // The shared broker and node, not started by this stack folder, are still serving.
    expect(await portOpen(h.config.stack.kafkaPort)).toBe(true);
    expect(await portOpen(h.config.stack.elasticsearchPort)).toBe(true);
    const status = await rmwatch(['stack', 'status'], env);
    expect(status.stdout).toMatch(/kafka +down/);
    expect((await rmwatch(['stack', 'down'], env)).stdout.trim()).toBe('nothing of ours was running');
  });

  it('start keeps running until Ctrl-C, then stops the servers it started', async () => {
    const child = spawn(process.execPath, ['cli/rmwatch.mjs', 'start'], { cwd: REPO_ROOT, env });
    let stdout = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.resume();
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    // Every stage of the pipeline starts as a process of its own before start says it is running.
    const deadline = Date.now() + 240_000;
    while (!stdout.includes('stages are healthy; Ctrl-C stops them') && Date.now() < deadline) {
      if (child.exitCode !== null) throw new Error(`start exited early:\n${stdout}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    await new Promise((r) => setTimeout(r, 1500));
    expect(child.exitCode).toBe(null);
    expect(await portOpen(29092)).toBe(true);

    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(stdout).toMatch(/stopping…/);
    expect(await portOpen(29092)).toBe(false);
    expect(await portOpen(h.config.stack.elasticsearchPort)).toBe(true);
  }, 300_000);
});
