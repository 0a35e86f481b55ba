import { hash, verify } from '@node-rs/argon2';
import type { PasswordHasher } from '../../ports/password-hasher.js';

/** OWASP's argon2id baseline: 19 MiB, 2 iterations, 1 lane. `2` is `Algorithm.Argon2id` (a const enum). */
const OPTIONS = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const createArgon2PasswordHasher = async (): Promise<PasswordHasher> => {
  // Verified against when the user is unknown, so both paths cost one argon2 verification.
  const dummyHash = await hash('cutoff-timing-equalizer', OPTIONS);
  return {
    hash: (password) => hash(password, OPTIONS),
    verify: async (storedHash, password) => {
      try {
        const ok = await verify(storedHash ?? dummyHash, password);
        return storedHash !== null && ok;
      } catch {
        return false;
      }
    },
  };
};
