import { describe, expect, it } from 'vitest';
import {
  parseSplunkHecConfig,
  SPLUNK_HEC_SECRET_FIELDS,
} from '../../src/domain/destinations/splunk-hec-config.js';
import { parseSyslogConfig } from '../../src/domain/destinations/syslog-config.js';

const fields = (result: { ok: boolean; errors?: readonly { field: string }[] }) =>
  result.ok ? [] : result.errors!.map((error) => error.field);

describe('splunk_hec configuration', () => {
  it('fills the defaults and points at the event endpoint', () => {
    expect(
      parseSplunkHecConfig({ type: 'splunk_hec', url: 'https://splunk.example:8088', token: 't-1' }),
    ).toEqual({
      ok: true,
      config: {
        type: 'splunk_hec',
        url: 'https://splunk.example:8088/services/collector/event',
        token: 't-1',
        index: null,
        sourcetype: 'cutoff:audit',
        host: null,
        source: 'cutoff',
        ca: null,
        gzip: false,
        timeoutMs: 10_000,
      },
    });
    const full = parseSplunkHecConfig({
      url: 'https://splunk.example/hec/services/collector/event/',
      token: 't',
      index: 'security',
      sourcetype: 'x',
      host: 'auth-1',
      source: 'cutoff-eu',
      gzip: true,
      timeout_ms: 2000,
    });
    expect(full.ok && full.config).toMatchObject({
      url: 'https://splunk.example/hec/services/collector/event',
      index: 'security',
      gzip: true,
      timeoutMs: 2000,
    });
  });

  it('allows http on a loopback address only', () => {
    expect(parseSplunkHecConfig({ url: 'http://127.0.0.1:8088', token: 't' }).ok).toBe(true);
    const remote = parseSplunkHecConfig({ url: 'http://splunk.example:8088', token: 't' });
    expect(remote).toEqual({
      ok: false,
      errors: [{ field: 'url', message: 'uses http on a host other than a loopback address (use https)' }],
    });
  });

  it('reports every bad field at once', () => {
    const result = parseSplunkHecConfig({
      url: 'ftp://x',
      index: 3,
      gzip: 'yes',
      timeout_ms: 5,
      colour: 'red',
    });
    expect(fields(result).sort()).toEqual(['colour', 'gzip', 'index', 'timeout_ms', 'token', 'url']);
    expect(fields(parseSplunkHecConfig(null))).toContain('');
    expect(fields(parseSplunkHecConfig({ url: 'https://u:p@splunk.example', token: 't' }))).toEqual(['url']);
    expect(fields(parseSplunkHecConfig({ url: 'https://s.example', token: 'a\r\nX-Evil: 1' }))).toEqual([
      'token',
    ]);
  });

  it('never echoes the token in an error and names it as the secret to seal', () => {
    const secret = 'hec-secret-0123456789';
    const result = parseSplunkHecConfig({ url: 'not a url', token: secret, index: '' });
    expect(JSON.stringify(result)).not.toContain(secret);
    expect(SPLUNK_HEC_SECRET_FIELDS).toEqual(['token']);
  });
});

describe('syslog configuration', () => {
  const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

  it('defaults to TLS on 6514, app name cutoff, facility authpriv', () => {
    expect(parseSyslogConfig({ type: 'syslog', host: 'siem.example' })).toEqual({
      ok: true,
      config: {
        type: 'syslog',
        host: 'siem.example',
        port: 6514,
        transport: 'tls',
        ca: null,
        serverName: null,
        appName: 'cutoff',
        hostname: null,
        facility: 10,
        timeoutMs: 10_000,
      },
    });
    const named = parseSyslogConfig({ host: 'h', port: 1514, ca: PEM, facility: 'local4', app_name: 'auth' });
    expect(named.ok && named.config).toMatchObject({ port: 1514, ca: PEM, facility: 20, appName: 'auth' });
    expect(parseSyslogConfig({ host: 'h', facility: 4 }).ok).toBe(true);
  });

  it('allows plain tcp to a loopback relay only', () => {
    expect(parseSyslogConfig({ host: '127.0.0.1', port: 514, transport: 'tcp' }).ok).toBe(true);
    expect(fields(parseSyslogConfig({ host: 'siem.example', transport: 'tcp' }))).toEqual(['transport']);
    expect(fields(parseSyslogConfig({ host: '127.0.0.1', transport: 'tcp', ca: PEM }))).toEqual(['ca']);
  });

  it('reports every bad field at once', () => {
    const result = parseSyslogConfig({
      port: 70_000,
      transport: 'udp',
      ca: 'not pem',
      app_name: 'has space',
      hostname: 'x'.repeat(300),
      facility: 'bogus',
    });
    expect(fields(result).sort()).toEqual([
      'app_name',
      'ca',
      'facility',
      'host',
      'hostname',
      'port',
      'transport',
    ]);
    expect(fields(parseSyslogConfig({ host: 'h', facility: 24 }))).toEqual(['facility']);
  });
});
