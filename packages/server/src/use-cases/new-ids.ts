import {
  mintApiKeyId,
  mintClientId,
  mintRefreshTokenId,
  mintRevocationId,
  mintSessionId,
  mintUserId,
  type ApiKeyId,
  type ClientId,
  type RefreshTokenId,
  type RevocationId,
  type SessionId,
  type UserId,
} from '../domain/ids.js';
import { randomId } from '../lib/secrets.js';

/**
 * Fresh ids, 128 random bits behind the kind's prefix. Drawn from the pooled CSPRNG of
 * `lib/secrets.ts` (one OpenSSL call costs ~8 µs whatever its size; each login mints a session and a refresh-token id).
 */
export const newUserId = (): UserId => mintUserId(randomId);
export const newSessionId = (): SessionId => mintSessionId(randomId);
export const newClientId = (): ClientId => mintClientId(randomId);
export const newRefreshTokenId = (): RefreshTokenId => mintRefreshTokenId(randomId);
export const newApiKeyId = (): ApiKeyId => mintApiKeyId(randomId);
export const newRevocationId = (): RevocationId => mintRevocationId(randomId);
