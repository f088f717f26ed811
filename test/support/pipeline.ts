// Device lines into the raw topics as the collectors write them: syslog runs through kcat (a router's relay),
// Windows events through the adapter, each with its receive metadata as headers.
import { TOPICS, topicName } from '../../infra/topics.ts';
import { toHeaders, type ReceiveMetadata } from '../../model/raw.ts';
import { kcat, type Harness } from './harness.ts';
import type { RawLine } from './scenario.ts';

export function receiveMetadata(line: RawLine, receivedAt: string): ReceiveMetadata {
  return {
    received_at: receivedAt,
    peer: line.device,
    transport: line.format === 'syslog' ? 'udp' : 'http',
    charset: 'utf-8',
    format: line.format,
    timezone: 'Asia/Tokyo',
  };
}

/** Sends the lines in order: one kcat per run of syslog lines from one device, keeping their order. */
export async function sendRawLines(h: Harness, lines: readonly RawLine[], receivedAt: string): Promise<void> {
  for (let i = 0; i < lines.length;) {
    const line = lines[i] as RawLine;
    let j = i + 1;
    while (j < lines.length && lines[j]?.format === line.format && lines[j]?.device === line.device) j++;
    const run = lines.slice(i, j);
    const headers = toHeaders(receiveMetadata(line, receivedAt));
    if (line.format === 'syslog') {
      const args = Object.entries(headers).flatMap(([k, v]) => ['-H', `${k}=${v}`]);
      const text = run.map((l) => `${l.text}\n`).join('');
      await kcat(
        ['-P', '-t', topicName(h.config, TOPICS.rawSyslog), '-k', line.device, ...args],
        h.config,
        text,
      );
    } else
      await h.bus.produce(
        topicName(h.config, TOPICS.rawWindows),
        run.map((l) => ({ key: l.device, value: l.text, headers })),
      );
    i = j;
  }
}
