// The demo's stand-in for the on-call webhook: a tiny HTTP receiver on 127.0.0.1 that appends each alert the
// alert stage delivers as one JSON line to the alerts log, so a newcomer can read what on-call staff would get.
//   input:  POST /alerts, the webhook notifier's body `{ idempotency_key, subject, text, alert, … }`
//   output: one line per alert in `file` (`received_at` + the body as sent); a redelivery (same
//           Idempotency-Key) is answered 200 and not written twice; a body that is not an alert gets 400
//           and is counted (`refused`), never written
import { appendFile } from 'node:fs/promises';
import { createServer, type IncomingMessage } from 'node:http';
import { z } from 'zod';
import { Counters } from '../metrics.ts';

const WebhookBody = z.looseObject({
  idempotency_key: z.string().min(1),
  subject: z.string().min(1),
  alert: z.looseObject({ id: z.string().min(1), source: z.enum(['finding', 'notice']) }),
});

export interface AlertReceiver {
  url: string;
  counters: Counters;
  /** Alerts written to the log by this receiver. */
  received(): number;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1024 * 1024;

function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= MAX_BODY_BYTES) chunks.push(c);
    });
    req.on('end', () => resolve(size <= MAX_BODY_BYTES ? Buffer.concat(chunks) : undefined));
    req.on('error', reject);
  });
}

export async function startAlertReceiver(port: number, file: string): Promise<AlertReceiver> {
  const counters = new Counters('demo_receiver');
  const seen = new Set<string>();
  // Appends one after another, so lines never interleave.
  let writing: Promise<void> = Promise.resolve();

  const server = createServer((req, res) => {
    if (req.method !== 'POST' || req.url !== '/alerts') {
      res.writeHead(404).end();
      return;
    }
    void readBody(req)
      .then(async (bytes) => {
        let parsed: z.ZodSafeParseResult<z.infer<typeof WebhookBody>> | undefined;
        try {
          parsed = bytes ? WebhookBody.safeParse(JSON.parse(bytes.toString('utf8'))) : undefined;
        } catch {
          parsed = undefined;
        }
        if (!parsed?.success) {
          counters.inc('refused');
          res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"not an rmwatch alert"}');
          return;
        }
        const key = parsed.data.idempotency_key;
        if (!seen.has(key)) {
          const line = `${JSON.stringify({ received_at: new Date().toISOString(), ...parsed.data })}\n`;
          const write = writing.catch(() => undefined).then(() => appendFile(file, line, 'utf8'));
          writing = write;
          await write;
          seen.add(key);
          counters.inc('received');
        } else counters.inc('redelivered');
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      })
      .catch(() => {
        counters.inc('failed');
        // 500 makes the alert stage retry: nothing is lost when the log cannot be written for a moment.
        if (!res.headersSent) res.writeHead(500).end();
      });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return {
    url: `http://127.0.0.1:${port}/alerts`,
    counters,
    received: () => counters.get('received'),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
