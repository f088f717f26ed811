// The demo's own configuration: the `demo.` namespace on the same Kafka and Elasticsearch as the base
// configuration, every input on 127.0.0.1 (a demo must not open ports to the network), fresh tokens, and
// one webhook notifier pointing at the receiver the demo process runs.
//   input:  the resolved base configuration (where Kafka and Elasticsearch are), the ports and tokens chosen
//   output: the YAML text `rmwatch demo` writes to `<demo dir>/rmwatch.yaml` and hands to every stage
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { createSocket } from 'node:dgram';
import { stringify } from 'yaml';
import { RULE_IDS } from '../../model/finding.ts';
import type { ResolvedConfig } from '../config.ts';

export const DEMO_NAMESPACE = 'demo.';

export interface DemoPorts {
  syslog: number;
  windows: number;
  ledger: number;
  audit: number;
  alerts: number;
  webhook: number;
}

export interface DemoTokens {
  windows: string;
  ledger: string;
  audit: string;
  alerts: string;
}

export interface DemoSettings {
  namespace: string;
  dir: string;
  ports: DemoPorts;
  tokens: DemoTokens;
}

export const demoToken = (role: string) => `demo-${role}-${randomBytes(12).toString('hex')}`;

export function demoTokens(): DemoTokens {
  return {
    windows: demoToken('windows'),
    ledger: demoToken('ledger'),
    audit: demoToken('audit'),
    alerts: demoToken('alerts'),
  };
}

/** The demo's configuration as YAML. Base settings only where they say where the servers are. */
export function demoConfigYaml(base: ResolvedConfig, demo: DemoSettings): string {
  const local = (port: number) => ({ host: '127.0.0.1', port });
  const doc: Record<string, unknown> = {
    namespace: demo.namespace,
    ...(base.stack.embeddedKafka ? {} : { kafka: { brokers: base.kafka.brokers } }),
    ...(base.stack.embeddedElasticsearch ? {} : { elasticsearch: { url: base.elasticsearch.url } }),
    stack: {
      dir: base.stack.dir,
      kafkaPort: base.stack.kafkaPort,
      kafkaControllerPort: base.stack.kafkaControllerPort,
      elasticsearchPort: base.stack.elasticsearchPort,
      elasticsearchTransportPort: base.stack.elasticsearchTransportPort,
    },
    collectors: {
      syslog: {
        udp: local(demo.ports.syslog),
        tcp: local(demo.ports.syslog),
        // Its own journal: a production collector on this machine keeps the default one.
        journal: { dir: `${demo.dir}/journal/syslog` },
      },
      windows: {
        http: local(demo.ports.windows),
        tokens: [{ name: 'demo-shipper', token: demo.tokens.windows }],
      },
    },
    ledger: {
      http: local(demo.ports.ledger),
      tokens: [{ name: 'demo-admin', token: demo.tokens.ledger, role: 'admin' }],
    },
    audit: {
      http: local(demo.ports.audit),
      tokens: [{ name: 'demo-auditor', token: demo.tokens.audit, role: 'admin' }],
    },
    alerts: {
      // The demo plays the whole of today at once, mornings included: nothing is stale.
      maxAgeHours: null,
      notifiers: [
        { name: 'demo-webhook', type: 'webhook', url: `http://127.0.0.1:${demo.ports.webhook}/alerts` },
      ],
      routes: [
        { name: 'findings', match: { rules: [...RULE_IDS] }, notifiers: ['demo-webhook'] },
        {
          name: 'notices',
          match: { notices: ['session_start', 'session_end'] },
          notifiers: ['demo-webhook'],
        },
      ],
      retry: { initialMs: 200, parkedInitialMs: 2000, parkedMaxMs: 10000 },
      http: local(demo.ports.alerts),
      tokens: [{ name: 'demo-oncall', token: demo.tokens.alerts, role: 'oncall' }],
    },
    links: { auditApi: `http://127.0.0.1:${demo.ports.audit}` },
    log: { level: base.log.level === 'info' ? 'warn' : base.log.level },
  };
  return `# Written by \`rmwatch demo\`; rewritten on every run.\n${stringify(doc)}`;
}

/** The first of `count` consecutive ports free on 127.0.0.1 (the stages' metrics ports follow each other). */
export async function freePortRange(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const first = await freePort();
    if (first + count > 65535) continue;
    const rest = await Promise.all(Array.from({ length: count - 1 }, (_, i) => portFree(first + 1 + i)));
    if (rest.every(Boolean)) return first;
  }
  throw new Error(`no ${count} consecutive free ports for the demo on 127.0.0.1`);
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A port free for both TCP and UDP on 127.0.0.1 (the syslog collector listens on both). */
export async function freePort(udpToo = false): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const server = createServer();
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => {
        const address = server.address();
        server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
      });
    });
    if (!udpToo) return port;
    const udpFree = await new Promise<boolean>((resolve) => {
      const socket = createSocket('udp4');
      socket.once('error', () => resolve(false));
      socket.bind(port, '127.0.0.1', () => socket.close(() => resolve(true)));
    });
    if (udpFree) return port;
  }
  throw new Error('no free port for the demo on 127.0.0.1');
}
