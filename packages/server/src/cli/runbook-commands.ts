import { Option, type Command } from 'commander';
import type { Deps } from './commands/deps.js';
import { clientsAdd, clientsList } from './commands/clients.js';
import { guardsList } from './commands/fleet.js';
import { groupsEnd, groupsList, groupsSet, groupsShow } from './commands/groups.js';
import { incidentOpen, investigate } from './commands/incident.js';
import { revocationsList, revocationsTail, type FeedDeps } from './commands/revocations.js';
import {
  usersSetActive,
  usersShow,
  usersTotpConfirm,
  usersTotpEnrol,
  usersUpdate,
} from './commands/users.js';

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

/**
 * The commands the runbooks (docs/runbooks/) use for each step, so no step needs curl:
 * deactivation, role changes, End Project, incidents, the fleet view, clients and the feed.
 */
/** What ending a group does to its members' accounts (docs/contractor-groups.md). */
const deactivateMembersOption = (description: string): Option =>
  new Option('--deactivate-members <mode>', description).choices(['none', 'exclusive']);

export const registerRunbookCommands = (
  program: Command,
  users: Command,
  deps: () => Deps,
  feedDeps: () => FeedDeps,
): void => {
  users
    .command('show <user>')
    .description('a user: roles, groups, active, MFA (user id or username)')
    .action((user: string) => usersShow(deps(), user));
  users
    .command('deactivate <user>')
    .description('deactivate a user: they cannot log in, and every session is revoked (reason offboarding)')
    .action((user: string) => usersSetActive(deps(), user, false));
  users
    .command('activate <user>')
    .description('let a deactivated user log in again')
    .action((user: string) => usersSetActive(deps(), user, true));
  users
    .command('update <user>')
    .description(
      "replace a user's roles or groups, or set the email; losing a role or group revokes (role_change)",
    )
    .option('--role <role>', 'a role (repeatable); replaces the current roles', collect)
    .option('--no-roles', 'remove every role')
    .option('--group <group>', 'a group (repeatable); replaces the current groups', collect)
    .option('--no-groups', 'remove every group')
    .option('--email <email>', 'the email address ("" removes it)')
    .action((user: string, options: Parameters<typeof usersUpdate>[2]) => usersUpdate(deps(), user, options));
  const totp = users
    .command('totp')
    .description('TOTP (one-time codes): enrol a user, confirm with a first code');
  totp
    .command('enrol <user>')
    .description(
      'start a TOTP enrolment (or replace a pending one): prints the otpauth URI and the secret, once',
    )
    .action((user: string) => usersTotpEnrol(deps(), user));
  totp
    .command('confirm <user> <code>')
    .description(
      'confirm the pending enrolment with the current 6-digit code from the app: logins then need one',
    )
    .action((user: string, code: string) => usersTotpConfirm(deps(), user, code));

  const groups = program.command('groups').description('groups: contractor end dates and End Project');
  groups
    .command('list')
    .description('every group record with members, end date and when it ended')
    .action(() => groupsList(deps()));
  groups
    .command('show <name>')
    .description('one group: members, end date, ended at')
    .action((name: string) => groupsShow(deps(), name));
  groups
    .command('set <name>')
    .description('create or update a group record: display name and contractor end date')
    .option('--display-name <text>', 'a human name')
    .option('--end-at <time>', 'ISO 8601 end date (members\' tokens carry it as access_until), or "none"')
    .addOption(
      deactivateMembersOption('when the group ends, deactivate the members in no other group (exclusive)'),
    )
    .action((name: string, options: Parameters<typeof groupsSet>[2]) => groupsSet(deps(), name, options));
  groups
    .command('end <name>')
    .description('End Project: revoke the group now (contractor_end), remove its members, mark it ended')
    .option('--note <note>', 'free text for the audit trail')
    .addOption(
      deactivateMembersOption(
        "deactivate the members in no other group (exclusive); default: the group record's setting",
      ),
    )
    .option('--report <file>', 'then write the access report for the closure file to this file')
    .addOption(
      new Option('--format <format>', 'format of --report').choices(['csv', 'json', 'html']).default('html'),
    )
    .action((name: string, options: Parameters<typeof groupsEnd>[2]) => groupsEnd(deps(), name, options));

  program
    .command('incident')
    .description('compromised accounts')
    .command('open <user>')
    .description('revoke every session (security_incident), require MFA at the next login, notify the user')
    .option('--note <note>', 'internal note for the audit trail (never sent to the user)')
    .option('--phone <number>', 'also send the SMS notice to this number')
    .action((user: string, options: { note?: string; phone?: string }) =>
      incidentOpen(deps(), user, options),
    );
  program
    .command('investigate <user>')
    .description("a user's revoked sessions (address, device, duration) and related audit events")
    .option('--since <time>', 'ISO 8601 start (default: 30 days ago)')
    .action((user: string, options: { since?: string }) => investigate(deps(), user, options));

  program
    .command('guards')
    .description('the fleet view: every guard, the seq it applied and its lag behind the feed head')
    .action(() => guardsList(deps()));

  const clients = program.command('clients').description('OAuth clients (the apps users log in through)');
  clients
    .command('add')
    .description("register a client; a confidential client's secret is printed once")
    .requiredOption('--name <name>', 'a human name')
    .addOption(
      new Option('--type <type>', 'client type').choices(['public', 'confidential']).makeOptionMandatory(),
    )
    .option('--id <id>', 'the client_id (default: generated)')
    .addOption(
      new Option('--grant-type <grant>', 'an extra grant type (repeatable)')
        .choices(['refresh_token', 'client_credentials'])
        .argParser(collect),
    )
    .option('--role <role>', 'a role of the client itself (repeatable)', collect)
    .action((options: Parameters<typeof clientsAdd>[1]) => clientsAdd(deps(), options));
  clients
    .command('list')
    .description('every registered client')
    .action(() => clientsList(deps()));

  const revocations = program.command('revocations').description('the revocation feed guards apply');
  revocations
    .command('list')
    .description('the live feed entries, oldest first')
    .option('--after <seq>', 'only entries after this seq')
    .action((options: { after?: string }) => revocationsList(deps(), options));
  revocations
    .command('tail')
    .description('follow the feed live: each revocation as it commits (one JSON line each with --json)')
    .option('--after <seq>', 'replay from this seq instead of the current head')
    .option('--count <n>', 'stop after this many entries')
    .action((options: { after?: string; count?: string }) => revocationsTail(feedDeps(), options));
};
