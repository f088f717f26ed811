// Worker threads running TypeScript modules of this repository (see worker-bootstrap.mjs).
import { Worker } from 'node:worker_threads';

export function startWorker(module: URL, data: Record<string, unknown>): Worker {
  return new Worker(new URL('./worker-bootstrap.mjs', import.meta.url), {
    workerData: { ...data, module: module.href },
  });
}
