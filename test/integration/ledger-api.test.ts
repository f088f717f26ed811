// The approvals ledger API against a real Kafka: driven with curl, checked with kcat. Every version of an
// approval lands on rm.approvals before the API answers; a second instance sees the same tables; replacing
// the registry deletes the entities it no longer names.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLedgerApi, type LedgerApi } from '../../collectors/ledger/api.ts';
import { LedgerSettings } from '../../collectors/ledger/settings.ts';
import { TOPICS, topicName } from '../../infra/topics.ts';
import { createHarness, curlApi, kcat, rmwatch, setupNamespace, type Harness } from '../support/harness.ts';
import { DESIGN_REGISTRY_YAML, LEDGER_FIXTURES } from '../support/ledger.ts';

const ADMIN = 'admin-token-0123456789abcdef';
const READER = 'reader-token-0123456789abcdef';
let h: Harness;
let api: LedgerApi;
const started: LedgerApi[] = [];

const settings = LedgerSettings.parse({
  http: { host: '127.0.0.1', port: 0 },
  tokens: [
    { name: 'kikaku-admin', token: ADMIN, role: 'admin' },
    { name: 'audit-reader', token: READER, role: 'reader' },
  ],
});
const startApi = async () => {
  const instance = await startLedgerApi({ ...h.config, ledger: settings }, h.bus, h.log);
  started.push(instance);
  return instance;
};

beforeAll(async () => {
  h = createHarness('ledger');
  await setupNamespace(h);
  api = await startApi();
});
afterAll(async () => {
  for (const instance of started) await instance.close();
  await h.cleanup();
});

/** curl, as any client of the API would call it (test/support/harness.ts). */
const call = (
  method: string,
  path: string,
  options: { token?: string; type?: string; body?: string | Buffer; base?: string } = {},
) =>
  curlApi(`${options.base ?? api.url}${path}`, method, options).then(({ status, body }) => ({
    status,
    body: body as unknown,
  }));
const admin = (method: string, path: string, body?: unknown) =>
  call(method, path, { token: ADMIN, body: body === undefined ? undefined : JSON.stringify(body) });

interface KcatRecord {
  key: string | null;
  payload: string | null;
}
/** The topic as kcat reads it, from the beginning to its current end. */
async function topicRecords(topic: (typeof TOPICS)[keyof typeof TOPICS]): Promise<KcatRecord[]> {
  const { stdout } = await kcat(
    ['-C', '-t', topicName(h.config, topic), '-o', 'beginning', '-e', '-q', '-J'],
    h.config,
  );
  return stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as KcatRecord);
}
const versionsOf = async (id: string) =>
  (await topicRecords(TOPICS.approvals))
    .filter((r) => r.key === id)
    .map((r) => JSON.parse(r.payload ?? 'null') as { status: string; updated_at: string });

const request = {
  id: 'R-2026-0500',
  vendor: 'vendor-a',
  operators: [{ name: '山田太郎', accounts: ['vnd_yamada'] }],
  targets: ['FILESV01'],
  purpose: '定期保守',
  window: { start: '2026-12-01 09:00', end: '2026-12-01 12:00' },
};

describe('ledger API', () => {
  it('PUT /registry publishes every entity of the Registry YAML', async () => {
    const answer = await call('PUT', '/registry', {
      token: ADMIN,
      type: 'application/yaml',
      body: DESIGN_REGISTRY_YAML,
    });
    expect(answer).toEqual({ status: 200, body: { published: 14, removed: [] } });
    const keys = (await topicRecords(TOPICS.registry)).map((r) => r.key);
    expect(keys).toEqual(
      expect.arrayContaining(['vendor:vendor-a', 'operator:op-yamada', 'account:vnd_yamada', 'limits']),
    );
  });

  it('create → approve → revoke: each version is on rm.approvals when the API answers', async () => {
    const created = await admin('POST', '/approvals', request);
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      id: 'R-2026-0500',
      status: 'requested',
      operators: [{ name: '山田太郎', id: 'op-yamada', accounts: ['vnd_yamada'] }],
      window: { start: '2026-12-01T00:00:00.000Z', end: '2026-12-01T03:00:00.000Z' },
    });
    expect((await versionsOf('R-2026-0500')).map((v) => v.status)).toEqual(['requested']);

    const approved = await admin('POST', '/approvals/R-2026-0500/approve', { by: '情報政策課 佐藤' });
    expect(approved).toMatchObject({
      status: 200,
      body: { status: 'approved', approved_by: '情報政策課 佐藤' },
    });
    expect((await versionsOf('R-2026-0500')).map((v) => v.status)).toEqual(['requested', 'approved']);

    const revoked = await admin('POST', '/approvals/R-2026-0500/revoke', { reason: '作業者変更' });
    expect(revoked).toMatchObject({
      status: 200,
      body: { status: 'revoked', revoked_by: 'kikaku-admin', revoke_reason: '作業者変更' },
    });
    expect((await versionsOf('R-2026-0500')).map((v) => v.status)).toEqual([
      'requested',
      'approved',
      'revoked',
    ]);
    expect((await call('GET', '/approvals/R-2026-0500', { token: READER })).body).toEqual(revoked.body);
  });

  it('a transition the status does not allow is 409; an unknown id 404; a bad body 400 with its issues', async () => {
    expect(await admin('POST', '/approvals/R-2026-0500/approve', {})).toEqual({
      status: 409,
      body: { error: 'approval R-2026-0500 is revoked; only requested approvals can be approved' },
    });
    expect((await admin('POST', '/approvals', request)).status).toBe(409);
    expect((await admin('POST', '/approvals/R-nothing/approve', {})).status).toBe(404);
    expect((await call('GET', '/approvals/R-nothing', { token: READER })).status).toBe(404);
    expect(await admin('POST', '/approvals', { ...request, id: 'R-2026-0501', targets: [] })).toEqual({
      status: 400,
      body: { error: 'invalid approval', issues: ['targets: an approval names at least one target'] },
    });
    expect((await admin('POST', '/approvals/R-2026-0500/revoke', { by: 'x' })).status).toBe(400);
  });

  it('complete takes the work report, its times in local time too', async () => {
    const id = 'R-2026-0600';
    const window = { start: '2026-11-02 09:00', end: '2026-11-02 12:00' };
    expect((await admin('POST', '/approvals', { ...request, id, window, status: 'approved' })).status).toBe(
      201,
    );
    const report = {
      actual: { start: '2026-11-02 09:05', end: '2026-11-02 11:40' },
      operators: ['山田太郎'],
      targets_touched: ['FILESV01'],
      no_data_taken_out: true,
    };
    const done = await admin('POST', `/approvals/${id}/complete`, report);
    expect(done).toMatchObject({
      status: 200,
      body: {
        status: 'completed',
        report: { actual: { start: '2026-11-02T00:05:00.000Z', end: '2026-11-02T02:40:00.000Z' } },
      },
    });
    expect((await versionsOf(id)).map((v) => v.status)).toEqual(['approved', 'completed']);
    expect((await admin('POST', `/approvals/${id}/complete`, report)).status).toBe(409);
    expect((await admin('POST', `/approvals/${id}/complete`, { actual: report.actual })).status).toBe(400);
  });

  it('a reader may list and get but not write (403); without a valid token everything is 401', async () => {
    expect((await call('GET', '/approvals', { token: READER })).status).toBe(200);
    const write = await call('POST', '/approvals', {
      token: READER,
      body: JSON.stringify({ ...request, id: 'R-x' }),
    });
    expect(write).toEqual({ status: 403, body: { error: 'token audit-reader may read, not write' } });
    expect(
      (await call('PUT', '/registry', { token: READER, type: 'application/yaml', body: '{}' })).status,
    ).toBe(403);
    expect((await call('GET', '/approvals')).status).toBe(401);
    expect((await call('GET', '/registry', { token: 'not-a-token-0123456789' })).status).toBe(401);
    expect((await call('POST', '/approvals', { body: JSON.stringify(request) })).status).toBe(401);
    expect(await versionsOf('R-x')).toEqual([]);
  });

  it('POST /approvals/import takes the Shift_JIS spreadsheet: good rows published, bad rows told', async () => {
    const bytes = readFileSync(join(LEDGER_FIXTURES, 'approvals-ja.sjis.csv'));
    const answer = await call('POST', '/approvals/import', { token: ADMIN, type: 'text/csv', body: bytes });
    expect(answer).toEqual({
      status: 200,
      body: {
        imported: 2,
        unchanged: 0,
        errors: [
          { row: 4, reason: '終了日時 2026-11-26 12:00 is not after 開始日時 2026-11-26 13:00' },
          {
            row: 5,
            reason:
              '状態: unknown status 保留 (承認 / approved, 申請中 / requested, 取消 / revoked, 完了 / completed)',
          },
          { row: 6, reason: '申請番号 R-2026-0001 already appears on row 2' },
        ],
      },
    });
    expect((await versionsOf('R-2026-0001'))[0]).toMatchObject({ status: 'approved' });
    // The same file again changes nothing.
    const again = await call('POST', '/approvals/import', { token: ADMIN, type: 'text/csv', body: bytes });
    expect(again.body).toMatchObject({ imported: 0, unchanged: 2 });
    expect(await versionsOf('R-2026-0001')).toHaveLength(1);
  });

  it('GET /approvals filters by status, vendor and the window overlapping from/to', async () => {
    const list = async (query: string) =>
      (
        (await call('GET', `/approvals${query}`, { token: READER })).body as { approvals: { id: string }[] }
      ).approvals.map((a) => a.id);
    expect(await list('')).toEqual(['R-2026-0600', 'R-2026-0001', 'R-2026-0002', 'R-2026-0500']);
    expect(await list('?status=requested')).toEqual(['R-2026-0002']);
    expect(await list('?vendor=vendor-b')).toEqual([]);
    expect(await list('?from=2026-11-24%2011:00&to=2026-11-25%2009:00')).toEqual(['R-2026-0001']);
    expect((await call('GET', '/approvals?status=maybe', { token: READER })).status).toBe(400);
  });

  it('a second instance started afterwards reads the same state from Kafka', async () => {
    const second = await startApi();
    const [mine, theirs] = await Promise.all(
      [api.url, second.url].map((base) => call('GET', '/approvals', { token: READER, base })),
    );
    expect(theirs?.body).toEqual(mine?.body);
    expect(await call('GET', '/registry', { token: READER, base: second.url })).toEqual(
      await call('GET', '/registry', { token: READER }),
    );
    // And a write through the second is seen by the first.
    const approved = await call('POST', '/approvals/R-2026-0002/approve', {
      token: ADMIN,
      base: second.url,
      body: '{}',
    });
    expect(approved.status).toBe(200);
    await expect
      .poll(
        async () =>
          ((await call('GET', '/approvals/R-2026-0002', { token: READER })).body as { status: string })
            .status,
      )
      .toBe('approved');
  });

  it('PUT /registry replaces: entities no longer named get a tombstone', async () => {
    const smaller = DESIGN_REGISTRY_YAML.replace(/^operators:\n.*\n/m, '').replace(
      'generic_accounts: [administrator, admin, guest, hoshu, maint, vendor]',
      'generic_accounts: [administrator, admin, guest, hoshu, maint]',
    );
    const answer = await call('PUT', '/registry', { token: ADMIN, type: 'application/yaml', body: smaller });
    expect(answer).toEqual({
      status: 200,
      body: { published: 11, removed: ['account:vendor', 'account:vnd_yamada', 'operator:op-yamada'] },
    });
    const records = await topicRecords(TOPICS.registry);
    const tombstones = records.filter((r) => r.payload === null).map((r) => r.key);
    expect(tombstones.sort()).toEqual(['account:vendor', 'account:vnd_yamada', 'operator:op-yamada']);
    const { records: now } = (await call('GET', '/registry', { token: READER })).body as {
      records: { kind: string }[];
    };
    expect(now.filter((r) => r.kind === 'operator')).toEqual([]);
  });

  it('a registry with errors changes nothing and says what is wrong', async () => {
    const answer = await call('PUT', '/registry', {
      token: ADMIN,
      type: 'application/yaml',
      body: 'vendors: [{ id: v, name: V, sources: [not-an-ip] }]\n',
    });
    expect(answer).toEqual({
      status: 400,
      body: {
        error: 'invalid registry; nothing was changed',
        errors: [{ path: 'vendors[0].sources[0]', reason: 'not an IP address or CIDR block' }],
      },
    });
    expect(
      (await call('PUT', '/registry', { token: ADMIN, type: 'application/yaml', body: '' })).status,
    ).toBe(400);
  });
});

describe('ledger command line', () => {
  it('approvals import publishes the good rows, tells each bad one and exits 1; list prints them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rmwatch-ledger-'));
    const file = join(dir, 'ledger.csv');
    writeFileSync(
      file,
      'id,vendor,operators,accounts,targets,start,end,status\n' +
        'R-CLI-1,vendor-a,山田太郎,vnd_yamada,FILESV01,2026-12-02 09:00,2026-12-02 10:00,\n' +
        'R-CLI-2,vendor-a,山田太郎,vnd_yamada,FILESV01,2026-12-02 09:00,2026-12-02 08:00,\n',
    );
    const imported = await rmwatch(['approvals', 'import', file, '--tz', 'Asia/Tokyo'], h.env);
    expect(imported.stdout).toBe('imported 1 approvals (0 unchanged)\n');
    expect(imported.stderr).toContain('row 3: end 2026-12-02 08:00 is not after start 2026-12-02 09:00\n');
    expect(imported.code).toBe(1);
    const listed = await rmwatch(['approvals', 'list', '--status', 'approved'], h.env);
    expect(listed.code).toBe(0);
    const ids = listed.stdout
      .trim()
      .split('\n')
      .map((line) => (JSON.parse(line) as { id: string }).id);
    expect(ids).toEqual(['R-2026-0001', 'R-2026-0002', 'R-CLI-1']);
  });

  it('registry load replaces the registry as PUT /registry does', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rmwatch-registry-'));
    const file = join(dir, 'registry.yaml');
    writeFileSync(file, DESIGN_REGISTRY_YAML);
    const loaded = await rmwatch(['registry', 'load', file], h.env);
    expect(loaded).toMatchObject({ code: 0, stdout: 'registry: 14 records published, 0 removed\n' });
    await expect
      .poll(
        async () =>
          ((await call('GET', '/registry', { token: READER })).body as { records: unknown[] }).records.length,
      )
      .toBe(14);
  });
});
