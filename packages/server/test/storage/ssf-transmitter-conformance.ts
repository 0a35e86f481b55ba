import { describe, expect, it } from 'vitest';
import type { SsfTransmitterRecord } from '../../src/domain/signals/transmitter.js';
import type { Store } from '../../src/ports/storage/store.js';
import { at } from './fixtures.js';

const transmitter = (name: string, overrides: Partial<SsfTransmitterRecord> = {}): SsfTransmitterRecord => ({
  name,
  issuer: `https://${name}.example.com`,
  jwksUri: `https://${name}.example.com/oauth2/v1/keys`,
  audience: null,
  maxAgeSeconds: 86_400,
  createdAt: at(0),
  updatedAt: at(0),
  ...overrides,
});

/** Trusted Shared Signals transmitters; part of the one conformance suite. */
export const describeSsfTransmitterConformance = (current: () => Store): void => {
  describe('SSF transmitters', () => {
    it('creates, replaces (keeping the creation time), finds by name and issuer, lists and removes', async () => {
      const store = current();
      expect(await store.transaction((tx) => tx.ssfTransmitters.put(transmitter('okta')))).toBe(true);
      expect(await store.transaction((tx) => tx.ssfTransmitters.put(transmitter('entra')))).toBe(true);
      const replaced = transmitter('okta', {
        issuer: 'https://acme.okta.com',
        audience: 'https://cutoff.acme.com',
        maxAgeSeconds: 600,
        createdAt: at(5000),
        updatedAt: at(5000),
      });
      expect(await store.transaction((tx) => tx.ssfTransmitters.put(replaced))).toBe(false);
      expect(await store.read((r) => r.ssfTransmitters.find('okta'))).toEqual({
        ...replaced,
        createdAt: at(0),
      });
      expect((await store.read((r) => r.ssfTransmitters.findByIssuer('https://acme.okta.com')))?.name).toBe(
        'okta',
      );
      // The old issuer no longer selects it.
      expect(
        await store.read((r) => r.ssfTransmitters.findByIssuer('https://okta.example.com')),
      ).toBeUndefined();
      expect((await store.read((r) => r.ssfTransmitters.list())).map((item) => item.name)).toEqual([
        'entra',
        'okta',
      ]);
      expect(await store.transaction((tx) => tx.ssfTransmitters.remove('okta'))).toBe(true);
      expect(await store.transaction((tx) => tx.ssfTransmitters.remove('okta'))).toBe(false);
      expect(await store.read((r) => r.ssfTransmitters.find('okta'))).toBeUndefined();
      await store.transaction((tx) => tx.ssfTransmitters.remove('entra'));
    });

    it("refuses a second transmitter with another's issuer (ERR_CONFLICT), leaving both as they were", async () => {
      const store = current();
      await store.transaction((tx) =>
        tx.ssfTransmitters.put(transmitter('first', { issuer: 'https://shared.example.com' })),
      );
      await expect(
        store.transaction((tx) =>
          tx.ssfTransmitters.put(transmitter('second', { issuer: 'https://shared.example.com' })),
        ),
      ).rejects.toMatchObject({ code: 'ERR_CONFLICT' });
      expect(await store.read((r) => r.ssfTransmitters.find('second'))).toBeUndefined();
      expect(
        (await store.read((r) => r.ssfTransmitters.findByIssuer('https://shared.example.com')))?.name,
      ).toBe('first');
      // Issuers compare exactly: a trailing slash is another issuer.
      expect(
        await store.transaction((tx) =>
          tx.ssfTransmitters.put(transmitter('second', { issuer: 'https://shared.example.com/' })),
        ),
      ).toBe(true);
      await store.transaction((tx) => tx.ssfTransmitters.remove('first'));
      await store.transaction((tx) => tx.ssfTransmitters.remove('second'));
    });
  });
};
