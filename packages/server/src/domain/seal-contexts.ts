import type { UserId } from './ids.js';

/*
 * What each sealed secret is bound to (authenticated data of its encryption): a sealed value
 * opens only in the row it was sealed for, so one copied into another row is useless.
 */

export const signingKeySealContext = (kid: string): string => `signing-key:${kid}`;

export const totpSealContext = (id: UserId): string => `totp:${id}`;

export const canaryProbeSealContext = (name: string): string => `canary-probe:${name}`;

export const destinationSealContext = (name: string): string => `destination:${name}`;
