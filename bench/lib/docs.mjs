import { readFile, writeFile } from 'node:fs/promises';
import { markdownTable } from './report.mjs';

/*
 * docs/benchmarks.md is made of blocks between `<!-- bench:<id>:begin -->` and
 * `<!-- bench:<id>:end -->` markers: `intro`, one per group (`server`, ...) and one per scenario
 * (`server/login`, ...). A run rewrites the intro and the blocks of the groups and scenarios it
 * ran, and leaves every other block and all text outside the markers (for instance a hand-written
 * `<!-- guard -->` section) exactly as it was.
 */

const MARKER = /<!-- bench:([a-z0-9/_-]+):begin -->[\s\S]*?<!-- bench:\1:end -->/g;

const wrap = (id, body) => `<!-- bench:${id}:begin -->\n${body.trim()}\n<!-- bench:${id}:end -->`;

/** Splits a document into text and block segments. */
const parse = (text) => {
  const segments = [];
  let last = 0;
  for (const match of text.matchAll(MARKER)) {
    if (match.index > last) segments.push({ text: text.slice(last, match.index) });
    segments.push({ id: match[1], text: match[0] });
    last = match.index + match[0].length;
  }
  if (last < text.length) segments.push({ text: text.slice(last) });
  return segments;
};

/**
 * Replaces the blocks in `blocks` (an ordered list of `{id, body}`); a block not yet in the
 * document goes right after the previous block of the list (or at the top, for the first one).
 */
export const spliceBlocks = (document, blocks) => {
  const segments = parse(document);
  let previous;
  for (const { id, body } of blocks) {
    const text = wrap(id, body);
    const at = segments.findIndex((segment) => segment.id === id);
    if (at >= 0) segments[at] = { id, text };
    else {
      const after = previous === undefined ? -1 : segments.findIndex((segment) => segment.id === previous);
      segments.splice(after + 1, 0, { text: after >= 0 ? '\n\n' : '' }, { id, text }, { text: '\n\n' });
    }
    previous = id;
  }
  return `${segments
    .map((segment) => segment.text)
    .join('')
    // Tidy only the blank lines around markers; text outside the blocks stays as written.
    .replace(/\n{3,}(?=<!-- bench:)/g, '\n\n')
    .replace(/(<!-- bench:[a-z0-9/_-]+:end -->)\n{3,}/g, '$1\n\n')
    .trim()}\n`;
};

const REPRODUCE = `## How to reproduce

\`\`\`sh
npm ci
npm run bench                                   # builds, then runs every scenario (~5 minutes)
BENCH_ONLY=refresh npm run bench                # one scenario (or a comma-separated list, or a group: server)
BENCH_DURATION_SECONDS=10 npm run bench         # longer measured runs (default 5 s, after 1 s warm-up)
BENCH_BACKENDS=sqlite npm run bench             # one backend (default: sqlite,postgres)
CUTOFF_BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/test npm run bench   # the default
\`\`\`

Also \`BENCH_WARMUP_SECONDS\` (default 1) and \`BENCH_DOCS=0\` (print only, do not rewrite this file).
Every scenario starts its own server on \`127.0.0.1\` with a fresh store (a temporary SQLite directory,
or a \`cutoff_bench_<random>\` PostgreSQL schema), stops by itself, and removes its data at the end (also
on Ctrl-C). The HTTP load scenarios (login, refresh, introspection, revocation throughput) run the
server in a process of its own, as \`npm start\` does, and count that process's CPU
(\`bench/lib/target-host.mjs\`); so do oidc-provider in the introspection comparison and the
guarded Fastify app of the route scenario. Servers that
shared the bench process also shared its heap, and one server's garbage was collected (and counted)
while the next was measured. Load comes from a forked child process, so the server under test and the
client do not share an event loop; on a 2-core machine they do share the CPU, which caps every HTTP number below
what a dedicated server core would do. To take as little of it as possible, the generator speaks
HTTP/1.1 itself over keep-alive sockets (\`bench/lib/raw-http-pool.mjs\`, like wrk would): ~50 µs of
CPU per request here, against ~150 µs through undici's \`Pool.request()\`; each result's notes give
what the generator cost. Every answer is still checked (status and body), errors are counted and
must be 0; a run with errors fails whatever its rate.`;

const cpuText = (cpu) =>
  cpu === undefined
    ? 'not measured'
    : `the machine was ${Math.round(cpu.machineBusyPct)} % busy, this bench (server and load generator) ` +
      `${Math.round(cpu.benchPct)} %, PostgreSQL and other processes the other ` +
      `${Math.max(0, Math.round(cpu.machineBusyPct - cpu.benchPct))} %`;

const intro = ({ machine, startedAt, finishedAt, loadAtEnd, results, scenarios, cpu }) => {
  const failed = results.filter((result) => result.pass === false);
  const checked = results.filter((result) => result.pass !== null);
  return `# Benchmarks

Measured numbers for Cutoff, produced by \`npm run bench\` (\`bench/run.mjs\`). This file is rewritten
between its \`<!-- bench:... -->\` markers by every run; text outside them is kept.

## Last run

- date: ${startedAt.toISOString()} (took ${Math.round((finishedAt - startedAt) / 1000)} s)
- scenarios: ${scenarios.map((scenario) => `\`${scenario}\``).join(', ')}
- targets: ${checked.length - failed.length} of ${checked.length} met${
    failed.length > 0
      ? ` — **missed: ${failed.map((result) => `${result.scenario} / ${result.backend} / ${result.subject}`).join('; ')}**`
      : ''
  }
- code: ${machine.source}
- machine: ${machine.cpus} CPUs (\`nproc\`), ${machine.cpuModel}, ${machine.memoryGiB} GiB RAM, ${machine.os}
- speed probe (one core, to compare machines): ${machine.speed}
- Node.js ${machine.node}, PostgreSQL ${machine.postgres}, SQLite via better-sqlite3 (WAL, \`synchronous = NORMAL\`)
- load average (1/5/15 min) at start ${machine.loadAtStart}, at end ${loadAtEnd}; CPU over the run:
  ${cpuText(cpu)}. Other work on the machine makes every number lower and noisier.

${REPRODUCE}`;
};

const groupBlock = (group) => `## ${group.title}\n\n${group.intro}`;

const scenarioBlock = (scenario, results, cpu, { startedAt, options }) => {
  const interpretation = scenario.interpret?.(results) ?? '';
  return `### ${scenario.title}

${scenario.about}

Measured ${startedAt.toISOString()}, ${options.durationMs / 1000} s per run after ${options.warmupMs / 1000} s of warm-up. CPU during this scenario: ${cpuText(cpu)}.

${markdownTable(results)}

${interpretation}`;
};

/** Rewrites the blocks of this run in `path`, keeping everything else. */
export const writeDocs = async (path, run) => {
  let document = '';
  try {
    document = await readFile(path, 'utf8');
  } catch (error) {
    if (error.code !== 'ENOENT') throw error;
  }
  const blocks = [{ id: 'intro', body: intro(run) }];
  for (const { group, scenario, results, cpu } of run.ran) {
    if (!blocks.some((block) => block.id === group.id))
      blocks.push({ id: group.id, body: groupBlock(group) });
    blocks.push({ id: `${group.id}/${scenario.id}`, body: scenarioBlock(scenario, results, cpu, run) });
  }
  await writeFile(path, spliceBlocks(document, blocks));
};
