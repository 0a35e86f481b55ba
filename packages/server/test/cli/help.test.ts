import { execFile } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../../../', import.meta.url));
const bin = join(root, 'packages/server/bin/cutoff.js');

interface HelpItem {
  readonly term: string;
  readonly description: string;
}
interface CommandHelp {
  readonly path: readonly string[];
  readonly description: string;
  readonly options: readonly HelpItem[];
  readonly commands: readonly HelpItem[];
}

/** The items of one section of commander's help ("Options:", "Commands:"), wrapped lines joined. */
const section = (help: string, title: string): HelpItem[] => {
  const lines = help.split('\n');
  const start = lines.indexOf(`${title}:`);
  if (start === -1) return [];
  const items: { term: string; description: string }[] = [];
  for (const line of lines.slice(start + 1)) {
    if (line.trim() === '') break;
    const item = /^ {2}(\S.*?)(?: {2,}(\S.*))?$/.exec(line);
    if (item !== null) items.push({ term: item[1] ?? '', description: item[2] ?? '' });
    else if (items.length > 0) items[items.length - 1]!.description += ` ${line.trim()}`;
  }
  return items.filter((item) => !/^help \[command]$|^-h, --help$/.test(item.term));
};

/** Every command of the real binary, walked through `--help`. */
const walk = async (path: string[]): Promise<CommandHelp[]> => {
  const { stdout } = await run(process.execPath, [bin, ...path, '--help']);
  const lines = stdout.split('\n');
  const usage = lines.findIndex((line) => line.startsWith('Usage:'));
  const description =
    lines[usage + 2] === undefined || lines[usage + 2]?.endsWith(':') ? '' : lines[usage + 2]!;
  const commands = section(stdout, 'Commands');
  const here: CommandHelp = { path, description, options: section(stdout, 'Options'), commands };
  const children = await Promise.all(commands.map((command) => walk([...path, command.term.split(' ')[0]!])));
  return [here, ...children.flat()];
};

const longOptions = (items: readonly HelpItem[]): string[] =>
  items.flatMap((item) => /--[a-z][a-z-]*/.exec(item.term)?.[0] ?? []);

describe('cutoff --help and docs/cli.md', () => {
  let tree: CommandHelp[];
  let doc: string;

  beforeAll(async () => {
    await run(process.execPath, [
      join(root, 'node_modules/typescript/bin/tsc'),
      '-b',
      join(root, 'packages/server'),
    ]);
    tree = await walk([]);
    doc = await readFile(join(root, 'docs/cli.md'), 'utf8');
  }, 120_000);

  it('describes every command and every option', () => {
    expect(tree.length).toBeGreaterThan(30);
    const undescribed = tree.flatMap((command) => [
      ...(command.description === '' && command.path.length > 0 ? [`cutoff ${command.path.join(' ')}`] : []),
      ...[...command.options, ...command.commands]
        .filter((item) => item.description === '')
        .map((item) => `cutoff ${command.path.join(' ')} ${item.term}`),
    ]);
    expect(undescribed).toEqual([]);
  });

  it('docs/cli.md has a row for every command, naming each of its options', () => {
    const leaves = tree.filter((command) => command.commands.length === 0);
    const problems: string[] = [];
    for (const command of leaves) {
      const name = `cutoff ${command.path.join(' ')}`;
      const row = doc
        .split('\n')
        .find((line) => line.startsWith(`| \`${name}`) && /^[\s<[-]|^`/.test(line.slice(3 + name.length)));
      if (row === undefined) {
        problems.push(`${name}: no row`);
        continue;
      }
      for (const option of longOptions(command.options))
        if (!row.includes(option)) problems.push(`${name}: ${option} not in its row`);
    }
    // The global options are described once, above the table.
    for (const option of longOptions(tree[0]!.options))
      if (!doc.includes(`\`${option}`) && !doc.includes(`, ${option}`)) problems.push(`global ${option}`);
    expect(problems).toEqual([]);
  });

  it('docs/cli.md documents no command the binary does not have', () => {
    const names = new Set(tree.map((command) => `cutoff ${command.path.join(' ')}`.trim()));
    const documented = [...doc.matchAll(/^\| `(cutoff(?: [a-z][a-z-]*)+)/gm)].map((match) => match[1]!);
    expect(documented.filter((name) => !names.has(name))).toEqual([]);
  });

  it('the runbooks use the CLI, and only commands it has', async () => {
    const directory = join(root, 'docs/runbooks');
    const names = [...new Set(tree.map((command) => command.path.join(' ')))];
    const problems: string[] = [];
    for (const file of await readdir(directory)) {
      const text = await readFile(join(directory, file), 'utf8');
      if (/\bcurl\b/.test(text)) problems.push(`${file}: curl`);
      for (const match of text.matchAll(
        /^\s*(?:[A-Z_]+=\S+ )*cutoff ((?:--json )?(?:[a-z][a-z-]*)(?: [a-z][a-z-]*)*)/gm,
      )) {
        const words = (match[1] ?? '').replace(/^--json /, '').split(' ');
        // The longest prefix of the words that is a command must have no subcommands left.
        const known = names.filter((name) => name !== '' && words.join(' ').startsWith(name));
        const longest = known.sort((a, b) => b.length - a.length)[0];
        const command = tree.find((entry) => entry.path.join(' ') === longest);
        if (command === undefined || command.commands.length > 0)
          problems.push(`${file}: cutoff ${match[1]}`);
      }
    }
    expect(problems).toEqual([]);
  });
});
