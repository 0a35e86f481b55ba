import { Secret, TOTP } from 'otpauth';
import type { TotpVerifier } from '../../ports/totp-verifier.js';

export const createOtpauthTotpVerifier = (issuerLabel: string): TotpVerifier => ({
  enrol(accountName) {
    const secret = new Secret({ size: 20 });
    const totp = new TOTP({ issuer: issuerLabel, label: accountName, secret });
    return { secret: secret.base32, uri: totp.toString() };
  },
  verify(secret, code, now) {
    if (!/^\d{6}$/.test(code)) return false;
    const totp = new TOTP({ secret: Secret.fromBase32(secret) });
    return totp.validate({ token: code, timestamp: now.getTime(), window: 1 }) !== null;
  },
});
