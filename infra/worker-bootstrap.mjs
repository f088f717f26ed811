// Starts a worker thread on a TypeScript module: workers do not inherit the main thread's tsx loader, so
// each registers it before importing its module (infra/worker.ts).
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.module);
