// A syslog receiver: one transport's socket, in a worker thread of its own (started by ./listeners.ts).
//   input:  workerData — ReceiverOptions; messages from the collector: 'pause' | 'resume' | 'close'
//   output: messages to the collector (ReceiverMessage). TCP/TLS: finished Kafka records (./batcher.ts) —
//           batches of frames for rm.raw.syslog, oversize frames for rm.deadletter — refusal counts, logs.
//           UDP: the datagrams themselves, a few milliseconds' worth at a time, for the collector to batch.
// Reading, framing and batching a stream is most of a collector's work per line; here it runs beside the
// collector's main thread, which is left with Kafka. A UDP socket is another matter: a datagram that arrives
// while its reader is busy waits in a kernel buffer of limited size and is lost when that is full, so the
// UDP reader does nothing but empty the socket and leaves the rest to the main thread.
import { parentPort, workerData } from 'node:worker_threads';
import { transferable } from '../../infra/worker.ts';
import { Batcher, type BatcherOptions, type BatcherOutput } from './batcher.ts';
import { openStream, openUdp, type OpenSocket, type SyslogTransport, type TlsOptions } from './sockets.ts';

export interface ReceiverOptions extends BatcherOptions {
  transport: SyslogTransport;
  host: string;
  port: number;
  tls?: TlsOptions;
}

/** Datagrams as received: their bytes end to end in `data` (transferred), and per datagram its details. */
export interface Datagrams {
  kind: 'datagrams';
  data: ArrayBuffer;
  addresses: string[];
  ports: number[];
  times: number[];
  lengths: number[];
  truncated: boolean[];
}

export type ReceiverMessage =
  | { kind: 'listening'; address: { address: string; family: string; port: number } }
  | { kind: 'failed'; message: string }
  | BatcherOutput
  | Datagrams
  | { kind: 'closed' };

export type ReceiverCommand = 'pause' | 'resume' | 'close';

const DATAGRAM_HANDOFF_MS = 2;
const DATAGRAM_HANDOFF_COUNT = 2000;

/** Gathers datagrams and hands them on every few milliseconds, or sooner when many have come. */
class DatagramHandOff {
  private chunks: Buffer[] = [];
  private bytes = 0;
  private addresses: string[] = [];
  private ports: number[] = [];
  private times: number[] = [];
  private lengths: number[] = [];
  private truncated: boolean[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly handOn: (datagrams: Datagrams) => void) {}

  add(address: string, port: number, bytes: Buffer, truncated: boolean, receivedAtMs: number): void {
    this.chunks.push(bytes);
    this.bytes += bytes.length;
    this.addresses.push(address);
    this.ports.push(port);
    this.times.push(receivedAtMs);
    this.lengths.push(bytes.length);
    this.truncated.push(truncated);
    if (this.chunks.length >= DATAGRAM_HANDOFF_COUNT) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), DATAGRAM_HANDOFF_MS);
  }

  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.chunks.length === 0) return;
    const data = transferable(Buffer.concat(this.chunks, this.bytes));
    this.handOn({
      kind: 'datagrams',
      data,
      addresses: this.addresses,
      ports: this.ports,
      times: this.times,
      lengths: this.lengths,
      truncated: this.truncated,
    });
    this.chunks = [];
    this.bytes = 0;
    this.addresses = [];
    this.ports = [];
    this.times = [];
    this.lengths = [];
    this.truncated = [];
  }
}

const options = workerData as ReceiverOptions;
const collector = parentPort;
if (collector) {
  const post = (message: ReceiverMessage, transfer?: ArrayBuffer[]) =>
    collector.postMessage(message, transfer);
  const warn = (message: string, fields: Record<string, unknown>) =>
    post({ kind: 'log', level: 'warn', message, fields });

  let flush: () => void;
  let opening: Promise<OpenSocket>;
  if (options.transport === 'udp') {
    const handOff = new DatagramHandOff((d) => post(d, [d.data]));
    flush = () => handOff.flush();
    opening = openUdp(options.host, options.port, options.maxFrameBytes, (...d) => handOff.add(...d), warn);
  } else {
    const batcher = new Batcher(options, post);
    flush = () => batcher.flush();
    opening = openStream(
      options.host,
      options.port,
      {
        maxFrameBytes: options.maxFrameBytes,
        sender: (address, port, transport) => batcher.sender(address, port, transport),
        frame: (shared, bytes, truncated, at) => batcher.frame(shared, bytes, truncated, at),
        warn,
      },
      options.tls,
    );
  }

  opening.then(
    (socket) => {
      const a = socket.address();
      post({ kind: 'listening', address: { address: a.address, family: a.family, port: a.port } });
      collector.on('message', (command: ReceiverCommand) => {
        if (command === 'pause') socket.pause();
        else if (command === 'resume') socket.resume();
        else if (command === 'close')
          void socket.close().then(() => {
            flush();
            post({ kind: 'closed' });
            collector.close();
          });
      });
    },
    (err: unknown) => {
      post({ kind: 'failed', message: err instanceof Error ? err.message : String(err) });
      collector.close();
    },
  );
}
