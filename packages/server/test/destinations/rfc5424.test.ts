import { describe, expect, it } from 'vitest';
import {
  escapeParamValue,
  formatSyslogMessage,
  octetCountedFrame,
  syslogPri,
} from '../../src/domain/destinations/rfc5424.js';
import { outboundEvents } from '../support/outbound-events.js';

const HEADER = { facility: 10, hostname: 'auth-1', appName: 'cutoff', procId: '42' };

describe('RFC 5424 messages', () => {
  it('escapes ", \\ and ] in SD-PARAM values (section 6.3.3) and nothing else', () => {
    expect(escapeParamValue('a"b\\c]d[e=f')).toBe('a\\"b\\\\c\\]d[e=f');
  });

  it('computes PRI as facility * 8 + the severity of the action', () => {
    expect(syslogPri(10, 'user.revoked')).toBe(85); // authpriv.notice
    expect(syslogPri(10, 'login.failed')).toBe(84); // authpriv.warning
    expect(syslogPri(4, 'login.succeeded')).toBe(38); // auth.info
  });

  it('lays out header, structured data and a BOM-prefixed JSON MSG', () => {
    const [item] = outboundEvents(1);
    const message = formatSyslogMessage({ ...item!, id: 'we]ird"name:1' }, HEADER);
    expect(message).toBe(
      `<85>1 ${item!.event.ts} auth-1 cutoff 42 user.revoked ` +
        `[cutoff@32473 id="we\\]ird\\"name:1" seq="1" hash="${item!.event.hash}" prev_hash="${item!.event.prev_hash}"] ` +
        `\ufeff${JSON.stringify(item!.payload)}`,
    );
  });

  it('keeps header fields within their RFC 5424 alphabet and length', () => {
    const [item] = outboundEvents(1);
    const long = { ...item!, event: { ...item!.event, action: `a.${'x'.repeat(40)}` } };
    const message = formatSyslogMessage(long, { ...HEADER, hostname: 'has space', appName: '' });
    const [, , hostname, appName, , msgId] = message.split(' ');
    expect(hostname).toBe('has_space');
    expect(appName).toBe('-');
    expect(msgId).toHaveLength(32);
  });

  it('frames with the length in octets, not characters (RFC 6587 section 3.4.1)', () => {
    const frame = octetCountedFrame('ü€');
    expect(frame.toString('utf8')).toBe('5 ü€');
  });
});
