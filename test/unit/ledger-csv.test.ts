// The approvals spreadsheet (DESIGN.md §8) as Excel and people write it: every good row imports, every
// bad row is told with the row number the spreadsheet shows.
import { describe, expect, it } from 'vitest';
import { parseApprovalsCsv } from '../../collectors/ledger/approvals-csv.ts';
import { parseCsv } from '../../collectors/ledger/csv.ts';
import { parseRegistryYaml } from '../../collectors/ledger/registry-yaml.ts';
import type { RegistryRecord } from '../../model/registry.ts';
import { DESIGN_REGISTRY_YAML, ledgerFixture } from '../support/ledger.ts';

const now = new Date('2026-11-20T00:00:00.000Z');
const registry = parseRegistryYaml(DESIGN_REGISTRY_YAML).records;
const csv = (text: string) => Buffer.from(text, 'utf8');
const read = (text: string, options: { registry?: RegistryRecord[]; timezone?: string } = {}) =>
  parseApprovalsCsv(csv(text), { timezone: 'Asia/Tokyo', now, ...options });

const ENGLISH = 'id,vendor,operators,accounts,targets,purpose,start,end,sources,approved_by,status\n';

describe('the ledger fixture (Japanese headers, 事業者名, CRLF)', () => {
  const expectedApprovals = [
    {
      id: 'R-2026-0001',
      vendor: 'vendor-a',
      operators: [{ name: '山田太郎', id: 'op-yamada', accounts: ['vnd_yamada'] }],
      targets: ['JUMP01', 'FILESV01'],
      purpose: '定期保守（Windows Update 適用）',
      window: { start: '2026-11-24T00:00:00.000Z', end: '2026-11-24T03:00:00.000Z' },
      sources: ['203.0.113.0/28'],
      status: 'approved',
      approved_by: '情報政策課 佐藤',
      updated_at: '2026-11-20T00:00:00.000Z',
    },
    {
      id: 'R-2026-0002',
      vendor: 'vendor-a',
      operators: [
        { name: '山田太郎', id: 'op-yamada', accounts: ['vnd_yamada'] },
        { name: '鈴木花子', accounts: ['vnd_suzuki'] },
      ],
      targets: ['DB01', 'DB02'],
      purpose: '障害調査\nログ取得のみ、持ち出しなし',
      window: { start: '2026-11-25T00:00:00.000Z', end: '2026-11-25T08:30:00.000Z' },
      sources: [],
      status: 'requested',
      approved_by: '情報政策課 佐藤',
      updated_at: '2026-11-20T00:00:00.000Z',
    },
  ];
  // Row 3 spans two lines of the file (a line break inside a quoted cell): the rows after it keep the
  // numbers the spreadsheet shows.
  const expectedErrors = [
    { row: 4, reason: '終了日時 2026-11-26 12:00 is not after 開始日時 2026-11-26 13:00' },
    {
      row: 5,
      reason:
        '状態: unknown status 保留 (承認 / approved, 申請中 / requested, 取消 / revoked, 完了 / completed)',
    },
    { row: 6, reason: '申請番号 R-2026-0001 already appears on row 2' },
  ];

  it('UTF-8 with a BOM: the good rows import, the bad rows are told by row number', () => {
    const bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), ledgerFixture('approvals-ja.csv')]);
    const result = parseApprovalsCsv(bytes, { timezone: 'Asia/Tokyo', registry, now });
    expect(result.approvals).toEqual(expectedApprovals);
    expect(result.errors).toEqual(expectedErrors);
  });

  it('Shift_JIS as Excel saves "CSV" reads the same', () => {
    const bytes = ledgerFixture('approvals-ja.sjis.csv');
    expect(bytes.includes(Buffer.from('申請番号'))).toBe(false);
    const result = parseApprovalsCsv(bytes, { timezone: 'Asia/Tokyo', registry, now });
    expect(result.approvals).toEqual(expectedApprovals);
    expect(result.errors).toEqual(expectedErrors);
  });

  it('UTF-8 without a BOM reads the same', () => {
    const result = parseApprovalsCsv(ledgerFixture('approvals-ja.csv'), { registry, now });
    expect(result.approvals).toEqual(expectedApprovals);
  });
});

describe('headers', () => {
  it('English headers in any case, trimmed', () => {
    const result = read(
      ' ID , Vendor,OPERATORS,accounts,targets,purpose,start,end\nR-1,vendor-a,op-x,acc1,SRV1,,2026-11-24 09:00,2026-11-24 10:00\n',
    );
    expect(result.errors).toEqual([]);
    expect(result.approvals[0]).toMatchObject({
      id: 'R-1',
      operators: [{ name: 'op-x', accounts: ['acc1'] }],
    });
  });

  it('事業者 and 事業者名 both name the vendor column', () => {
    const row =
      ',作業者,対象サーバ,開始日時,終了日時\nR-1,vendor-a,山田太郎,SRV1,2026-11-24 09:00,2026-11-24 10:00\n';
    expect(read(`申請番号,事業者${row}`).approvals[0]?.vendor).toBe('vendor-a');
    expect(read(`申請番号,事業者名${row}`).approvals[0]?.vendor).toBe('vendor-a');
  });

  it('an unknown column is told once, against row 1, and the rows still import', () => {
    const result = read(
      'id,vendor,operators,targets,start,end,備考\nR-1,v,a,S,2026-11-24 09:00,2026-11-24 10:00,x\nR-2,v,a,S,2026-11-24 09:00,2026-11-24 10:00,y\n',
    );
    expect(result.errors).toEqual([{ row: 1, reason: 'unknown column 備考: ignored' }]);
    expect(result.approvals.map((a) => a.id)).toEqual(['R-1', 'R-2']);
  });

  it('a missing required column stops the import with a message that names it', () => {
    const result = read('申請番号,事業者,作業者,対象サーバ\nR-1,v,a,S\n');
    expect(result.approvals).toEqual([]);
    expect(result.errors).toEqual([
      { row: 1, reason: 'missing required columns 開始日時 (start), 終了日時 (end); nothing was imported' },
    ]);
  });

  it('two columns for the same field stop the import', () => {
    const result = read('申請番号,事業者,事業者名,作業者,対象サーバ,開始日時,終了日時\n');
    expect(result.errors).toEqual([{ row: 1, reason: 'columns 事業者 and 事業者名 both give vendor' }]);
  });
});

describe('cells', () => {
  it('quoted cells keep commas, doubled quotes and line breaks', () => {
    const result = read(
      `${ENGLISH}R-1,v,a,,S,"reboot, then ""check""\r\nand log off",2026-11-24 09:00,2026-11-24 10:00,,,\n`,
    );
    expect(result.approvals[0]?.purpose).toBe('reboot, then "check"\nand log off');
  });

  it('several values in one cell are separated by ; or ；', () => {
    const result = read(
      `${ENGLISH}R-1,v,a,x,SRV1; SRV2 ；SRV3,,2026-11-24 09:00,2026-11-24 10:00,10.0.0.0/8;192.0.2.1,,\n`,
    );
    expect(result.approvals[0]?.targets).toEqual(['SRV1', 'SRV2', 'SRV3']);
    expect(result.approvals[0]?.sources).toEqual(['10.0.0.0/8', '192.0.2.1']);
  });

  it('a comma inside a list cell is told: it is almost always meant as ;', () => {
    const result = read(`${ENGLISH}R-1,v,a,,"SRV1,SRV2",,2026-11-24 09:00,2026-11-24 10:00,,,\n`);
    expect(result.errors).toEqual([
      { row: 2, reason: 'targets: "SRV1,SRV2" holds a comma; separate several values with ;' },
    ]);
  });

  it('an empty required cell is told with the column name as the file writes it', () => {
    const result = read(
      '申請番号,事業者,作業者,対象サーバ,開始日時,終了日時\nR-1,,山田太郎,SRV1,2026-11-24 09:00,\n',
    );
    expect(result.errors).toEqual([
      { row: 2, reason: '事業者 is empty' },
      { row: 2, reason: '終了日時 is empty' },
    ]);
  });

  it('blank lines count as rows, as in the spreadsheet, and import nothing', () => {
    const result = read(`${ENGLISH}\n,,,,,,,,,,\nR-1,v,a,,S,,2026-11-24 09:00,yesterday,,,\n`);
    expect(result.errors).toEqual([
      {
        row: 4,
        reason:
          'end: "yesterday" is not a date and time (expected YYYY-MM-DD HH:mm, YYYY/MM/DD H:mm or ISO 8601)',
      },
    ]);
  });

  it('a quote that never closes loses only the rest of the file', () => {
    const result = read(
      `${ENGLISH}R-1,v,a,,S,,2026-11-24 09:00,2026-11-24 10:00,,,\nR-2,v,a,,S,"oops,2026-11-24 09:00\n`,
    );
    expect(result.approvals.map((a) => a.id)).toEqual(['R-1']);
    expect(result.errors).toEqual([
      {
        row: 3,
        reason: 'a quoted cell that starts on this row is never closed; the rest of the file is lost',
      },
    ]);
  });

  it('status: 承認, 申請中, 取消, 完了 or the English words; empty is approved', () => {
    const rows = ['承認', '申請中', '取消', '完了', 'Approved', 'requested', ''].map(
      (s, i) => `R-${i},v,a,,S,,2026-11-24 09:00,2026-11-24 10:00,,,${s}`,
    );
    expect(read(`${ENGLISH}${rows.join('\n')}\n`).approvals.map((a) => a.status)).toEqual([
      'approved',
      'requested',
      'revoked',
      'completed',
      'approved',
      'requested',
      'approved',
    ]);
  });

  it('a file that is not text is refused as a whole', () => {
    const result = parseApprovalsCsv(Buffer.from([0x00, 0x01, 0x02, 0xff]), { timezone: 'Asia/Tokyo' });
    expect(result).toEqual({
      approvals: [],
      errors: [{ row: 1, reason: 'the file is neither UTF-8 nor Shift_JIS text' }],
    });
  });
});

describe('times', () => {
  const windowOf = (start: string, end: string, timezone = 'Asia/Tokyo') =>
    read(`${ENGLISH}R-1,v,a,,S,,${start},${end},,,\n`, { timezone }).approvals[0]?.window;

  it('2026-11-24 09:00 in Tokyo is 2026-11-24T00:00:00.000Z', () => {
    expect(windowOf('2026-11-24 09:00', '2026-11-24 09:30:15')).toEqual({
      start: '2026-11-24T00:00:00.000Z',
      end: '2026-11-24T00:30:15.000Z',
    });
  });

  it("Excel's Japanese locale: YYYY/M/D H:mm", () => {
    expect(windowOf('2026/1/5 9:00', '2026/01/05 17:45')).toEqual({
      start: '2026-01-05T00:00:00.000Z',
      end: '2026-01-05T08:45:00.000Z',
    });
  });

  it('ISO 8601 with a zone is taken as written, whatever the default zone', () => {
    expect(windowOf('2026-11-24T09:00:00+09:00', '2026-11-24T01:00:00Z', 'America/New_York')).toEqual({
      start: '2026-11-24T00:00:00.000Z',
      end: '2026-11-24T01:00:00.000Z',
    });
  });

  it('a zone with daylight saving time gets the offset of the date, not a fixed one', () => {
    expect(windowOf('2026-07-01 09:00', '2026-12-01 09:00', 'Europe/Berlin')).toEqual({
      start: '2026-07-01T07:00:00.000Z',
      end: '2026-12-01T08:00:00.000Z',
    });
  });

  it('a wall-clock time the clocks skip, and a day that does not exist, are refused', () => {
    const skipped = read(`${ENGLISH}R-1,v,a,,S,,2026-03-08 02:30,2026-03-08 05:00,,,\n`, {
      timezone: 'America/New_York',
    });
    expect(skipped.errors).toEqual([
      { row: 2, reason: 'start: "2026-03-08 02:30" does not exist in America/New_York (the clocks skip it)' },
    ]);
    expect(read(`${ENGLISH}R-1,v,a,,S,,2026-02-30 09:00,2026-03-01 09:00,,,\n`).errors).toEqual([
      { row: 2, reason: 'start: "2026-02-30 09:00" is not a calendar date' },
    ]);
  });
});

describe('the registry', () => {
  const JA = '申請番号,事業者,作業者,アカウント,対象サーバ,開始日時,終了日時\n';
  const row = (vendor: string, operators: string, accounts: string) =>
    `R-1,${vendor},${operators},${accounts},SRV1,2026-11-24 09:00,2026-11-24 10:00\n`;
  const twoVendors = parseRegistryYaml(`
vendors:
  - { id: vendor-a, name: 株式会社サンプル保守 }
  - { id: vendor-b, name: 別保守株式会社 }
operators:
  - { id: op-yamada, name: 山田太郎, vendor: vendor-a, accounts: [vnd_yamada] }
  - { id: op-suzuki, name: 鈴木花子, vendor: vendor-a, accounts: [vnd_suzuki, vnd_suzuki2] }
  - { id: op-sato-b, name: 佐藤一郎, vendor: vendor-b, accounts: [vndb_sato] }
`);

  it('a registered vendor name resolves to its id; an unknown one is a row error', () => {
    expect(read(JA + row('株式会社サンプル保守', '山田太郎', ''), { registry }).approvals[0]?.vendor).toBe(
      'vendor-a',
    );
    expect(read(JA + row('無名商会', '山田太郎', ''), { registry }).errors).toEqual([
      { row: 2, reason: '事業者: unknown vendor 無名商会: neither a registered vendor id nor name' },
    ]);
  });

  it('operators resolve by name (spaces and width aside) or id, and get the accounts the registry ties to them', () => {
    expect(twoVendors.errors).toEqual([]);
    const result = read(JA + row('vendor-a', 'op-suzuki;山田\u3000太郎', 'vnd_yamada;vnd_suzuki2'), {
      registry: twoVendors.records,
    });
    expect(result.approvals[0]?.operators).toEqual([
      { name: '鈴木花子', id: 'op-suzuki', accounts: ['vnd_suzuki2'] },
      { name: '山田太郎', id: 'op-yamada', accounts: ['vnd_yamada'] },
    ]);
  });

  it("someone's personal account on an approval that does not list them is refused", () => {
    const result = read(JA + row('vendor-a', '山田太郎', 'vnd_suzuki'), { registry: twoVendors.records });
    expect(result.errors).toEqual([
      {
        row: 2,
        reason:
          'アカウント: account vnd_suzuki belongs to operator op-suzuki, who is not listed on this approval',
      },
    ]);
  });

  it('an operator of another vendor is refused', () => {
    expect(read(JA + row('vendor-a', '佐藤一郎', ''), { registry: twoVendors.records }).errors).toEqual([
      { row: 2, reason: '作業者: operator 佐藤一郎 is registered with vendor-b, not vendor-a' },
    ]);
  });

  it('without the registry: one operator takes every account; as many accounts as operators pair in order', () => {
    expect(read(JA + row('v', 'A', 'a1;a2')).approvals[0]?.operators).toEqual([
      { name: 'A', accounts: ['a1', 'a2'] },
    ]);
    expect(read(JA + row('v', 'A;B', 'a1;b1')).approvals[0]?.operators).toEqual([
      { name: 'A', accounts: ['a1'] },
      { name: 'B', accounts: ['b1'] },
    ]);
  });

  it('the same person listed twice, by name and by id, is a row error', () => {
    expect(read(JA + row('vendor-a', '山田太郎;op-yamada', ''), { registry }).errors).toEqual([
      { row: 2, reason: '作業者: op-yamada is listed twice' },
    ]);
  });

  it('accounts that cannot be told apart between operators are a row error', () => {
    expect(read(JA + row('v', 'A;B', 'a1;a2;b1')).errors).toEqual([
      {
        row: 2,
        reason:
          'アカウント: cannot tell which operator uses a1, a2, b1: list one account per operator, in the same order, or register the accounts with their operators',
      },
    ]);
  });
});

describe('the CSV reader', () => {
  it('CR, LF and CRLF all end a row; a line break inside quotes stays in its row', () => {
    expect(parseCsv('a,b\r\nc,"d\r\ne"\rf\n\ng')).toEqual({
      records: [
        { row: 1, cells: ['a', 'b'] },
        { row: 2, cells: ['c', 'd\ne'] },
        { row: 3, cells: ['f'] },
        { row: 5, cells: ['g'] },
      ],
    });
  });
});
