// Syslog transports on node's own sockets: UDP (one datagram, one message), TCP and TLS (RFC 6587 framing,
// RFC 5425 for TLS, client certificates optional). They run inside a receiver thread (./receiver.ts) and know
// nothing of Kafka: each datagram goes to its handler, each stream frame to `frame` with the metadata that
// `sender` gave for its connection.
import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import {
  createServer as createTcpServer,
  isIPv6,
  type AddressInfo,
  type Server,
  type Socket,
} from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import type { SharedMetadata } from '../../model/frames.ts';
import { FrameDecoder } from './framing.ts';

export type SyslogTransport = 'udp' | 'tcp' | 'tls';

export interface TlsOptions {
  certFile: string;
  keyFile: string;
  caFile?: string;
  clientCertificate: 'none' | 'request' | 'require';
}

export interface StreamEvents {
  maxFrameBytes: number;
  /** The receive metadata of a connection's frames, or undefined when its sender is refused. */
  sender(address: string, port: number, transport: SyslogTransport): SharedMetadata | undefined;
  /** A frame, as a view of the received bytes (valid until the next frame of its connection at least). */
  frame(sender: SharedMetadata, bytes: Buffer, truncated: boolean, receivedAtMs: number): void;
  warn(message: string, fields: Record<string, unknown>): void;
}

export interface OpenSocket {
  address(): AddressInfo;
  /** Stops reading from connected senders (TCP/TLS); the kernel's buffers then push back on them. */
  pause(): void;
  resume(): void;
  /** Stops listening; connected senders are asked to close and are cut off a second later. */
  close(): Promise<void>;
}

const LF = 0x0a;
const CR = 0x0d;

/** One datagram, without its line ending, cut at the size limit; its sender as the socket reports it. */
export type DatagramHandler = (
  address: string,
  port: number,
  bytes: Buffer,
  truncated: boolean,
  receivedAtMs: number,
) => void;

export function openUdp(
  host: string,
  port: number,
  maxFrameBytes: number,
  onDatagram: DatagramHandler,
  warn: StreamEvents['warn'],
): Promise<OpenSocket> {
  const socket = createSocket({ type: isIPv6(host) ? 'udp6' : 'udp4', reuseAddr: false });
  socket.on('message', (msg, rinfo) => {
    let end = msg.length;
    // A trailing newline is the sender's line ending, not part of the message.
    while (end > 0 && (msg[end - 1] === LF || msg[end - 1] === CR)) end--;
    if (end === 0) return;
    const cut = end > maxFrameBytes;
    onDatagram(rinfo.address, rinfo.port, msg.subarray(0, cut ? maxFrameBytes : end), cut, Date.now());
  });
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, host, () => {
      socket.off('error', reject);
      socket.on('error', (err) => warn('UDP syslog socket error', { err: err.message }));
      // A large receive buffer absorbs bursts; the kernel caps it at net.core.rmem_max.
      try {
        socket.setRecvBufferSize(8 * 1024 * 1024);
      } catch {
        /* the default still works */
      }
      resolve({
        address: () => socket.address(),
        pause: () => undefined,
        resume: () => undefined,
        close: () => new Promise((r) => socket.close(() => r())),
      });
    });
  });
}

export function openStream(
  host: string,
  port: number,
  events: StreamEvents,
  tls?: TlsOptions,
): Promise<OpenSocket> {
  const transport = tls ? 'tls' : 'tcp';
  const sockets = new Set<Socket>();
  let paused = false;

  const onConnection = (socket: Socket | TLSSocket) => {
    const sender = events.sender(socket.remoteAddress ?? '', socket.remotePort ?? 0, transport);
    if (!sender) {
      socket.destroy();
      return;
    }
    sockets.add(socket);
    if (paused) socket.pause();
    // Every frame of one read arrived at the same moment: one clock reading per read, not per frame.
    let receivedAtMs = 0;
    const decoder = new FrameDecoder(events.maxFrameBytes, ({ bytes, truncated }) =>
      events.frame(sender, bytes, truncated, receivedAtMs),
    );
    socket.on('data', (chunk: Buffer) => {
      receivedAtMs = Date.now();
      decoder.push(chunk);
    });
    socket.on('end', () => {
      receivedAtMs = Date.now();
      decoder.end();
    });
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', (err) =>
      events.warn('syslog connection error', { err: err.message, peer: sender.peer, transport }),
    );
  };

  let server: Server;
  if (tls) {
    server = createTlsServer(
      {
        cert: readFileSync(tls.certFile),
        key: readFileSync(tls.keyFile),
        ca: tls.caFile ? readFileSync(tls.caFile) : undefined,
        requestCert: tls.clientCertificate !== 'none',
        rejectUnauthorized: tls.clientCertificate === 'require',
      },
      onConnection,
    );
    server.on('tlsClientError', (err, socket) =>
      events.warn('TLS handshake refused', { err: err.message, peer: socket.remoteAddress }),
    );
  } else {
    server = createTcpServer(onConnection);
  }

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      server.on('error', (err) => events.warn('syslog listener error', { err: err.message, transport }));
      resolve({
        address: () => server.address() as AddressInfo,
        pause: () => {
          paused = true;
          for (const s of sockets) s.pause();
        },
        resume: () => {
          paused = false;
          for (const s of sockets) s.resume();
        },
        close: () =>
          new Promise((r) => {
            server.close(() => r());
            // Senders that stay connected would keep the server open; their unread data is theirs to resend.
            for (const s of sockets) s.end();
            setTimeout(() => {
              for (const s of sockets) s.destroy();
            }, 1000).unref();
          }),
      });
    });
  });
}
