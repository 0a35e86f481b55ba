import type { Deps } from './deps.js';

export const secretsReseal = async ({ client, out }: Deps): Promise<void> => {
  const result = await client.request<{
    signing_keys: number;
    totp_secrets: number;
    canary_probe_headers?: number;
    destination_secrets?: number;
  }>('POST', '/v1/secrets/reseal');
  out.result(
    result,
    () =>
      `sealed with the current encryption key: ${result.signing_keys} signing keys, ` +
      `${result.totp_secrets} TOTP secrets, ${result.canary_probe_headers ?? 0} canary probes' headers, ` +
      `${result.destination_secrets ?? 0} destinations' secrets`,
  );
};
