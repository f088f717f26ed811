// From received frames to finished Kafka records: who may send (./senders.ts), each frame's charset, the
// sender's frames gathered into batches (./packer.ts, model/frames.ts), and frames over the size limit as dead
// letters. It runs in the receiver thread for TCP and TLS, and on the collector's main thread for UDP (see
// ./receiver.ts for why).
import { transferable } from '../../infra/worker.ts';
import { detectCharset } from '../../model/charset.ts';
import type { DeadLetter } from '../../model/deadletter.ts';
import { packFrames, type SharedMetadata } from '../../model/frames.ts';
import { toHeaders } from '../../model/raw.ts';
import { FramePacker, type PackerSettings } from './packer.ts';
import { Senders, type SenderRules } from './senders.ts';
import type { SyslogTransport } from './sockets.ts';

export interface BatcherOptions extends SenderRules {
  maxFrameBytes: number;
  batch: PackerSettings;
}

/** What a batcher hands on; a batch's `value` owns its memory, so it can be transferred between threads. */
export type BatcherOutput =
  /** A batch of frames for rm.raw.syslog. */
  | { kind: 'batch'; key: string; value: ArrayBuffer; headers: Record<string, string>; frames: number }
  /** A frame cut at the size limit, as a dead letter for rm.deadletter. */
  | { kind: 'oversize'; key: string; value: string; headers: Record<string, string> }
  | { kind: 'refused'; count: number }
  | { kind: 'log'; level: 'warn' | 'error'; message: string; fields: Record<string, unknown> };

/** How often refusals are reported: a refused UDP flood must not become a message per datagram. */
const REFUSAL_REPORT_MS = 50;

export class Batcher {
  private readonly senders: Senders;
  private readonly packer: FramePacker;
  private refusals = 0;
  private refusalTimer: NodeJS.Timeout | undefined;
  /** One line per refused sender is enough to act on; the count carries the volume. */
  private readonly refusedLogged = new Set<string>();

  constructor(
    private readonly options: BatcherOptions,
    private readonly out: (output: BatcherOutput, transfer?: ArrayBuffer[]) => void,
  ) {
    this.senders = new Senders(options, (peer, transport) => this.refused(peer, transport));
    this.packer = new FramePacker(options.batch, (shared, frames) => {
      const { value, headers } = packFrames(shared, frames);
      const own = transferable(value);
      this.out({ kind: 'batch', key: shared.peer, value: own, headers, frames: frames.length }, [own]);
    });
  }

  /** The receive metadata for a sender's frames, or undefined when it is refused (and then counted). */
  sender(address: string, port: number, transport: SyslogTransport): SharedMetadata | undefined {
    return this.senders.of(address, port, transport);
  }

  frame(shared: SharedMetadata, bytes: Buffer, truncated: boolean, receivedAtMs: number): void {
    if (truncated) this.oversize(shared, bytes, receivedAtMs);
    else this.packer.add(shared, { bytes, receivedAtMs, charset: detectCharset(bytes) });
  }

  /** Hands on every open batch and the refusal count now. */
  flush(): void {
    this.packer.flush();
    this.reportRefusals();
  }

  private oversize(shared: SharedMetadata, bytes: Buffer, receivedAtMs: number): void {
    const at = new Date(receivedAtMs).toISOString();
    const limit = this.options.maxFrameBytes;
    const letter: DeadLetter = {
      stage: 'collector.syslog',
      source: shared.peer,
      error: `frame longer than ${limit} bytes; the first ${limit} are kept`,
      raw: bytes.toString('base64'),
      at,
    };
    this.out({
      kind: 'oversize',
      key: shared.peer,
      value: JSON.stringify(letter),
      headers: toHeaders({ ...shared, received_at: at, charset: detectCharset(bytes) }),
    });
  }

  private refused(peer: string, transport: SyslogTransport): void {
    this.refusals++;
    this.refusalTimer ??= setTimeout(() => this.reportRefusals(), REFUSAL_REPORT_MS);
    if (!this.refusedLogged.has(peer) && this.refusedLogged.size < 10_000) {
      this.refusedLogged.add(peer);
      this.out({
        kind: 'log',
        level: 'warn',
        message: 'syslog sender not on the allow-list; its records are dropped',
        fields: { peer, transport },
      });
    }
  }

  private reportRefusals(): void {
    clearTimeout(this.refusalTimer);
    this.refusalTimer = undefined;
    if (this.refusals > 0) this.out({ kind: 'refused', count: this.refusals });
    this.refusals = 0;
  }
}
