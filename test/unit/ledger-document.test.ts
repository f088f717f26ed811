// Approvals as JSON or YAML: fields as the model names them, local times allowed, each bad entry told by
// its index and the path of the field.
import { describe, expect, it } from 'vitest';
import { parseApprovalsDocument } from '../../collectors/ledger/approvals-document.ts';
import { formatOfFile, parseApprovalsFile } from '../../collectors/ledger/approvals-input.ts';
import { parseRegistryYaml } from '../../collectors/ledger/registry-yaml.ts';
import { DESIGN_REGISTRY_YAML } from '../support/ledger.ts';

const now = new Date('2026-11-20T00:00:00.000Z');
const registry = parseRegistryYaml(DESIGN_REGISTRY_YAML).records;

const YAML = `
approvals:
  - id: R-2026-0101
    vendor: 株式会社サンプル保守
    operators: [{ name: 山田太郎 }]
    targets: [FILESV01]
    purpose: 定期保守
    window: { start: '2026-11-24 09:00', end: '2026-11-24T12:00:00+09:00' }
  - id: R-2026-0102
    vendor: vendor-a
    operators: [{ name: 山田太郎, accounts: [vnd_yamada] }]
    targets: []
    window: { start: '2026-11-24 09:00', end: '2026-11-24 08:00' }
  - id: R-2026-0103
    vendor: vendor-a
    operators: [{ name: 山田太郎 }]
    targets: [DB01]
    window: { start: 2026/11/25 9:00, end: 2026/11/25 10:00 }
    status: requested
    aproved_by: 佐藤
`;

describe('approvals as a document', () => {
  it('YAML: good entries import with UTC times and registry ids; bad ones are told by index and path', () => {
    const result = parseApprovalsDocument(YAML, { timezone: 'Asia/Tokyo', registry, now });
    expect(result.approvals).toEqual([
      {
        id: 'R-2026-0101',
        vendor: 'vendor-a',
        operators: [{ name: '山田太郎', id: 'op-yamada', accounts: [] }],
        targets: ['FILESV01'],
        purpose: '定期保守',
        window: { start: '2026-11-24T00:00:00.000Z', end: '2026-11-24T03:00:00.000Z' },
        sources: [],
        status: 'approved',
        updated_at: '2026-11-20T00:00:00.000Z',
      },
    ]);
    expect(result.errors).toEqual([
      { row: 2, reason: 'targets: an approval names at least one target' },
      { row: 2, reason: 'window: window end must be after its start' },
      { row: 3, reason: 'aproved_by: unknown field' },
    ]);
  });

  it('JSON: a plain list works as well', () => {
    const json = JSON.stringify([
      {
        id: 'R-1',
        vendor: 'vendor-a',
        operators: [{ name: 'A', accounts: ['a1'] }],
        targets: ['S'],
        window: { start: '2026-11-24T00:00:00Z', end: '2026-11-24T01:00:00Z' },
        status: 'revoked',
      },
    ]);
    const result = parseApprovalsDocument(json, { now });
    expect(result.errors).toEqual([]);
    expect(result.approvals[0]).toMatchObject({ id: 'R-1', status: 'revoked' });
  });

  it('a time that cannot be read is told once, in plain words', () => {
    const result = parseApprovalsDocument(
      '- { id: R-1, vendor: v, operators: [{ name: A }], targets: [S], window: { start: soon, end: 2026-11-24 10:00 } }',
    );
    expect(result.errors).toEqual([
      {
        row: 1,
        reason:
          'window.start: "soon" is not a date and time (expected YYYY-MM-DD HH:mm, YYYY/MM/DD H:mm or ISO 8601)',
      },
    ]);
  });

  it('a duplicate id, and a personal account on the wrong line, are told against their entry', () => {
    const entry = (id: string, account: string) =>
      `- { id: ${id}, vendor: vendor-a, operators: [{ name: X, accounts: [${account}] }], targets: [S], window: { start: 2026-11-24 09:00, end: 2026-11-24 10:00 } }`;
    const result = parseApprovalsDocument(
      [entry('R-1', 'x1'), entry('R-1', 'x1'), entry('R-2', 'vnd_yamada')].join('\n'),
      {
        registry,
      },
    );
    expect(result.errors).toEqual([
      { row: 2, reason: 'id R-1 already appears in entry 1' },
      {
        row: 3,
        reason:
          'operators[0].accounts: account vnd_yamada belongs to operator op-yamada, who is not listed on this approval',
      },
    ]);
  });

  it('a document of another shape is refused as a whole (row 0)', () => {
    expect(parseApprovalsDocument('approved: yes').errors).toEqual([
      { row: 0, reason: 'expected a list of approvals, or a mapping with the list under approvals' },
    ]);
  });
});

describe('which parser reads a file', () => {
  it('by extension, else by its first character', () => {
    expect(formatOfFile('ledger.CSV', Buffer.from('[]'))).toBe('csv');
    expect(formatOfFile('ledger.yml', Buffer.from('id,vendor'))).toBe('document');
    expect(formatOfFile('export', Buffer.from('\uFEFF[{"id":1}]'))).toBe('document');
    expect(formatOfFile('export', Buffer.from('申請番号,事業者'))).toBe('csv');
  });

  it('a document in Shift_JIS is refused only if it is not text at all', () => {
    expect(parseApprovalsFile(Buffer.from([0, 1, 2]), 'document').errors).toEqual([
      { row: 0, reason: 'the file is neither UTF-8 nor Shift_JIS text' },
    ]);
  });
});
