// The end-to-end benchmark's arithmetic, its load generator's pace and its knobs.
import { describe, expect, it } from 'vitest';
import type { PhaseResult } from '../../benchmarks/e2e-phase.ts';
import { stageFlags } from '../../benchmarks/e2e-pipeline.ts';
import { e2eSection, markerHops, slowestMarkers } from '../../benchmarks/e2e-report.ts';
import { cpuSecondsOfStat, listeningInodes, rssBytesOfStatus } from '../../benchmarks/e2e-proc.ts';
import { memoryTrend, percentile, slope } from '../../benchmarks/e2e-stats.ts';
import { loadTurn, markerTraffic, sessionTraffic, EVENTS_PER_SESSION } from '../../benchmarks/e2e-traffic.ts';

describe('latency percentiles', () => {
  it('take the nearest rank, so p50 of 1..10 is 5 and p99 is 10', () => {
    const values = [10, 1, 2, 3, 4, 5, 6, 7, 8, 9];
    expect(percentile(values, 0.5)).toBe(5);
    expect(percentile(values, 0.99)).toBe(10);
  });
  it('count a marker never searchable as slower than any that was', () => {
    expect(percentile([100, 200, Infinity], 0.99)).toBe(Infinity);
  });
});

describe('memory trend over a soak', () => {
  it('fits the slope of a straight line exactly', () => {
    expect(slope([0, 30, 60].map((t) => ({ t, value: 100 + 2 * t })))).toBeCloseTo(2);
  });
  it('calls a heap that breathes around one level flat', () => {
    const points = [0, 30, 60, 90, 120].map((t, i) => ({ t, value: 300 * 2 ** 20 + (i % 2) * 6 * 2 ** 20 }));
    expect(memoryTrend(points).flat).toBe(true);
  });
  it('calls a process that grows by a tenth over the soak not flat', () => {
    const points = [0, 300, 600].map((t) => ({ t, value: 300 * 2 ** 20 * (1 + t / 6000) }));
    expect(memoryTrend(points).flat).toBe(false);
  });
});

describe('reading /proc', () => {
  it('reads user + system CPU time past a command name with spaces and parentheses', () => {
    const stat = '4242 (node (tsx) x) S 1 2 3 4 5 6 7 8 9 10 250 150 0 0 20 0 11 0 100 1000 2000';
    expect(cpuSecondsOfStat(stat)).toBe(4);
  });
  it('reads the resident set in bytes', () => {
    expect(rssBytesOfStatus('Name:\tnode\nVmRSS:\t  2048 kB\nThreads: 11\n')).toBe(2 * 2 ** 20);
  });
  it('finds the socket listening on a port, not a connection to it', () => {
    const table = [
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 0100007F:4CB0 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 777 1',
      '   1: 0100007F:9C40 0100007F:4CB0 01 00000000:00000000 00:00000000 00000000     0        0 888 1',
    ].join('\n');
    expect(listeningInodes(table, 19632)).toEqual(['777']);
  });
});

describe('the offered traffic', () => {
  it('makes the stated number of events per background session', () => {
    const t = sessionTraffic(7, Date.UTC(2026, 10, 24, 0, 0, 0), 100);
    expect(t.syslog.length + t.xml.length + t.ndjson.length).toBe(EVENTS_PER_SESSION);
  });
  it('gives each marker an account of its own in its VPN lines', () => {
    const m = markerTraffic(3, Date.UTC(2026, 10, 24, 0, 0, 0));
    expect(m.connect.every((l) => l.includes('User <e2emark3>'))).toBe(true);
    expect(m.disconnect[0]).toContain('Username = e2emark3');
  });
});

describe("the load generator's pace", () => {
  it('makes what is due when it keeps up', () => {
    expect(loadTurn(100, 103, 1818)).toEqual({ from: 100, to: 103, late: 0 });
  });
  it('makes at most a 20th of a second of sessions in one turn, so that it turns often', () => {
    expect(loadTurn(0, 1000, 1818)).toEqual({ from: 0, to: 91, late: 0 });
  });
  it('skips what is over a second late and says how much, rather than make it up in one long turn', () => {
    expect(loadTurn(0, 5000, 1818)).toEqual({ from: 3182, to: 3273, late: 3182 });
  });
  it('at a rate under one session a second still makes one a turn when one is due', () => {
    expect(loadTurn(4, 5, 1)).toEqual({ from: 4, to: 5, late: 0 });
  });
});

describe('node flags for a stage of the benchmark', () => {
  it('gives each named stage its flags', () => {
    const flags = stageFlags('correlate=--cpu-prof --cpu-prof-dir=/tmp/prof; normalize=--heap-prof');
    expect([...flags]).toEqual([
      ['correlate', ['--cpu-prof', '--cpu-prof-dir=/tmp/prof']],
      ['normalize', ['--heap-prof']],
    ]);
  });
  it('gives none when unset or empty', () => {
    expect(stageFlags(undefined).size).toBe(0);
    expect(stageFlags(' ; ').size).toBe(0);
  });
  it('refuses a stage it does not run, rather than profile nothing after a long run', () => {
    expect(() => stageFlags('corelate=--cpu-prof')).toThrow(/"corelate=--cpu-prof" is not <stage>=<flags>/);
    expect(() => stageFlags('--cpu-prof')).toThrow(/with a stage of syslog, /);
  });
});

/** A phase that offered `offered` events, `indexed` of them searchable `afterGraceSeconds` after the load. */
function phase(
  label: string,
  offered: number,
  indexed: number,
  afterGraceSeconds: number,
  warmupSeconds = 0,
): PhaseResult {
  return {
    options: {
      label,
      rate: 300,
      seconds: 60,
      warmupSeconds,
      memoryEveryMs: 30_000,
      graceSeconds: 30,
      markerEveryMs: 1000,
      pool: 1000,
      keep: false,
    },
    namespace: 'bench.',
    offered,
    heldBack: 0,
    heldBackHttp: 0,
    notMade: 0,
    httpFailures: 0,
    loadSeconds: 60,
    progress: [
      { t: 0, offered: 0, indexed: 0 },
      { t: 60, offered, indexed: indexed - 100 },
    ],
    indexedAtLoadEnd: indexed - 100,
    backlogAtLoadEnd: [],
    indexedAfterGrace: indexed,
    afterGraceSeconds,
    deadLetters: 0,
    findings: 0,
    findingLatency: [],
    eventLatency: [],
    markers: [],
    usage: [],
    stageExits: [],
  };
}

describe('the end-to-end report', () => {
  it("says how many events were still not searchable when the markers' grace ended, and how long after the load", () => {
    const text = e2eSection({
      machine: 'test machine',
      stack: 'test stack',
      sustained: phase('sustained', 18_000, 17_000, 30.2),
      soak: phase('soak', 18_000, 18_000, 4.4),
      command: 'npm run bench:e2e',
    });
    expect(text).toContain('1,000 were still not 30 s later');
    expect(text).toContain('0 were still not 4 s later');
  });

  it('says the soak watched memory only after its warm-up, and for how long each ran', () => {
    const text = e2eSection({
      machine: 'test machine',
      stack: 'test stack',
      sustained: phase('sustained', 18_000, 17_000, 30),
      soak: phase('soak', 18_000, 18_000, 4, 780),
      command: 'npm run bench:e2e',
    });
    expect(text).toContain('soak 60 s** after 780 s of warm-up');
    expect(text).toContain(
      '### Soak: 300 events/s for 780 s of warm-up, then 60 s (memory every 30 s after the warm-up)',
    );
    expect(text).toContain('over the soak after the warm-up');
  });

  it("splits each marker's wait into the normaliser's, the correlator's and the index's part", () => {
    const hops = markerHops([
      {
        account: 'e2emark0',
        sentAt: 0,
        eventWrittenAt: 40,
        findingWrittenAt: 340,
        eventAt: 900,
        findingAt: 1500,
      },
      { account: 'e2emark1', sentAt: 1000, eventWrittenAt: 1100, findingWrittenAt: 1200, findingAt: 2000 },
      { account: 'e2emark2', sentAt: 2000 },
    ]);
    expect(hops.map((h) => h.ms)).toEqual([
      [40, 100],
      [300, 100],
      [1160, 800],
    ]);
  });

  it('names the slowest markers by when they were sent, the never searchable first, with their hops', () => {
    const slow = slowestMarkers(
      [
        { account: 'e2emark0', sentAt: 5000, eventWrittenAt: 5100, findingWrittenAt: 5300, findingAt: 6000 },
        {
          account: 'e2emark1',
          sentAt: 6000,
          eventWrittenAt: 6100,
          findingWrittenAt: 15_100,
          findingAt: 16_000,
        },
        { account: 'e2emark2', sentAt: 7000, eventWrittenAt: 7100 },
      ],
      2,
    );
    expect(slow).toEqual([
      { account: 'e2emark2', sentSeconds: 2, ms: undefined, hops: [100, undefined, undefined] },
      { account: 'e2emark1', sentSeconds: 1, ms: 10_000, hops: [100, 9000, 900] },
    ]);
  });
});
