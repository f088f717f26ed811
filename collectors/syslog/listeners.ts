// Syslog transports on node's own sockets: UDP (one datagram, one message), TCP and TLS (RFC 6587 framing,
// RFC 5425 for TLS, client certificates optional). They know nothing of Kafka: each frame goes to `onFrame`.
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import {
  createServer as createTcpServer,
  isIPv6,
  type AddressInfo,
  type Server,
  type Socket,
} from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import type { Logger } from '../../infra/logger.ts';
import { canonicalAddress } from '../../model/network.ts';
import { FrameDecoder } from './framing.ts';

export interface ReceivedFrame {
  bytes: Buffer;
  truncated: boolean;
  peer: string;
  peerPort: number;
  transport: 'udp' | 'tcp' | 'tls';
  receivedAt: Date;
}

export interface ListenerOptions {
  maxFrameBytes: number;
  /** Whether a sender may deliver at all; refused senders never reach `onFrame`. */
  admits: (address: string, transport: ReceivedFrame['transport']) => boolean;
  onFrame: (frame: ReceivedFrame) => void;
  log: Logger;
}

export interface TlsOptions {
  certFile: string;
  keyFile: string;
  caFile?: string;
  clientCertificate: 'none' | 'request' | 'require';
}

export interface Listener {
  transport: ReceivedFrame['transport'];
  address(): AddressInfo;
  /** Stops reading from connected senders (TCP/TLS); the kernel's buffers then push back on them. */
  pause(): void;
  resume(): void;
  close(): Promise<void>;
}

export function listenUdp(host: string, port: number, options: ListenerOptions): Promise<Listener> {
  const socket: UdpSocket = createSocket({ type: isIPv6(host) ? 'udp6' : 'udp4', reuseAddr: false });
  socket.on('message', (msg, rinfo) => {
    const peer = canonicalAddress(rinfo.address);
    if (!options.admits(peer, 'udp')) return;
    let bytes = msg;
    // A trailing newline is the sender's line ending, not part of the message.
    while (bytes.length > 0 && (bytes[bytes.length - 1] === 0x0a || bytes[bytes.length - 1] === 0x0d))
      bytes = bytes.subarray(0, bytes.length - 1);
    if (bytes.length === 0) return;
    const truncated = bytes.length > options.maxFrameBytes;
    options.onFrame({
      bytes: truncated ? bytes.subarray(0, options.maxFrameBytes) : bytes,
      truncated,
      peer,
      peerPort: rinfo.port,
      transport: 'udp',
      receivedAt: new Date(),
    });
  });
  socket.on('error', (err) => options.log.error({ err }, 'UDP syslog socket error'));
  return new Promise((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(port, host, () => {
      socket.off('error', reject);
      // A large receive buffer absorbs bursts while the event loop is busy.
      try {
        socket.setRecvBufferSize(8 * 1024 * 1024);
      } catch {
        /* the kernel caps it; the default still works */
      }
      resolve({
        transport: 'udp',
        address: () => socket.address(),
        pause: () => undefined,
        resume: () => undefined,
        close: () => new Promise((r) => socket.close(() => r())),
      });
    });
  });
}

export function listenStream(
  host: string,
  port: number,
  options: ListenerOptions,
  tls?: TlsOptions,
): Promise<Listener> {
  const transport = tls ? 'tls' : 'tcp';
  const sockets = new Set<Socket>();
  let paused = false;

  const onConnection = (socket: Socket | TLSSocket) => {
    const peer = canonicalAddress(socket.remoteAddress ?? '');
    const peerPort = socket.remotePort ?? 0;
    if (!options.admits(peer, transport)) {
      socket.destroy();
      return;
    }
    sockets.add(socket);
    if (paused) socket.pause();
    const decoder = new FrameDecoder(options.maxFrameBytes, ({ bytes, truncated }) =>
      options.onFrame({ bytes, truncated, peer, peerPort, transport, receivedAt: new Date() }),
    );
    socket.on('data', (chunk: Buffer) => decoder.push(chunk));
    socket.on('end', () => decoder.end());
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', (err) =>
      options.log.warn({ err: err.message, peer, transport }, 'syslog connection error'),
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
      options.log.warn({ err: err.message, peer: socket.remoteAddress }, 'TLS handshake refused'),
    );
  } else {
    server = createTcpServer(onConnection);
  }
  server.on('error', (err) => options.log.error({ err, transport }, 'syslog listener error'));

  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve({
        transport,
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
