import type { Command } from 'commander';
import { table } from '../output.js';
import type { Deps } from './admin-commands.js';

interface Transmitter {
  readonly name: string;
  readonly issuer: string;
  readonly jwks_uri: string;
  readonly audience: string | null;
  readonly max_age_seconds: number;
}

/** `cutoff ssf transmitters put|list|remove`: who may push Security Event Tokens (docs/signals.md). */
export const registerSsfCommands = (program: Command, deps: () => Deps): void => {
  const ssf = program
    .command('ssf')
    .description('inbound Shared Signals (SSF/CAEP/RISC) and Global Token Revocation (docs/signals.md)');
  const transmitters = ssf
    .command('transmitters')
    .description('trusted transmitters: the issuers whose signed SETs and logout requests Cutoff acts on');
  transmitters
    .command('put <name>')
    .description('trust (or re-configure) a transmitter by its issuer and the URL of its public keys')
    .requiredOption('--issuer <iss>', 'the exact `iss` of its SETs (e.g. https://acme.okta.com)')
    .requiredOption('--jwks-uri <url>', 'where its signing keys are published (http or https)')
    .option('--audience <aud>', "the `aud` its SETs carry (default: Cutoff's issuer)")
    .option(
      '--max-age-seconds <seconds>',
      'refuse SETs issued longer ago (60-604800, default 86400)',
      (value) => Number(value),
    )
    .action(
      async (
        name: string,
        options: { issuer: string; jwksUri: string; audience?: string; maxAgeSeconds?: number },
      ) => {
        const { client, out } = deps();
        const transmitter = await client.request<Transmitter>(
          'PUT',
          `/v1/ssf/transmitters/${encodeURIComponent(name)}`,
          {
            issuer: options.issuer,
            jwks_uri: options.jwksUri,
            ...(options.audience !== undefined && { audience: options.audience }),
            ...(options.maxAgeSeconds !== undefined && { max_age_seconds: options.maxAgeSeconds }),
          },
        );
        out.result(
          transmitter,
          () => `transmitter ${transmitter.name}: ${transmitter.issuer} (keys ${transmitter.jwks_uri})`,
        );
      },
    );
  transmitters
    .command('list')
    .description('every trusted transmitter')
    .action(async () => {
      const { client, out } = deps();
      const { transmitters: list } = await client.request<{ transmitters: Transmitter[] }>(
        'GET',
        '/v1/ssf/transmitters',
      );
      out.result(list, () =>
        table([
          ['NAME', 'ISSUER', 'JWKS_URI', 'AUDIENCE', 'MAX_AGE_S'],
          ...list.map((item) => [
            item.name,
            item.issuer,
            item.jwks_uri,
            item.audience ?? '(issuer)',
            String(item.max_age_seconds),
          ]),
        ]),
      );
    });
  transmitters
    .command('remove <name>')
    .description('stop trusting a transmitter: its next SET is refused')
    .action(async (name: string) => {
      const { client, out } = deps();
      await client.request('DELETE', `/v1/ssf/transmitters/${encodeURIComponent(name)}`);
      out.result({ removed: name }, () => `removed transmitter ${name}`);
    });
};
