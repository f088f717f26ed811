// Worker threads running TypeScript modules of this repository (see worker-bootstrap.mjs).
import { Worker } from 'node:worker_threads';

export function startWorker(module: URL, data: Record<string, unknown>): Worker {
  return new Worker(new URL('./worker-bootstrap.mjs', import.meta.url), {
    workerData: { ...data, module: module.href },
  });
}

/**
 * The memory of `bytes` as an ArrayBuffer that may be transferred to another thread: its own when it owns all
 * of it, else a copy (a small Buffer may share node's pool with others, and transferring that would take the
 * pool from under them).
 */
export function transferable(bytes: Buffer): ArrayBuffer {
  return bytes.byteOffset === 0 &&
    bytes.buffer.byteLength === bytes.byteLength &&
    bytes.buffer instanceof ArrayBuffer
    ? bytes.buffer
    : new Uint8Array(bytes).buffer;
}
