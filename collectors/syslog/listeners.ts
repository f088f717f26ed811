// The collector's side of its receivers (./receiver.ts): starts one receiver thread per transport, passes on
// the Kafka records it delivers (batching a UDP receiver's datagrams here first), and restarts it on the
// same port should it ever die, so one bad moment in a receiver does not stop a transport for good.
import type { AddressInfo } from 'node:net';
import type { Worker } from 'node:worker_threads';
import { startWorker } from '../../infra/worker.ts';
import { Batcher, type BatcherOutput } from './batcher.ts';
import type { Datagrams, ReceiverCommand, ReceiverMessage, ReceiverOptions } from './receiver.ts';
import type { SyslogTransport } from './sockets.ts';

export interface Listener {
  transport: SyslogTransport;
  address(): AddressInfo;
  /** Stops reading from connected senders (TCP/TLS); the kernel's buffers then push back on them. */
  pause(): void;
  resume(): void;
  /** Stops listening; resolves once everything received has been handed to `deliver`. */
  close(): Promise<void>;
  /** The receiver thread serving now (it changes when a receiver is restarted): for diagnostics and tests. */
  thread(): Worker;
}

/** What a listener hands over: Kafka records, refusal counts, log lines. */
export type Delivery = BatcherOutput;

const RESTART_DELAY_MS = 1000;

export function startListener(
  options: ReceiverOptions,
  deliver: (message: Delivery) => void,
  onFailure: (message: string) => void,
): Promise<Listener> {
  let address: AddressInfo | undefined;
  let worker: Worker;
  let paused = false;
  let closing: Promise<void> | undefined;

  const command = (c: ReceiverCommand) => worker.postMessage(c);
  const batcher = options.transport === 'udp' ? new Batcher(options, deliver) : undefined;
  const batch = (d: Datagrams) => {
    if (!batcher) return;
    const data = Buffer.from(d.data);
    let at = 0;
    for (let i = 0; i < d.lengths.length; i++) {
      const length = d.lengths[i] ?? 0;
      const bytes = data.subarray(at, at + length);
      at += length;
      const shared = batcher.sender(d.addresses[i] ?? '', d.ports[i] ?? 0, 'udp');
      if (shared) batcher.frame(shared, bytes, d.truncated[i] === true, d.times[i] ?? Date.now());
    }
  };

  /** Starts a receiver; resolves with its address, rejects if it could not listen. */
  const start = (port: number): Promise<AddressInfo> =>
    new Promise((resolve, reject) => {
      let listening = false;
      worker = startWorker(new URL('./receiver.ts', import.meta.url), { ...options, port });
      worker.on('message', (message: ReceiverMessage) => {
        switch (message.kind) {
          case 'listening':
            listening = true;
            if (paused) command('pause');
            resolve(message.address as AddressInfo);
            return;
          case 'failed':
            reject(new Error(message.message));
            return;
          case 'closed':
            return;
          case 'datagrams':
            batch(message);
            return;
          default:
            deliver(message);
        }
      });
      worker.on('error', (err) => {
        if (!listening) reject(err);
        else onFailure(`${options.transport} receiver failed: ${err.message}`);
      });
      worker.on('exit', () => {
        if (!listening || closing) return;
        // The socket went with the thread: listen again on the port senders know.
        onFailure(`${options.transport} receiver stopped; restarting it on port ${address?.port}`);
        setTimeout(() => {
          if (closing) return;
          start(address?.port ?? port).catch((err: Error) =>
            onFailure(`${options.transport} receiver could not restart: ${err.message}`),
          );
        }, RESTART_DELAY_MS).unref();
      });
    });

  return start(options.port).then((bound) => {
    address = bound;
    return {
      transport: options.transport,
      address: () => address as AddressInfo,
      thread: () => worker,
      pause: () => {
        paused = true;
        command('pause');
      },
      resume: () => {
        paused = false;
        command('resume');
      },
      close: () => {
        closing ??= new Promise<void>((resolve) => {
          const current = worker;
          // 'closed' comes after the last delivery: nothing is left in the thread to wait for.
          current.on('message', (m: ReceiverMessage) => {
            if (m.kind !== 'closed') return;
            void current.terminate();
            batcher?.flush();
            resolve();
          });
          current.once('exit', () => {
            batcher?.flush();
            resolve();
          });
          current.postMessage('close' satisfies ReceiverCommand);
        });
        return closing;
      },
    };
  });
}
