// Windows records as they arrive in bulk → one raw record each, and the raw topic each belongs on.
import { TOPICS } from '../../infra/topics.ts';
import type { RawFormat } from '../../model/raw.ts';
import { jsonDocuments, splitXmlEvents } from '../../processors/normalize/files.ts';

const RD_GATEWAY = 'microsoft-windows-terminalservices-gateway';

/** The items of an HTTP body or file: NDJSON lines, a JSON array / `{"events": […]}`, or XML events. */
export function splitBody(body: Buffer, format: Exclude<RawFormat, 'syslog'>): Buffer[] {
  if (format === 'evtxml') return splitXmlEvents(body);
  // One JSON document (an array, `{"events": […]}`, one event); otherwise NDJSON, one event a line, and the
  // normaliser says what is wrong with any line that is not one.
  const documents = jsonDocuments(body);
  if (documents) return documents;
  const text = body.toString('utf8').replace(/^\uFEFF/, '');
  return text
    .split('\n')
    .map((l) => l.replace(/\r$/, ''))
    .filter((l) => l.trim() !== '')
    .map((l) => Buffer.from(l));
}

/** `rm.raw.rdgateway` for the RD Gateway's channel, else `rm.raw.windows`; and the computer, for the key. */
export function routeOf(record: Buffer): {
  topic: typeof TOPICS.rawWindows | typeof TOPICS.rawRdGateway;
  computer?: string;
} {
  // A cheap look at the text: the normaliser does the real parsing.
  const head = record.subarray(0, 8192).toString('utf8');
  const channel =
    /<Channel>([^<]*)<\/Channel>/.exec(head)?.[1] ??
    /"channel"\s*:\s*"([^"]*)"/i.exec(head)?.[1] ??
    /<Provider Name="([^"]*)"/.exec(head)?.[1] ??
    /"provider_name"\s*:\s*"([^"]*)"/.exec(head)?.[1] ??
    '';
  const computer =
    /<Computer>([^<]*)<\/Computer>/.exec(head)?.[1] ?? /"computer_name"\s*:\s*"([^"]*)"/.exec(head)?.[1];
  return {
    topic: channel.toLowerCase().startsWith(RD_GATEWAY) ? TOPICS.rawRdGateway : TOPICS.rawWindows,
    computer,
  };
}
