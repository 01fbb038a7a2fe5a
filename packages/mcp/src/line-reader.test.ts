import { describe, expect, it } from 'vitest';
import { LineReader, responseIdOf, type LineEvent } from './line-reader.js';

const lines = (events: LineEvent[]) =>
  events.map((e) => ('line' in e ? e.line.toString() : `oversized ${e.oversized.bytes}`));

describe('LineReader', () => {
  it('splits lines across and within chunks', () => {
    const reader = new LineReader(100);
    expect(lines(reader.push(Buffer.from('{"a":')))).toEqual([]);
    expect(lines(reader.push(Buffer.from('1}\n{"b":2}\n{"c"')))).toEqual(['{"a":1}', '{"b":2}']);
    expect(lines(reader.push(Buffer.from(':3}\n')))).toEqual(['{"c":3}']);
  });

  it('drops a line over the limit as it streams, keeps its ends, and goes on', () => {
    const reader = new LineReader(10);
    const head = '{"result":"';
    expect(reader.push(Buffer.from(head))).toEqual([]);
    expect(reader.push(Buffer.from('x'.repeat(5000)))).toEqual([]);
    const events = reader.push(Buffer.from('"},"jsonrpc":"2.0","id":7}\n{"ok":1}\n'));
    expect(lines(events)).toEqual([`oversized ${head.length + 5000 + 26}`, '{"ok":1}']);
    const dropped = events[0] as Extract<LineEvent, { oversized: unknown }>;
    expect(dropped.oversized.head.startsWith(head)).toBe(true);
    expect(dropped.oversized.head.length).toBe(512);
    expect(dropped.oversized.tail.endsWith('"id":7}')).toBe(true);
    expect(responseIdOf(dropped.oversized.head, dropped.oversized.tail)).toBe(7);
  });
});

describe('responseIdOf', () => {
  it('finds the id of a response at either end, and none for a request or notification', () => {
    expect(responseIdOf('{"result":{"content":[', '],"jsonrpc":"2.0","id":12}')).toBe(12);
    expect(responseIdOf('{"jsonrpc":"2.0","id":"abc","result":{', 'xxx}}')).toBe('abc');
    expect(responseIdOf('{"jsonrpc":"2.0","id":3,"error":{', 'zz"}}')).toBe(3);
    expect(
      responseIdOf('{"method":"sampling/createMessage","params":{', '"id":4}'),
    ).toBeUndefined();
    expect(responseIdOf('{"method":"notifications/message","params":{', '}}')).toBeUndefined();
    expect(responseIdOf('{"result":{"text":"', 'no id here"}}')).toBeUndefined();
  });
});
