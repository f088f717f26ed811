// A registry that lacks what the correlator's judgements rest on is said so in the log, once, and again
// when the gap is filled.
import { pino } from 'pino';
import { beforeEach, describe, expect, it } from 'vitest';
import { registryEntityId } from '../../model/ids.ts';
import type { RegistryRecord } from '../../model/registry.ts';
import { registryGapReporter, registryGaps } from '../../processors/correlate/registry-gaps.ts';
import { RegistryView } from '../../processors/correlate/registry-view.ts';

const jumpTerminal: RegistryRecord = { kind: 'jump_host', name: 'JUMP01', ip: '10.20.0.5' };
const internal: RegistryRecord = { kind: 'network', role: 'internal', cidr: '10.20.0.0/16' };
const pool: RegistryRecord = { kind: 'network', role: 'vpn_pool', cidr: '10.99.0.0/24' };

let lines: Array<{ level: number; msg: string; gap?: string }>;
const logger = () =>
  pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as never) });
beforeEach(() => {
  lines = [];
});

describe('what the registry lacks', () => {
  it('a registry with a jump terminal and an internal network lacks nothing', () => {
    expect(registryGaps(new RegistryView([jumpTerminal, internal]))).toEqual([]);
  });

  it('without a jump terminal, relayed server logons cannot be told from direct ones', () => {
    const gaps = registryGaps(new RegistryView([internal, pool]));
    expect(gaps.map((g) => g.gap)).toEqual(['no_jump_terminal']);
    expect(gaps[0]?.consequence).toMatch(/relayed by the jump terminal/);
    expect(gaps[0]?.consequence).toMatch(/rmwatch registry load/);
  });

  it('a VPN pool alone is not an internal network', () => {
    expect(registryGaps(new RegistryView([jumpTerminal, pool])).map((g) => g.gap)).toEqual([
      'no_internal_network',
    ]);
  });

  it('an empty registry lacks both', () => {
    expect(registryGaps(new RegistryView()).map((g) => g.gap)).toEqual([
      'no_jump_terminal',
      'no_internal_network',
    ]);
  });
});

describe('saying so in the log', () => {
  it('warns once per gap, however often the registry is looked at', () => {
    const report = registryGapReporter(logger());
    const registry = new RegistryView([internal]);
    report(registry);
    report(registry);
    registry.set('operator:x', { kind: 'operator', id: 'x', vendor: 'v', name: 'X', accounts: ['x'] });
    report(registry);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 40, gap: 'no_jump_terminal' });
    expect(lines[0]?.msg).toMatch(/^the registry is incomplete: server logons relayed/);
  });

  it('says when a gap is filled, and warns again when it opens again', () => {
    const report = registryGapReporter(logger());
    const registry = new RegistryView([internal]);
    report(registry);
    registry.set(registryEntityId(jumpTerminal), jumpTerminal);
    report(registry);
    registry.set(registryEntityId(jumpTerminal), undefined);
    report(registry);
    expect(lines.map((l) => [l.level, l.gap])).toEqual([
      [40, 'no_jump_terminal'],
      [30, 'no_jump_terminal'],
      [40, 'no_jump_terminal'],
    ]);
    expect(lines[1]?.msg).toBe('the registry gap is filled');
  });
});
