// A real rsyslogd with a configuration of the test's own, and certificates made with openssl.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCommand } from '../../infra/stack/processes.ts';

export interface Certificates {
  dir: string;
  ca: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
}

/** A CA, a server certificate for localhost/127.0.0.1, and a client certificate, all signed by the CA. */
export async function makeCertificates(): Promise<Certificates> {
  const dir = mkdtempSync(join(tmpdir(), 'rmwatch-certs-'));
  const p = (name: string) => join(dir, name);
  const ssl = (...args: string[]) => runCommand('openssl', args, { cwd: dir });
  await ssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    p('ca.key'),
    '-out',
    p('ca.pem'),
    '-days',
    '2',
    '-subj',
    '/CN=rmwatch test CA',
  );
  for (const [name, cn, ext] of [
    ['server', 'localhost', 'subjectAltName=DNS:localhost,IP:127.0.0.1'],
    ['client', 'rsyslog-client', 'extendedKeyUsage=clientAuth'],
  ] as const) {
    await ssl(
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      p(`${name}.key`),
      '-out',
      p(`${name}.csr`),
      '-subj',
      `/CN=${cn}`,
    );
    writeFileSync(p(`${name}.ext`), `${ext}\n`);
    await ssl(
      'x509',
      '-req',
      '-in',
      p(`${name}.csr`),
      '-CA',
      p('ca.pem'),
      '-CAkey',
      p('ca.key'),
      '-CAcreateserial',
      '-out',
      p(`${name}.pem`),
      '-days',
      '2',
      '-extfile',
      p(`${name}.ext`),
    );
  }
  return {
    dir,
    ca: p('ca.pem'),
    serverCert: p('server.pem'),
    serverKey: p('server.key'),
    clientCert: p('client.pem'),
    clientKey: p('client.key'),
  };
}

export interface Rsyslog {
  dir: string;
  stop(): Promise<void>;
}

/** Starts rsyslogd in the foreground on `config` (its own work directory and pid file). */
export async function startRsyslog(config: (workDir: string) => string): Promise<Rsyslog> {
  const dir = mkdtempSync(join(tmpdir(), 'rmwatch-rsyslog-'));
  const confPath = join(dir, 'rsyslog.conf');
  writeFileSync(confPath, config(dir));
  await runCommand('rsyslogd', ['-N1', '-f', confPath]).catch((err: Error) => {
    throw new Error(
      `rsyslog refused the test configuration:\n${readFileSync(confPath, 'utf8')}\n${err.message}`,
    );
  });
  const child: ChildProcess = spawn('rsyslogd', ['-n', '-f', confPath, '-i', join(dir, 'rsyslogd.pid')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (b: Buffer) => (stderr += b.toString()));
  await new Promise((r) => setTimeout(r, 700));
  if (child.exitCode !== null) throw new Error(`rsyslogd exited: ${stderr}`);
  return {
    dir,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
