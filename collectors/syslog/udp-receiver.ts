// The UDP socket's reader, in a worker thread of its own. A datagram the kernel cannot queue while the reader
// is busy is lost, and the main thread is busy now and then (Kafka requests, collection pauses); so this
// thread does nothing but empty the socket, and hands the datagrams on in batches every few milliseconds:
// one buffer with their bytes (transferred, not copied) and, per datagram, sender, port, time and length.
import { createSocket } from 'node:dgram';
import { isIPv6 } from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';

export interface UdpReceiverOptions {
  host: string;
  port: number;
  maxFrameBytes: number;
  flushMs: number;
}

export type UdpReceiverMessage =
  | { kind: 'listening'; address: { address: string; family: string; port: number } }
  | { kind: 'error'; message: string }
  | {
      kind: 'datagrams';
      data: ArrayBuffer;
      peers: string[];
      ports: number[];
      times: number[];
      lengths: number[];
      truncated: boolean[];
    };

const options = workerData as UdpReceiverOptions;
const port = parentPort;
if (port) {
  const socket = createSocket({ type: isIPv6(options.host) ? 'udp6' : 'udp4', reuseAddr: false });
  let chunks: Buffer[] = [];
  let bytes = 0;
  let peers: string[] = [];
  let ports: number[] = [];
  let times: number[] = [];
  let lengths: number[] = [];
  let truncated: boolean[] = [];
  let timer: NodeJS.Timeout | undefined;

  const flush = () => {
    timer = undefined;
    if (chunks.length === 0) return;
    const data = Buffer.concat(chunks, bytes);
    const buffer = data.buffer.slice(data.byteOffset, data.byteOffset + data.length);
    const message: UdpReceiverMessage = {
      kind: 'datagrams',
      data: buffer,
      peers,
      ports,
      times,
      lengths,
      truncated,
    };
    port.postMessage(message, [buffer]);
    chunks = [];
    bytes = 0;
    peers = [];
    ports = [];
    times = [];
    lengths = [];
    truncated = [];
  };

  socket.on('message', (msg, rinfo) => {
    let end = msg.length;
    // A trailing newline is the sender's line ending, not part of the message.
    while (end > 0 && (msg[end - 1] === 0x0a || msg[end - 1] === 0x0d)) end--;
    if (end === 0) return;
    const cut = end > options.maxFrameBytes;
    const frame = msg.subarray(0, cut ? options.maxFrameBytes : end);
    chunks.push(frame);
    bytes += frame.length;
    peers.push(rinfo.address);
    ports.push(rinfo.port);
    times.push(Date.now());
    lengths.push(frame.length);
    truncated.push(cut);
    if (chunks.length >= 2000) flush();
    else timer ??= setTimeout(flush, options.flushMs);
  });
  socket.on('error', (err) =>
    port.postMessage({ kind: 'error', message: err.message } satisfies UdpReceiverMessage),
  );
  port.on('message', (m: unknown) => {
    if (m === 'close') {
      clearTimeout(timer);
      flush();
      socket.close(() => process.exit(0));
    }
  });
  socket.bind(options.port, options.host, () => {
    // A large receive buffer absorbs bursts; the kernel caps it at net.core.rmem_max.
    try {
      socket.setRecvBufferSize(8 * 1024 * 1024);
    } catch {
      /* the default still works */
    }
    const a = socket.address();
    port.postMessage({
      kind: 'listening',
      address: { address: a.address, family: a.family, port: a.port },
    } satisfies UdpReceiverMessage);
  });
}
