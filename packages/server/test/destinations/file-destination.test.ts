import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualScheduler } from '../support/manual-scheduler.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('../../../../', import.meta.url));
const bin = join(root, 'packages/server/dist/cli/main.js');

/** `cutoff --json audit verify --from-file ...` as a user runs it: exit code and report. */
const verifyFiles = async (...files: string[]): Promise<{ code: number; report: any }> => {
  try {
    const { stdout } = await run(process.execPath, [
      bin,
      '--json',
      'audit',
      'verify',
      ...files.flatMap((f) => ['--from-file', f]),
    ]);
    return { code: 0, report: JSON.parse(stdout) };
  } catch (error) {
    const failed = error as { code: number; stdout: string };
    return { code: failed.code, report: JSON.parse(failed.stdout) };
  }
};

describe('file destination and audit verify --from-file', () => {
  let server: TestServer;
  let dir: string;
  let head: number;

  beforeAll(async () => {
    // The CLI runs from the build, as users run it.
    await run(process.execPath, [
      join(root, 'node_modules/typescript/bin/tsc'),
      '-b',
      join(root, 'packages/server'),
    ]);
    dir = await mkdtemp(join(tmpdir(), 'cutoff-destination-files-'));
    server = await startTestServer({ scheduler: new ManualScheduler(), config: { destinationFileDir: dir } });
    const put = await server.api('PUT', '/v1/destinations/archive', {
      type: 'file',
      path: 'audit/archive.jsonl',
      max_bytes: 4096,
      keep: 2,
      batch_size: 4,
    });
    expect(put.status).toBe(201);
    for (let i = 0; i < 40; i += 1)
      expect(
        (await server.api('POST', '/v1/users', { username: `file-user-${i}`, roles: [], groups: [] })).status,
      ).toBe(201);
    await server.server.deliveries.runNow();
    await server.server.deliveries.idle();
    head = (await server.api('GET', '/v1/destinations/archive')).body.status.head_seq as number;
  }, 180_000);

  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('appends JSON Lines, rotates by size and keeps `keep` old files; the kept copy is contiguous up to the head', async () => {
    const status = (await server.api('GET', '/v1/destinations/archive')).body.status;
    expect(status).toMatchObject({ delivered_seq: head, lag_events: 0, last_error: null });
    const files = (await readdir(join(dir, 'audit'))).sort();
    expect(files).toEqual(['archive.jsonl', 'archive.jsonl.1', 'archive.jsonl.2']);
    const ordered = ['archive.jsonl.2', 'archive.jsonl.1', 'archive.jsonl'].map((f) => join(dir, 'audit', f));
    for (const file of ordered) expect((await stat(file)).size).toBeLessThanOrEqual(4096);
    const seqs: number[] = [];
    for (const file of ordered)
      for (const line of (await readFile(file, 'utf8')).split('\n').filter((l) => l !== '')) {
        const envelope = JSON.parse(line);
        expect(envelope.id).toBe(`archive:${envelope.data.seq}`);
        seqs.push(envelope.data.seq as number);
      }
    // Older events were rotated away (keep 2); what is kept runs without a gap to the head.
    expect(seqs[0]).toBeGreaterThan(1);
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => (seqs[0] ?? 0) + i));
    expect(seqs.at(-1)).toBe(head);

    const verified = await verifyFiles(...ordered);
    expect(verified.code).toBe(0);
    expect(verified.report).toMatchObject({
      ok: true,
      firstSeq: seqs[0],
      lastSeq: head,
      gaps: [],
      edits: [],
    });
  });

  it('audit verify --from-file reports a deleted line as a gap and an edited line as an edit, exit code 1', async () => {
    const file = join(dir, 'audit', 'archive.jsonl.1');
    const lines = (await readFile(file, 'utf8')).split('\n').filter((l) => l !== '');
    expect(lines.length).toBeGreaterThanOrEqual(4);
    const deletedSeq = JSON.parse(lines[1] ?? '').data.seq as number;
    const deleted = join(dir, 'deleted.jsonl');
    await writeFile(deleted, `${lines.filter((_, i) => i !== 1).join('\n')}\n`);
    const gap = await verifyFiles(deleted);
    expect(gap.code).toBe(1);
    expect(gap.report.ok).toBe(false);
    expect(gap.report.gaps).toEqual([{ from: deletedSeq, to: deletedSeq }]);

    const edited = join(dir, 'edited.jsonl');
    const victim = JSON.parse(lines[2] ?? '');
    victim.data.reason = 'manual';
    victim.data.actor.id = 'someone-else';
    await writeFile(edited, `${lines.map((l, i) => (i === 2 ? JSON.stringify(victim) : l)).join('\n')}\n`);
    const edit = await verifyFiles(edited);
    expect(edit.code).toBe(1);
    expect(edit.report.gaps).toEqual([]);
    expect(edit.report.edits).toEqual([
      { seq: victim.data.seq, line: 3, problem: 'its hash does not match its content (edited)' },
    ]);

    // A copy delivered twice (at least once, or a replay) is still intact.
    const doubled = join(dir, 'doubled.jsonl');
    await writeFile(doubled, `${[...lines, ...lines.slice(1)].join('\n')}\n`);
    const twice = await verifyFiles(doubled);
    expect(twice.code).toBe(0);
    expect(twice.report.duplicates).toBe(lines.length - 1);
  });
});
