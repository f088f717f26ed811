// Batches of syslog frames in one Kafka record: every frame comes back byte for byte, with its own receive
// time and charset and in arrival order; a damaged batch is reported, not half read.
import { describe, expect, it } from 'vitest';
import { FramePacker, PackerSettings } from '../../collectors/syslog/packer.ts';
import { FrameBatchError, framesOf, packFrames, unpackFrames, type Frame } from '../../model/frames.ts';
import { toHeaders } from '../../model/raw.ts';

const shared = {
  peer: '192.0.2.10',
  peer_port: 51514,
  transport: 'tcp' as const,
  format: 'syslog' as const,
  timezone: 'Asia/Tokyo',
};
const frame = (text: string | Buffer, ms: number, charset: Frame['charset'] = 'utf-8'): Frame => ({
  bytes: Buffer.isBuffer(text) ? text : Buffer.from(text),
  receivedAtMs: ms,
  charset,
});

describe('frame batches', () => {
  it('every frame comes back as received, with its own time and charset, in order', () => {
    const sjis = Buffer.from([0x83, 0x65, 0x83, 0x58, 0x83, 0x67]);
    const frames = [
      frame('<134>first', 1795440000123),
      frame(sjis, 1795440000124, 'shift_jis'),
      frame('', 1795440000125),
    ];
    const { value, headers } = packFrames(shared, frames);
    expect(framesOf(headers)).toBe(3);
    expect(unpackFrames(value, headers)).toEqual([
      {
        bytes: Buffer.from('<134>first'),
        meta: { ...shared, received_at: '2026-11-23T13:20:00.123Z', charset: 'utf-8' },
      },
      { bytes: sjis, meta: { ...shared, received_at: '2026-11-23T13:20:00.124Z', charset: 'shift_jis' } },
      {
        bytes: Buffer.alloc(0),
        meta: { ...shared, received_at: '2026-11-23T13:20:00.125Z', charset: 'utf-8' },
      },
    ]);
  });

  it('a record without a frame count is one raw record, its whole value (as kcat or an older collector writes it)', () => {
    const headers = toHeaders({ ...shared, received_at: '2026-11-23T00:00:00.000Z', charset: 'utf-8' });
    expect(framesOf(headers)).toBe(1);
    expect(unpackFrames(Buffer.from('<134>one line'), headers)).toEqual([
      {
        bytes: Buffer.from('<134>one line'),
        meta: { ...shared, received_at: '2026-11-23T00:00:00.000Z', charset: 'utf-8' },
      },
    ]);
  });

  it('a batch cut short, or whose count does not match, is a FrameBatchError', () => {
    const { value, headers } = packFrames(shared, [frame('a line', 1), frame('another', 2)]);
    expect(() => unpackFrames(value.subarray(0, value.length - 3), headers)).toThrow(FrameBatchError);
    expect(() => unpackFrames(value, { ...headers, 'rm-frames': '3' })).toThrow(
      'frame batch holds 2 frames, its rm-frames header says 3',
    );
  });
});

describe('frame packer', () => {
  const collect = (settings: Partial<PackerSettings>) => {
    const batches: { peer: string; texts: string[] }[] = [];
    const packer = new FramePacker(PackerSettings.parse(settings), (s, frames) =>
      batches.push({ peer: `${s.peer}:${s.peer_port}`, texts: frames.map((f) => f.bytes.toString()) }),
    );
    return { packer, batches };
  };

  it('one batch per connection, in arrival order; a full batch goes at once', () => {
    const { packer, batches } = collect({ maxFrames: 2, lingerMs: 1000 });
    packer.add(shared, frame('a1', 1));
    packer.add({ ...shared, peer_port: 2 }, frame('b1', 2));
    packer.add(shared, frame('a2', 3));
    expect(batches).toEqual([{ peer: '192.0.2.10:51514', texts: ['a1', 'a2'] }]);
    packer.flush();
    expect(batches[1]).toEqual({ peer: '192.0.2.10:2', texts: ['b1'] });
  });

  it('a frame that would take a batch past its byte limit starts the next one', () => {
    const { packer, batches } = collect({ maxBytes: 10, lingerMs: 1000 });
    packer.add(shared, frame('123456', 1));
    packer.add(shared, frame('789012', 2));
    packer.flush();
    expect(batches.map((b) => b.texts)).toEqual([['123456'], ['789012']]);
  });

  it('a quiet sender waits no longer than the linger time', async () => {
    const { packer, batches } = collect({ lingerMs: 5 });
    packer.add(shared, frame('alone', 1));
    expect(batches).toHaveLength(0);
    await new Promise((r) => setTimeout(r, 30));
    expect(batches).toEqual([{ peer: '192.0.2.10:51514', texts: ['alone'] }]);
  });
});
