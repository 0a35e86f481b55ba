import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UserId } from '../../src/domain/ids.js';
import { eventually, startProtectedApp, type ProtectedApp } from '../support/protected-app.js';
import { startTestServer, type TestServer } from '../support/test-server.js';
import { createUserWithEmail, nextSecond, postHook, writeHooksFile } from './hook-client.js';
import {
  bambooStatusChange,
  crowdstrikeDetection,
  datadogSignal,
  jiraTransition,
  serviceNowRequest,
  splunkAlert,
  VENDOR_SECRETS,
  VENDOR_SOURCES,
  workdayTermination,
} from './vendor-mappings.js';

type Vendor = keyof typeof VENDOR_SECRETS;

describe('HR, ITSM and SIEM webhooks cut the right user off, seen from a guard-protected app', () => {
  let t: TestServer;
  let app: ProtectedApp;
  let counter = 0;

  const user = async (roles: string[] = []) => {
    counter += 1;
    const username = `vendor${counter}-${Date.now().toString(36)}`;
    return createUserWithEmail(t, { username, email: `${username}@Example.com`, roles });
  };
  const login = async (u: { username: string; password: string }) => {
    const response = await t.login(u.username, u.password);
    expect(response.status).toBe(200);
    return response.body.access_token as string;
  };
  const send = (vendor: Vendor, payload: unknown) =>
    postHook(t, vendor, payload, { secret: VENDOR_SECRETS[vendor] });

  /** The audit event the revocation left: the reason, the webhook actor, the mapping and event id. */
  const revocationEvent = async (userId: string) => {
    const events = (await t.api('GET', `/v1/audit?action=user.revoked&target=user:${userId}`)).body.events;
    expect(events).toHaveLength(1);
    return events[0];
  };

  /** Token accepted before, refused after; the audit event names the vendor and the mapping. */
  const expectCutOff = async (
    vendor: Vendor,
    payload: unknown,
    victim: { id: string },
    token: string,
    expected: { mapping: string; reason: string; eventId?: string },
  ) => {
    expect(await app.status(token)).toBe(200);
    const response = await send(vendor, payload);
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    expect(response.body).toMatchObject({
      matched: true,
      applied: true,
      source: vendor,
      mapping: expected.mapping,
      user_id: victim.id,
      revocation: { reason: expected.reason, sessions_revoked: 1 },
    });
    await eventually(async () => (await app.status(token)) === 401, 3000);
    const event = await revocationEvent(victim.id);
    expect(event).toMatchObject({
      actor: { type: 'webhook', id: vendor },
      reason: expected.reason,
      target: { type: 'user', id: victim.id },
      counts: { sessions: 1 },
      details: {
        source: vendor,
        mapping: expected.mapping,
        event_id: expected.eventId ?? expect.any(String),
      },
    });
    expect(JSON.stringify(event)).not.toContain(VENDOR_SECRETS[vendor]);
    return response.body;
  };

  beforeAll(async () => {
    t = await startTestServer({ config: { hooksFile: writeHooksFile(VENDOR_SOURCES) } });
    app = await startProtectedApp({ issuer: t.url, feedApiKey: await t.apiKey(['feed:read']) });
  });
  afterAll(async () => {
    // The server first: closing the app first lets its guard reconnect during the server's close.
    await t.close();
    await app.close();
  });

  it('Workday: a completed termination business process revokes and deactivates the worker (by external id)', async () => {
    const victim = await user();
    // The HRIS employee id arrives as the SCIM externalId when the IdP provisions the user.
    await t.store.transaction((tx) =>
      tx.users.update(victim.id as UserId, { externalId: 'WD-21001', updatedAt: new Date() }),
    );
    const token = await login(victim);
    const body = await expectCutOff('workday', workdayTermination('wd-evt-5512', 'WD-21001'), victim, token, {
      mapping: 'worker-terminated',
      reason: 'offboarding',
      eventId: 'wd-evt-5512',
    });
    expect(body.deactivated).toBe(true);
    expect((await t.api('GET', `/v1/users/${victim.id}`)).body.active).toBe(false);
    expect((await t.login(victim.username, victim.password)).status).toBe(401);
  });

  it('BambooHR: an employment status change to Terminated revokes the employee (by work email, body-hash event id)', async () => {
    const victim = await user();
    const token = await login(victim);
    const email = `${victim.username}@example.com`; // case differs from the stored address
    const payload = bambooStatusChange(email, 'Terminated');
    const body = await expectCutOff('bamboohr', payload, victim, token, {
      mapping: 'status-terminated',
      reason: 'offboarding',
    });
    expect(body.event_id).toMatch(/^sha256:[0-9a-f]{64}$/);
    // BambooHR sends no event id: the same body again is a replay.
    expect((await send('bamboohr', payload)).status).toBe(401);
    // Another status change is not a termination.
    const other = await user();
    const ignored = await send('bamboohr', bambooStatusChange(`${other.username}@example.com`, 'On Leave'));
    expect(ignored.status).toBe(202);
    expect(ignored.body).toMatchObject({ matched: false, detail: 'no mapping matched' });
  });

  it('ServiceNow: a closed offboarding request revokes the employee (by user name)', async () => {
    const victim = await user();
    const token = await login(victim);
    const open = await send('servicenow', serviceNowRequest('b2f0c3e1', victim.username, 'Work in Progress'));
    expect(open.status).toBe(202);
    expect(await app.status(token)).toBe(200);
    await expectCutOff(
      'servicenow',
      serviceNowRequest('9d3f1a7e', victim.username, 'Closed Complete'),
      victim,
      token,
      {
        mapping: 'offboarding-closed',
        reason: 'offboarding',
        eventId: '9d3f1a7e',
      },
    );
    const entry = (await t.api('GET', '/v1/revocations?after=0')).body.entries.at(-1);
    expect(entry).toMatchObject({ kind: 'user', key: victim.id, reason: 'offboarding' });
  });

  it('Jira Service Management: an offboarding issue transitioned to Done revokes; a contract end uses contractor_end', async () => {
    const victim = await user();
    const token = await login(victim);
    await expectCutOff(
      'jira',
      jiraTransition('12345', `${victim.username}@example.com`, 'Offboarding', 'Done'),
      victim,
      token,
      { mapping: 'offboarding-done', reason: 'offboarding', eventId: '12345' },
    );
    const contractor = await user();
    const contractorToken = await login(contractor);
    await expectCutOff(
      'jira',
      jiraTransition('12346', `${contractor.username}@example.com`, 'Contract End', 'Done'),
      contractor,
      contractorToken,
      { mapping: 'contract-ended', reason: 'contractor_end', eventId: '12346' },
    );
  });

  it('Splunk: a high-severity alert runs the incident flow; a medium one changes nothing', async () => {
    const victim = await user();
    const token = await login(victim);
    const medium = await send(
      'splunk',
      splunkAlert('scheduler__admin__search__RMD5_1', victim.username, 'medium'),
    );
    expect(medium.status).toBe(202);
    expect(medium.body).toMatchObject({
      matched: false,
      detail: 'mapping "account-takeover": severity 2 is below 3',
    });
    expect(await app.status(token)).toBe(200);
    expect((await t.api('GET', `/v1/users/${victim.id}/sessions`)).body.sessions[0].status).toBe('active');

    const body = await expectCutOff(
      'splunk',
      splunkAlert('scheduler__admin__search__RMD5_2', victim.username, 'High'),
      victim,
      token,
      {
        mapping: 'account-takeover',
        reason: 'security_incident',
        eventId: 'scheduler__admin__search__RMD5_2',
      },
    );
    expect(body).toMatchObject({
      action: 'security_incident',
      mfa_required: true,
      incident_id: expect.any(String),
    });
    expect((await t.api('GET', `/v1/users/${victim.id}`)).body.mfa_required).toBe(true);
    expect((await t.login(victim.username, victim.password)).body.code).toBe('ERR_MFA_REQUIRED');
    const ignored = (await t.api('GET', '/v1/audit?action=webhook.ignored&actor=splunk')).body.events;
    expect(ignored.at(-1).details).toMatchObject({ event_id: 'scheduler__admin__search__RMD5_1' });
  });

  it('Datadog: an open security signal of severity high or critical runs the incident flow (custom scale)', async () => {
    const victim = await user();
    const token = await login(victim);
    const email = `${victim.username}@example.com`;
    expect((await send('datadog', datadogSignal('AAAA-1', email, 'medium'))).status).toBe(202);
    expect((await send('datadog', datadogSignal('AAAA-2', email, 'critical', 'archived'))).status).toBe(202);
    expect(await app.status(token)).toBe(200);
    await expectCutOff('datadog', datadogSignal('AAAA-3', email, 'critical'), victim, token, {
      mapping: 'security-signal',
      reason: 'security_incident',
      eventId: 'AAAA-3',
    });
    const incident = (await t.api('GET', `/v1/audit?action=incident.recorded&target=user:${victim.id}`)).body
      .events;
    expect(incident[0]).toMatchObject({
      actor: { type: 'webhook', id: 'datadog' },
      details: { severity: 4 },
    });
  });

  it('CrowdStrike: a detection of severity 4 or more runs the incident flow; severity 3 does not', async () => {
    const victim = await user();
    const token = await login(victim);
    const low = await send('crowdstrike', crowdstrikeDetection('ldt:abc:1', victim.username, 3));
    expect(low.body).toMatchObject({ matched: false });
    expect(await app.status(token)).toBe(200);
    await expectCutOff('crowdstrike', crowdstrikeDetection('ldt:abc:2', victim.username, 4), victim, token, {
      mapping: 'detection',
      reason: 'security_incident',
      eventId: 'ldt:abc:2',
    });
  });

  it('answers 202 with applied: false when the user is unknown, and audits it', async () => {
    const head = (await t.api('GET', '/v1/revocations?after=0')).body.head;
    const response = await send('crowdstrike', crowdstrikeDetection('ldt:abc:404', 'no-such-user', 5));
    expect(response.status).toBe(202);
    expect(response.body).toEqual({
      matched: true,
      applied: false,
      source: 'crowdstrike',
      event_id: 'ldt:abc:404',
      action: 'security_incident',
      mapping: 'detection',
      detail: 'user not found',
    });
    expect((await t.api('GET', '/v1/revocations?after=0')).body.head).toBe(head);
    const events = (await t.api('GET', '/v1/audit?action=webhook.ignored&actor=crowdstrike')).body.events;
    expect(events.at(-1)).toMatchObject({
      actor: { type: 'webhook', id: 'crowdstrike' },
      details: {
        event_id: 'ldt:abc:404',
        detail: 'user not found',
        user: { by: 'username', value: 'no-such-user' },
      },
    });
  });

  it('a revocation without deactivate ends the sessions but not the account: the next login gets a valid token', async () => {
    const victim = await user();
    const token = await login(victim);
    await expectCutOff('servicenow', serviceNowRequest('c0ffee01', victim.username, '3'), victim, token, {
      mapping: 'offboarding-closed',
      reason: 'offboarding',
    });
    await nextSecond();
    const again = await login(victim);
    expect(await app.status(again)).toBe(200);
  });
});
