import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/test-server.js';

const refusals = (t: TestServer): Record<string, unknown>[] =>
  t.logs
    .flatMap((chunk) => chunk.split('\n'))
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>)
    .filter((line) => line['msg'] === 'oauth request refused');

/**
 * RFC 6749 answers every refused refresh with one `invalid_grant`, so a caller cannot probe a
 * token's state; the operator reading the log must still see why.
 */
describe('a refused refresh logs why, and tells the client only invalid_grant', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ config: { refreshGraceSeconds: 0 } });
  });
  afterAll(() => t.close());

  const refresh = (refreshToken: string) =>
    t.form('/oauth/token', { grant_type: 'refresh_token', refresh_token: refreshToken, client_id: 'cutoff' });

  const refusedWith = async (refreshToken: string, detail: RegExp): Promise<void> => {
    const before = refusals(t).length;
    const response = await refresh(refreshToken);
    expect(response.status).toBe(400);
    expect(response.body).toEqual({
      error: 'invalid_grant',
      error_description: 'The refresh token is invalid, expired or revoked.',
    });
    const logged = refusals(t).slice(before);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ oauth_error: 'invalid_grant', detail: expect.stringMatching(detail) });
    expect(JSON.stringify(response.body)).not.toContain(String(logged[0]?.['detail']));
    expect(t.logs.join('')).not.toContain(refreshToken);
  };

  it('reuse of a rotated token', async () => {
    const user = await t.createUser();
    const login = await t.login(user.username, user.password);
    expect((await refresh(login.body.refresh_token)).status).toBe(200);
    await refusedWith(login.body.refresh_token, /^reuse of a rotated token/);
  });

  it('a token revoked by logout', async () => {
    const user = await t.createUser();
    const login = await t.login(user.username, user.password);
    const logout = await fetch(`${t.url}/v1/auth/logout`, {
      method: 'POST',
      headers: { authorization: `Bearer ${login.body.access_token}` },
    });
    expect(logout.status).toBe(200);
    await refusedWith(login.body.refresh_token, /^token revoked$/);
  });

  it('a token Cutoff never issued', async () => {
    await refusedWith(`cutoff_rt_${'A'.repeat(43)}`, /^unknown token$/);
  });
});
