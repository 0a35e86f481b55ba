#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { Argument, Command, Option } from 'commander';
import { REVOCATION_KINDS } from '@cutoff/guard/rule';
import { createAdminClient } from './admin-client.js';
import { apiKeysCreate, apiKeysList, apiKeysRevoke } from './commands/api-keys.js';
import { auditExport, auditTail, auditVerify } from './commands/audit.js';
import type { Deps } from './commands/deps.js';
import { keysRotate } from './commands/keys.js';
import { outboxList, outboxRetry } from './commands/outbox.js';
import { revokeCommand } from './commands/revocations.js';
import { secretsReseal } from './commands/secrets.js';
import { sessions, usersAdd, usersList } from './commands/users.js';
import { createOpenFeed } from './feed-stream.js';
import { createOutput } from './output.js';
import { reportCanary, reportGroup } from './commands/report.js';
import { registerCanaryCommands } from './commands/canary-commands.js';
import { auditVerifyFiles, registerDestinationCommands } from './commands/destination-commands.js';
import { registerSsfCommands } from './commands/ssf.js';
import { registerRunbookCommands } from './runbook-commands.js';

// dist/cli/main.js -> the package's own package.json, which every install of it carries.
const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

const program = new Command('cutoff')
  .description('Cutoff: cut a session, user, group, role, client or everyone off, everywhere, now.')
  .option('--url <url>', 'Cutoff server URL', process.env.CUTOFF_URL ?? 'http://127.0.0.1:7400')
  .option('--key <key>', 'admin API key (default: $CUTOFF_ADMIN_KEY)')
  .version(version, '-V, --version', 'print the version of cutoff')
  .option('--json', 'machine-readable output', false);

const deps = (): Deps => {
  const options = program.opts<{ url: string; key?: string; json: boolean }>();
  return {
    client: createAdminClient(options.url, options.key ?? process.env.CUTOFF_ADMIN_KEY),
    out: createOutput(options.json),
  };
};
const feedDeps = () => {
  const options = program.opts<{ url: string; key?: string }>();
  return { ...deps(), openFeed: createOpenFeed(options.url, options.key ?? process.env.CUTOFF_ADMIN_KEY) };
};
const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

program
  .command('serve')
  .description('start the server (SQLite in CUTOFF_DATA_DIR unless CUTOFF_DATABASE_URL names PostgreSQL)')
  .option('--port <port>', 'port (default $CUTOFF_PORT or 7400)', (value) => Number(value))
  .option('--host <host>', 'host (default $CUTOFF_HOST or 127.0.0.1)')
  // Loaded on demand: the server's dependencies would slow every other command down.
  .action(async (options: { port?: number; host?: string }) =>
    (await import('./commands/serve.js')).serve(options),
  );

const users = program.command('users').description('manage users');
users
  .command('add <username>')
  .description('create a user; the password is prompted for on a terminal, never taken from a flag')
  .option('--email <email>', 'email address (incident notices go there)')
  .option('--password-stdin', 'read the password from standard input')
  .option('--no-password', 'create the user without a password (they cannot log in with one)')
  .option('--role <role>', 'a role (repeatable)', collect)
  .option('--group <group>', 'a group (repeatable)', collect)
  .action((username: string, options: Parameters<typeof usersAdd>[2]) => usersAdd(deps(), username, options));
users
  .command('list')
  .description('list users')
  .option('--username <username>', 'only this username')
  .action((options: { username?: string }) => usersList(deps(), options));

program
  .command('sessions <user>')
  .description("list a user's sessions (user id or username)")
  .action((user: string) => sessions(deps(), user));

program
  .command('revoke')
  .description('revoke a session | token | user | group | role | client | all (id "*")')
  // Checked here, like --reason, so a typo is named before any request is made.
  .addArgument(new Argument('<type>', 'what to revoke').choices(REVOCATION_KINDS))
  .argument('<id>', 'its id (a username for user; "*" for all)')
  .addOption(
    new Option('--reason <reason>', 'reason code')
      .choices([
        'offboarding',
        'security_incident',
        'role_change',
        'contractor_end',
        'credential_change',
        'manual',
      ])
      .makeOptionMandatory(),
  )
  .option('--note <note>', 'free text for the audit trail')
  .option('--dry-run', 'count what would be revoked; change nothing')
  .action((type: string, id: string, options: { reason: string; note?: string; dryRun?: boolean }) =>
    revokeCommand(deps(), type, id, options),
  );

const audit = program.command('audit').description('the tamper-evident audit trail');
audit
  .command('tail')
  .description('the newest audit events (with --action or --target: the newest that match)')
  .option('--limit <n>', 'how many events', '20')
  .option('--action <action>', 'only this action')
  .option('--target <type:id>', 'only events about this target, e.g. user:alice (a username or an id)')
  .action((options: { limit: string; action?: string; target?: string }) => auditTail(deps(), options));
audit
  .command('verify')
  .description(
    "recompute the hash chain; exits 1 when it is broken. With --from-file: check a SIEM's or a file destination's copy offline for gaps and edits",
  )
  .option(
    '--from-file <jsonl>',
    'a JSON Lines copy (exported events or destination envelopes) to verify offline, no server needed (repeatable: rotated files)',
    collect,
  )
  .action(async (options: { fromFile?: string[] }) => {
    const ok =
      options.fromFile === undefined
        ? await auditVerify(deps())
        : await auditVerifyFiles(createOutput(program.opts<{ json: boolean }>().json), options.fromFile);
    if (!ok) process.exitCode = 1;
  });
audit
  .command('export <file>')
  .description('write every audit event to a JSON Lines file')
  .action((file: string) => auditExport(deps(), file));

program
  .command('keys')
  .description('signing keys')
  .command('rotate')
  .description('generate a new signing key; the previous one stays in the JWKS')
  .addOption(new Option('--alg <alg>', 'algorithm of the new key').choices(['RS256', 'ES256', 'EdDSA']))
  .action((options: { alg?: string }) => keysRotate(deps(), options));

const outbox = program.command('outbox').description('user notifications (incident emails and SMS)');
outbox
  .command('list')
  .description('messages in the outbox, oldest first')
  .addOption(
    new Option('--status <status>', 'only messages in this state').choices(['pending', 'delivered', 'dead']),
  )
  .option('--limit <n>', 'at most this many (1-1000)')
  .action((options: { status?: string; limit?: string }) => outboxList(deps(), options));
outbox
  .command('retry <id>')
  .description('give a dead message a new round of delivery attempts')
  .action((id: string) => outboxRetry(deps(), id));

program
  .command('secrets')
  .description('secrets at rest (signing keys, TOTP secrets)')
  .command('reseal')
  .description('seal what is in clear or under a previous CUTOFF_ENCRYPTION_KEY with the current one')
  .action(() => secretsReseal(deps()));

const apikeys = program.command('apikeys').description('API keys');
apikeys
  .command('create')
  .description('create a scoped API key; it is printed once')
  .requiredOption('--name <name>', 'what the key is for')
  .addOption(
    new Option('--scope <scope>', 'a scope (repeatable)')
      .choices(['admin', 'feed:read', 'introspect', 'scim', 'hooks'])
      .argParser(collect)
      .makeOptionMandatory(),
  )
  .option('--expires-at <instant>', 'ISO 8601 instant after which the key authenticates nothing')
  .action((options: { name: string; scope: string[]; expiresAt?: string }) => apiKeysCreate(deps(), options));
apikeys
  .command('list')
  .description('every API key with its status, scopes, creator, expiry and last use')
  .action(() => apiKeysList(deps()));
apikeys
  .command('revoke <id>')
  .description('revoke an API key: refused at once by this server, by every replica within 1 s')
  .addOption(
    new Option('--reason <reason>', 'reason code')
      .choices([
        'offboarding',
        'security_incident',
        'role_change',
        'contractor_end',
        'credential_change',
        'manual',
      ])
      .default('manual'),
  )
  .action((id: string, options: { reason: string }) => apiKeysRevoke(deps(), id, options));

const report = program.command('report').description('evidence reports');
report
  .command('canary')
  .description('the canary per probe: cycles run, passed, failed, worst and p99 time to reject, gaps')
  .option('--since <time>', 'ISO 8601 start (default: 90 days ago)')
  .option('--until <time>', 'ISO 8601 end (default: now)')
  .addOption(
    new Option('--format <format>', 'output format').choices(['csv', 'json', 'html']).default('json'),
  )
  .option('--out <file>', 'write to a file instead of standard output')
  .action((options: Parameters<typeof reportCanary>[1]) => reportCanary(deps(), options));
report
  .command('group <name>')
  .description("a group's members, their last session and the proof of revocation (audit seq and hash)")
  .addOption(
    new Option('--format <format>', 'output format').choices(['csv', 'json', 'html']).default('json'),
  )
  .option('--out <file>', 'write to a file instead of standard output')
  .action((name: string, options: { format: string; out?: string }) => reportGroup(deps(), name, options));

registerRunbookCommands(program, users, deps, feedDeps);
registerCanaryCommands(program, deps);
registerDestinationCommands(program, deps);
registerSsfCommands(program, deps);

program.parseAsync(process.argv).catch((error: unknown) => {
  createOutput(program.opts<{ json: boolean }>().json).error(
    error instanceof Error ? error.message : String(error),
  );
  process.exitCode = 1;
});
