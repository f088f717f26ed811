// Real receivers a test can send alerts to and look at what arrived: an HTTP endpoint (webhook, Slack, Teams)
// and an SMTP server with STARTTLS. Both can be told to misbehave the way real receivers do (an error status,
// a slow answer, being down, refusing a mail), so delivery errors are tested against the real protocol.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface ReceivedRequest {
  method: string;
  /** Path and query, e.g. `/hooks/T000/B000/secret`. */
  path: string;
  headers: IncomingHttpHeaders;
  /** The body as text (UTF-8). */
  text: string;
  /** The body parsed as JSON; undefined when it is not JSON. */
  body: unknown;
  /** The status this receiver answered with. */
  status: number;
}

export interface HttpReceiver {
  /** `http://127.0.0.1:<port>`; append any path. */
  readonly origin: string;
  readonly port: number;
  /** Every request, in arrival order, including those answered with an error status. */
  readonly requests: ReceivedRequest[];
  /** Answer the next `times` requests with `status` (and `body`, `headers`); later ones get 200 again. */
  failNext(status: number, times?: number, body?: string, headers?: Record<string, string>): void;
  /** Wait `ms` before answering every following request (0: answer at once again). */
  slowDown(ms: number): void;
  /** Stop listening and drop open connections, so senders get "connection refused". */
  down(): Promise<void>;
  /** Listen again on the same port. */
  up(): Promise<void>;
  /** Resolves once at least `count` requests arrived (rejects after `timeoutMs`). */
  waitForRequests(count: number, timeoutMs?: number): Promise<ReceivedRequest[]>;
  close(): Promise<void>;
}

export async function startHttpReceiver(): Promise<HttpReceiver> {
  const requests: ReceivedRequest[] = [];
  const failures: { status: number; body: string; headers: Record<string, string> }[] = [];
  let delayMs = 0;
  let server: Server | undefined;
  let port = 0;
  const pending = new Set<ServerResponse>();

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const s = createServer((req, res) => {
        const chunks: Buffer[] = [];
        req.on('data', (c: Buffer) => chunks.push(c));
        req.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const failure = failures.shift();
          const status = failure?.status ?? 200;
          requests.push({
            method: req.method ?? '',
            path: req.url ?? '',
            headers: req.headers,
            text,
            body: parseJson(text),
            status,
          });
          const answer = () => {
            pending.delete(res);
            if (res.destroyed) return;
            res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...failure?.headers });
            res.end(failure?.body ?? (status < 300 ? 'ok' : `status ${status}`));
          };
          pending.add(res);
          if (delayMs > 0) setTimeout(answer, delayMs);
          else answer();
        });
      });
      s.once('error', reject);
      s.listen(port, '127.0.0.1', () => {
        s.off('error', reject);
        port = (s.address() as AddressInfo).port;
        server = s;
        resolve();
      });
    });

  const stop = async () => {
    const s = server;
    if (!s) return;
    server = undefined;
    for (const res of pending) res.destroy();
    pending.clear();
    const closed = new Promise<void>((resolve) => s.close(() => resolve()));
    s.closeAllConnections();
    await closed;
    // Let clients see their kept-alive connections end, so that their next request opens a new connection
    // and is refused, as with a receiver that is really down.
    await new Promise((r) => setTimeout(r, 50));
  };

  await listen();
  return {
    get origin() {
      return `http://127.0.0.1:${port}`;
    },
    get port() {
      return port;
    },
    requests,
    failNext(status, times = 1, body, headers = {}) {
      for (let i = 0; i < times; i++) failures.push({ status, body: body ?? `status ${status}`, headers });
    },
    slowDown(ms) {
      delayMs = ms;
    },
    down: stop,
    up: listen,
    waitForRequests: (count, timeoutMs = 10_000) =>
      waitUntil(() => requests.length >= count, timeoutMs, requests),
    close: stop,
  };
}

export interface ReceivedMail {
  /** The envelope sender and recipients as the client gave them in MAIL FROM / RCPT TO. */
  envelope: { from: string; to: string[] };
  /** Whether the mail came over TLS (STARTTLS or implicit). */
  secure: boolean;
  /** The authenticated user, when the client logged in. */
  user?: string;
  /** The raw message as received. */
  raw: Buffer;
  /** The message as mailparser decodes it (MIME-decoded subject, text, html, headers). */
  parsed: ParsedMail;
}

export interface SmtpReceiverOptions {
  /** Require this login (offered only after STARTTLS). */
  auth?: { user: string; pass: string };
  /** TLS from the first byte (as on port 465) instead of STARTTLS. */
  secure?: boolean;
}

export interface SmtpReceiver {
  readonly host: string;
  readonly port: number;
  /** PEM file of the server's self-signed certificate, for the client to trust it as its CA. */
  readonly caFile: string;
  /** Every accepted mail, in arrival order. */
  readonly mails: ReceivedMail[];
  /** Refuse the next `times` mails after DATA with `code` (e.g. 451, 550). */
  rejectNext(code: number, times?: number, message?: string): void;
  waitForMails(count: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  close(): Promise<void>;
}

export async function startSmtpReceiver(options: SmtpReceiverOptions = {}): Promise<SmtpReceiver> {
  const { certFile, keyFile } = await selfSignedCertificate();
  const [cert, key] = await Promise.all([readFile(certFile), readFile(keyFile)]);
  const mails: ReceivedMail[] = [];
  const rejections: { code: number; message: string }[] = [];

  const server = new SMTPServer({
    secure: options.secure ?? false,
    key,
    cert,
    logger: false,
    disabledCommands: options.auth ? [] : ['AUTH'],
    authOptional: !options.auth,
    // Login only over TLS, as a real relay requires; a successful login then also proves TLS was used.
    allowInsecureAuth: false,
    onAuth(auth, _session, callback) {
      if (options.auth && auth.username === options.auth.user && auth.password === options.auth.pass) {
        callback(null, { user: auth.username });
      } else {
        callback(Object.assign(new Error('authentication failed'), { responseCode: 535 }));
      }
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const rejection = rejections.shift();
        if (rejection) {
          callback(Object.assign(new Error(rejection.message), { responseCode: rejection.code }));
          return;
        }
        const raw = Buffer.concat(chunks);
        simpleParser(raw).then(
          (parsed) => {
            const from = session.envelope.mailFrom;
            mails.push({
              envelope: {
                from: from ? from.address : '',
                to: session.envelope.rcptTo.map((r) => r.address),
              },
              secure: session.secure,
              ...(typeof session.user === 'string' ? { user: session.user } : {}),
              raw,
              parsed,
            });
            callback();
          },
          (err: unknown) => callback(err instanceof Error ? err : new Error(String(err))),
        );
      });
    },
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  // A client that hangs up mid-session is not the receiver's failure.
  server.on('error', () => undefined);
  const port = (server.server.address() as AddressInfo).port;

  return {
    host: '127.0.0.1',
    port,
    caFile: certFile,
    mails,
    rejectNext(code, times = 1, message) {
      for (let i = 0; i < times; i++) rejections.push({ code, message: message ?? `rejected with ${code}` });
    },
    waitForMails: (count, timeoutMs = 10_000) => waitUntil(() => mails.length >= count, timeoutMs, mails),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

let certificate: Promise<{ certFile: string; keyFile: string }> | undefined;

/** One self-signed certificate for 127.0.0.1 / localhost per test process (generating one takes a moment). */
function selfSignedCertificate(): Promise<{ certFile: string; keyFile: string }> {
  certificate ??= (async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rmwatch-smtp-'));
    const certFile = join(dir, 'cert.pem');
    const keyFile = join(dir, 'key.pem');
    await promisify(execFile)('openssl', [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ]);
    return { certFile, keyFile };
  })();
  return certificate;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

async function waitUntil<T>(done: () => boolean, timeoutMs: number, value: T): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`receiver: not reached within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return value;
}
