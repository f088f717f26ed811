// The collectors' forwarder (collectors/forwarder.ts): what a stopping collector asks of it.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../support/harness.ts';

describe('forwarder', () => {
  it('a flush asked for while records wait out the linger sends them at once, and the event loop runs on meanwhile', () => {
    // In a child process: a flush that starved the event loop (as one did, keeping a stopping syslog
    // collector alive past every deadline) hangs its process, and here that is a failed test, not a hung run.
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'test/support/forwarder-flush.ts'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(run.error, 'the flush never ended').toBeUndefined();
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      taken: ['<134>last line before the stop'],
      timerRan: true,
      journaled: 0,
    });
  });
});
