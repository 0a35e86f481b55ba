import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/test-server.js';

describe('registering OpenID Connect clients', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t.close());

  it('stores and lists redirect URIs, logout URIs, the auth method and the consent flag', async () => {
    const created = await t.api('POST', '/v1/clients', {
      name: 'Grafana',
      type: 'confidential',
      redirect_uris: ['https://grafana.example/login/generic_oauth', 'http://127.0.0.1:3000/cb'],
      post_logout_redirect_uris: ['https://grafana.example/'],
      backchannel_logout_uri: 'https://grafana.example/bcl',
      backchannel_logout_session_required: true,
      token_endpoint_auth_method: 'client_secret_post',
      consent: 'required',
    });
    expect(created.status).toBe(201);
    const expected = {
      redirect_uris: ['https://grafana.example/login/generic_oauth', 'http://127.0.0.1:3000/cb'],
      post_logout_redirect_uris: ['https://grafana.example/'],
      backchannel_logout_uri: 'https://grafana.example/bcl',
      backchannel_logout_session_required: true,
      token_endpoint_auth_method: 'client_secret_post',
      consent: 'required',
      grant_types: ['authorization_code', 'client_credentials', 'refresh_token'],
    };
    expect(created.body).toMatchObject(expected);
    const listed = await t.api('GET', '/v1/clients');
    expect(listed.body.clients.find((c: any) => c.client_id === created.body.client_id)).toMatchObject(
      expected,
    );
  });

  it('defaults: a public client authenticates with none, a confidential one with client_secret_basic', async () => {
    const spa = await t.api('POST', '/v1/clients', {
      name: 'SPA',
      type: 'public',
      redirect_uris: ['https://spa.example/cb'],
    });
    expect(spa.body).toMatchObject({
      token_endpoint_auth_method: 'none',
      consent: 'none',
      backchannel_logout_uri: null,
      grant_types: ['authorization_code', 'refresh_token'],
    });
    const web = await t.api('POST', '/v1/clients', { name: 'Web', type: 'confidential' });
    expect(web.body.token_endpoint_auth_method).toBe('client_secret_basic');
    expect(web.body.redirect_uris).toEqual([]);
  });

  it.each([
    ['a relative URI', { redirect_uris: ['/cb'] }, 'redirect_uris: "/cb" is not an absolute URL'],
    ['a fragment', { redirect_uris: ['https://a.example/cb#x'] }, 'has a fragment'],
    ['http off loopback', { redirect_uris: ['http://a.example/cb'] }, 'use https'],
    ['a custom scheme', { redirect_uris: ['javascript:alert(1)'] }, 'scheme javascript'],
    ['credentials', { redirect_uris: ['https://u:p@a.example/cb'] }, 'carries credentials'],
    [
      'a bad logout URI',
      { post_logout_redirect_uris: ['http://evil.example/'] },
      'post_logout_redirect_uris',
    ],
    ['a bad back-channel URI', { backchannel_logout_uri: 'ftp://a.example/' }, 'backchannel_logout_uri'],
    [
      'a public client with a secret method',
      { token_endpoint_auth_method: 'client_secret_basic' },
      'must be "none"',
    ],
    ['the code grant without redirect URIs', { grant_types: ['authorization_code'] }, 'needs at least one'],
  ])('refuses %s with a 400 naming the field, and registers nothing', async (_what, extra, message) => {
    const before = (await t.api('GET', '/v1/clients')).body.clients.length;
    const response = await t.api('POST', '/v1/clients', { name: 'Bad', type: 'public', ...extra });
    expect(response.status).toBe(400);
    expect(response.body.code).toBe('ERR_VALIDATION');
    expect(response.body.message).toContain(message);
    expect((await t.api('GET', '/v1/clients')).body.clients).toHaveLength(before);
  });

  it('refuses none as the method of a confidential client', async () => {
    const response = await t.api('POST', '/v1/clients', {
      name: 'Bad',
      type: 'confidential',
      token_endpoint_auth_method: 'none',
    });
    expect(response.status).toBe(400);
    expect(response.body.message).toContain('not "none"');
  });
});
