import { Secret, TOTP } from 'otpauth';
import type { TotpVerifier } from '../../ports/totp-verifier.js';

export const createOtpauthTotpVerifier = (issuerLabel: string): TotpVerifier => ({
  enrol(accountName) {
    const secret = new Secret({ size: 20 });
    const totp = new TOTP({ issuer: issuerLabel, label: accountName, secret });
    return { secret: secret.base32, uri: totp.toString() };
  },
  verify(secret, code, now) {
    if (!/^\d{6}$/.test(code)) return null;
    const totp = new TOTP({ secret: Secret.fromBase32(secret) });
    const timestamp = now.getTime();
    const delta = totp.validate({ token: code, timestamp, window: 1 });
    return delta === null ? null : totp.counter({ timestamp }) + delta;
  },
});
