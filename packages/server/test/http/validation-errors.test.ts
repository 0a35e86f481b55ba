import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/test-server.js';

/** Issue #17: a bad value gets one message naming the field and what it takes. */
describe('validation errors say what to send', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t.close());

  const expectOneMessage = (body: { code: string; message: string }, message: string): void => {
    expect(body.code).toBe('ERR_VALIDATION');
    expect(body.message).toBe(message);
  };

  it('names the allowed target types once for a bad target.type', async () => {
    const response = await t.api('POST', '/v1/revocations', {
      target: { type: 'tenant', id: 'x' },
      reason: 'manual',
    });
    expect(response.status).toBe(400);
    expectOneMessage(
      response.body,
      'target.type must be one of session, token, user, group, role, client, all',
    );
  });

  it('names the allowed reasons once for a bad reason', async () => {
    const response = await t.api('POST', '/v1/revocations', {
      target: { type: 'user', id: 'usr_x' },
      reason: 'fired',
    });
    expect(response.status).toBe(400);
    expectOneMessage(
      response.body,
      'reason must be one of offboarding, security_incident, role_change, contractor_end, credential_change, manual',
    );
  });

  it('names the allowed formats once for a bad ?format', async () => {
    const response = await t.api('GET', '/v1/reports/groups/eng?format=pdf');
    expect(response.status).toBe(400);
    expectOneMessage(response.body, 'format must be one of json, csv, html');
  });

  it('names missing and unknown fields, and wrong types, by their path', async () => {
    const missing = await t.api('POST', '/v1/revocations', { target: { type: 'user' }, reason: 'manual' });
    expectOneMessage(missing.body, 'target.id is required');
    const unknown = await t.api('POST', '/v1/users', { username: 'ok-name', colour: 'blue' });
    expectOneMessage(unknown.body, 'colour is not a known field');
    const wrongType = await t.api('POST', '/v1/users', { username: 'ok-name', roles: ['a', 7] });
    expectOneMessage(wrongType.body, 'roles[1] must be a string');
    const nullable = await t.api('PATCH', '/v1/users/usr_nobody', { email: 'not-an-email' });
    expectOneMessage(nullable.body, 'email must be a valid email, or null');
  });
});
