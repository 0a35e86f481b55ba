import type { Deps } from './deps.js';

export const keysRotate = async ({ client, out }: Deps, options: { alg?: string }): Promise<void> => {
  const result = await client.request<{ kid: string; alg: string }>(
    'POST',
    '/v1/keys/rotate',
    options.alg === undefined ? {} : { alg: options.alg },
  );
  out.result(
    result,
    () => `new signing key ${result.kid} (${result.alg}); the previous key stays in the JWKS`,
  );
};
