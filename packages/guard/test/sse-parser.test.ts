import { describe, expect, it } from 'vitest';
import { SseParser, type SseEvent } from '../src/feed/sse-parser.js';

const parse = (chunks: readonly string[]): SseEvent[] => {
  const events: SseEvent[] = [];
  const parser = new SseParser((event) => events.push(event));
  for (const chunk of chunks) parser.push(chunk);
  return events;
};

describe('SseParser', () => {
  it('parses named events with ids, default type and comments', () => {
    const events = parse([
      ': comment\n',
      'event: revocation\nid: 7\ndata: {"seq":7}\n\n',
      'data: plain\n\n',
      'event: heartbeat\ndata: {"head":7}\n\n',
    ]);
    expect(events).toEqual([
      { event: 'revocation', data: '{"seq":7}', id: '7' },
      { event: 'message', data: 'plain', id: '7' },
      { event: 'heartbeat', data: '{"head":7}', id: '7' },
    ]);
  });

  it('handles every split point, CRLF and CR line ends', () => {
    const text = 'event: revocation\r\nid: 1\r\ndata: a\r\ndata: b\r\n\r\nevent: x\rdata: c\r\r';
    const whole = parse([text]);
    expect(whole).toEqual([
      { event: 'revocation', data: 'a\nb', id: '1' },
      { event: 'x', data: 'c', id: '1' },
    ]);
    for (let i = 1; i < text.length; i++) expect(parse([text.slice(0, i), text.slice(i)])).toEqual(whole);
    expect(parse([...text])).toEqual(whole);
  });

  it('does not dispatch events without data, strips one leading space and a BOM', () => {
    expect(parse(['\uFEFFevent: e\n\n', 'data:  two spaces\n\n', 'data\n\n'])).toEqual([
      { event: 'message', data: ' two spaces', id: '' },
      { event: 'message', data: '', id: '' },
    ]);
  });

  it('keeps a partial event until it completes and reports retry', () => {
    const events: SseEvent[] = [];
    const retries: number[] = [];
    const parser = new SseParser(
      (event) => events.push(event),
      (ms) => retries.push(ms),
    );
    parser.push('retry: 1500\nid: 3\ndata: {"par');
    expect(events).toEqual([]);
    parser.push('tial":true}\n');
    expect(events).toEqual([]);
    parser.push('\n');
    expect(events).toEqual([{ event: 'message', data: '{"partial":true}', id: '3' }]);
    expect(retries).toEqual([1500]);
    expect(parser.lastEventId).toBe('3');
  });

  it('drops a partial event on reset', () => {
    const events: SseEvent[] = [];
    const parser = new SseParser((event) => events.push(event));
    parser.push('data: lost');
    parser.reset();
    parser.push('\n\ndata: kept\n\n');
    expect(events).toEqual([{ event: 'message', data: 'kept', id: '' }]);
  });
});
