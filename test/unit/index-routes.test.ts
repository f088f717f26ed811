// Where the sink puts an event: read off the front of the bytes when the normaliser wrote them, parsed when
// another producer wrote them otherwise, refused with a reason when nothing places them.
import { describe, expect, it } from 'vitest';
import { eventPlacement, sinkRoutes } from '../../processors/index/routes.ts';
import type { IncomingRecord } from '../../infra/kafka.ts';

const placedAt = { '@timestamp': '2026-10-05T01:02:03.000Z', event: { id: 'ev-1' } };
const event = { ...placedAt, event: { ...placedAt.event, action: 'logon' }, message: 'ログオン' };
const [eventsRoute] = sinkRoutes({ namespace: 'u.' }, ['events']);
if (!eventsRoute) throw new Error('the events route is missing');
const record = (value: string | Buffer | null): IncomingRecord => ({
  topic: 'u.rm.events',
  partition: 0,
  offset: '7',
  key: 'k',
  value: value === null ? null : Buffer.isBuffer(value) ? value : Buffer.from(value),
  headers: {},
  timestamp: '0',
});

describe('placing an event', () => {
  it("reads the time and id off the front of the normaliser's bytes", () => {
    expect(eventPlacement(Buffer.from(JSON.stringify(event)))).toEqual(placedAt);
  });

  it('parses text whose fields come in another order', () => {
    const { '@timestamp': at, ...rest } = event;
    expect(eventPlacement(Buffer.from(JSON.stringify({ ...rest, '@timestamp': at })))).toEqual(placedAt);
  });

  it('refuses an event without a valid time or id, with the field named', () => {
    expect(eventPlacement(Buffer.from(JSON.stringify({ ...event, '@timestamp': 'yesterday' })))).toMatch(
      /@timestamp/,
    );
    expect(eventPlacement(Buffer.from(JSON.stringify({ ...event, event: { id: 'a b' } })))).toMatch(
      /event\.id/,
    );
    expect(eventPlacement(Buffer.from('not json'))).toMatch(/^not JSON/);
  });

  it('sends the bytes as they came, Japanese included', () => {
    const bytes = Buffer.from(JSON.stringify(event));
    const doc = eventsRoute.document(record(bytes));
    expect(doc).toMatchObject({ index: 'u.rm-events-2026.10', id: 'ev-1' });
    expect(typeof doc !== 'string' && doc.source).toBe(bytes);
  });

  it('writes an event spread over several lines on one line, so it cannot break the bulk body', () => {
    const doc = eventsRoute.document(record(JSON.stringify(event, null, 2)));
    expect(typeof doc !== 'string' && JSON.parse(Buffer.from(doc.source ?? []).toString('utf8'))).toEqual(
      event,
    );
    expect(typeof doc !== 'string' && Buffer.from(doc.source ?? []).includes(0x0a)).toBe(false);
  });

  it('refuses an empty record', () => {
    expect(eventsRoute.document(record(null))).toMatch(/empty record/);
  });
});
