import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { LazyChildLogger } from '../../src/http/lazy-child-logger.js';

/** A real pino logger writing JSON lines into an array, redacting as the server's does. */
const capture = (level: string) => {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean))
        lines.push(JSON.parse(line) as Record<string, unknown>);
      callback();
    },
  });
  const logger = pino({ level, redact: { paths: ['*.secret'], censor: '[redacted]' } }, stream);
  return { logger, lines };
};

describe('LazyChildLogger (a request logger made on its first enabled call)', () => {
  it('writes enabled levels with the bindings and the redaction of a real child', () => {
    const { logger, lines } = capture('info');
    const child = new LazyChildLogger(logger, { reqId: 'req-1' }, {});
    child.info({ auth: { secret: 's3cret' } }, 'hello %s', 'world');
    child.error(new Error('boom'));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ reqId: 'req-1', msg: 'hello world', auth: { secret: '[redacted]' } });
    expect(lines[1]).toMatchObject({ reqId: 'req-1', level: 50, err: { message: 'boom' } });
  });

  it('writes nothing below the level, including the level given by the route', () => {
    const { logger, lines } = capture('info');
    const quiet = new LazyChildLogger(logger, { reqId: 'req-2' }, { level: 'error' });
    quiet.info('skipped');
    quiet.warn('skipped');
    quiet.debug('skipped');
    quiet.trace('skipped');
    quiet.silent('skipped');
    expect(lines).toHaveLength(0);
    quiet.error('kept');
    expect(lines).toMatchObject([{ reqId: 'req-2', msg: 'kept' }]);
    expect(quiet.level).toBe('error');
  });

  it('follows a level changed on the request logger, and its children keep the bindings', () => {
    const { logger, lines } = capture('warn');
    const child = new LazyChildLogger(logger, { reqId: 'req-3' }, {});
    expect(child.level).toBe('warn');
    child.debug('before');
    child.level = 'debug';
    child.debug('after');
    child.child({ step: 'grandchild' }).warn('nested');
    expect(lines.map((line) => line.msg)).toEqual(['after', 'nested']);
    expect(lines[1]).toMatchObject({ reqId: 'req-3', step: 'grandchild' });
  });
});
