import type { TokenSigner } from '../../ports/token-signer.js';
import type { NotificationSender } from '../../ports/notification-sender.js';

/** A receiver that does not answer in this time counts as down; the outbox retries. */
const TIMEOUT_MS = 5_000;
/** Back-Channel Logout 1.0 section 2.4 recommends a short lifetime; two minutes covers retries in flight. */
const LOGOUT_TOKEN_TTL_SECONDS = 120;

const text = (payload: Readonly<Record<string, unknown>>, name: string): string => {
  const value = payload[name];
  if (typeof value !== 'string') throw new Error(`back-channel logout message without ${name}`);
  return value;
};

/**
 * OpenID Connect Back-Channel Logout 1.0 section 2.5: POSTs `logout_token` (form-encoded) to the
 * client's `backchannel_logout_uri`. The token is signed at each attempt (fresh `iat`, same `jti`);
 * anything but a 2xx is a failure the outbox worker retries with backoff.
 */
export const createBackchannelLogoutSender = (signer: TokenSigner, issuer: string): NotificationSender => ({
  async send(payload) {
    const iat = Math.floor(Date.now() / 1000);
    const token = await signer.signLogoutToken({
      iss: issuer,
      aud: text(payload, 'client_id'),
      iat,
      exp: iat + LOGOUT_TOKEN_TTL_SECONDS,
      jti: text(payload, 'jti'),
      sub: text(payload, 'user_id'),
      sid: text(payload, 'session_id'),
      events: { 'http://schemas.openid.net/event/backchannel-logout': {} },
    });
    const response = await fetch(text(payload, 'to'), {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'cache-control': 'no-store' },
      body: new URLSearchParams({ logout_token: token }).toString(),
      redirect: 'manual',
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    await response.body?.cancel();
    if (response.status < 200 || response.status > 299)
      throw new Error(`back-channel logout receiver answered ${response.status}`);
  },
});
