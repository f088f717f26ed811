// Syslog transports on node's own sockets: UDP (one datagram, one message), TCP and TLS (RFC 6587 framing,
// RFC 5425 for TLS, client certificates optional). They know nothing of Kafka: each frame goes to `onFrame`.
import { readFileSync } from 'node:fs';
import { createServer as createTcpServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket } from 'node:tls';
import type { Logger } from '../../infra/logger.ts';
import { startWorker } from '../../infra/worker.ts';
import { canonicalAddress } from '../../model/network.ts';
import { FrameDecoder } from './framing.ts';
import type { UdpReceiverMessage, UdpReceiverOptions } from './udp-receiver.ts';

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
  const receiver = startWorker(new URL('./udp-receiver.ts', import.meta.url), {
    host,
    port,
    maxFrameBytes: options.maxFrameBytes,
    flushMs: 2,
  } satisfies UdpReceiverOptions);
  let address: AddressInfo | undefined;
  const exited = new Promise<void>((resolve) => receiver.once('exit', () => resolve()));
  return new Promise((resolve, reject) => {
    receiver.once('error', reject);
    receiver.on('message', (message: UdpReceiverMessage) => {
      if (message.kind === 'listening') {
        address = message.address;
        receiver.off('error', reject);
        receiver.on('error', (err) => options.log.error({ err }, 'UDP syslog receiver failed'));
        resolve({
          transport: 'udp',
          address: () => address as AddressInfo,
          pause: () => undefined,
          resume: () => undefined,
          close: async () => {
            receiver.postMessage('close');
            await exited;
          },
        });
      } else if (message.kind === 'error') {
        if (address === undefined) reject(new Error(message.message));
        else options.log.error({ err: message.message }, 'UDP syslog socket error');
      } else {
        const data = Buffer.from(message.data);
        let at = 0;
        for (let i = 0; i < message.lengths.length; i++) {
          const length = message.lengths[i] ?? 0;
          const bytes = data.subarray(at, at + length);
          at += length;
          const peer = canonicalAddress(message.peers[i] ?? '');
          if (!options.admits(peer, 'udp')) continue;
          options.onFrame({
            bytes,
            truncated: message.truncated[i] === true,
            peer,
            peerPort: message.ports[i] ?? 0,
            transport: 'udp',
            receivedAt: new Date(message.times[i] ?? Date.now()),
          });
        }
      }
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
