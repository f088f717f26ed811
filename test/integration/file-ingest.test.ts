// `rmwatch ingest` of exported files against the real broker: a binary .evtx copied off an RD Gateway lands
// on rm.raw.rdgateway as event XML, one record per event; the records of an .evtx the decoder cannot read land
// on rm.deadletter with their bytes and the reason, and the command says how many it sent.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOPICS, topicName } from '../../infra/topics.ts';
import { DeadLetter, fromHeaders } from '../../model/index.ts';
import { corpus, corpusAvailable } from '../support/corpus.ts';
import { createHarness, type Harness, readTopic, rmwatch, setupNamespace } from '../support/harness.ts';

let h: Harness;
beforeAll(async () => {
  h = createHarness('ingest');
  await setupNamespace(h);
});
afterAll(async () => {
  await h.cleanup();
});

describe.skipIf(!corpusAvailable)('rmwatch ingest', () => {
  it('a gateway .evtx becomes its events on rm.raw.rdgateway; an undecodable one becomes dead letters', async () => {
    const gateway = corpus('rdgateway/hayabusa-sample-evtx/ID302_RDS_Gateway_Logon_Logoff.evtx');
    const undecodable = corpus(
      'windows/terminalservices/evtx-to-mitre-attack/ID1149_RDP_success_logins_multiple_hosts.evtx',
    );
    const result = await rmwatch(['ingest', gateway, undecodable], h.env);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toMatch(/ingested 27 records from 2 file\(s\)/);

    const events = await readTopic(h, topicName(h.config, TOPICS.rawRdGateway), 16);
    expect(events).toHaveLength(16);
    for (const record of events) {
      expect(record.value?.toString()).toMatch(
        /^<Event [\s\S]*<Channel>Microsoft-Windows-TerminalServices-Gateway/,
      );
      expect(fromHeaders(record.headers)).toMatchObject({
        transport: 'file',
        format: 'evtxml',
        peer: gateway,
      });
    }

    const letters = (await readTopic(h, topicName(h.config, TOPICS.deadLetter), 11)).map((r) =>
      DeadLetter.parse(JSON.parse(r.value?.toString() ?? '')),
    );
    expect(letters).toHaveLength(11);
    for (const letter of letters) {
      expect(letter).toMatchObject({ stage: 'ingest', source: undecodable });
      expect(letter.error).toMatch(/^\.evtx record \d+ could not be decoded/);
      expect(Buffer.from(letter.raw, 'base64').subarray(0, 2).toString()).toBe('**');
    }
  });
});
