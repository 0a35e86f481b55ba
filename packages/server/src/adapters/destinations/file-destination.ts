import { mkdir, open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { dirname, isAbsolute, join, normalize, sep } from 'node:path';
import type { DestinationSender, OutboundEvent } from '../../ports/destination-sender.js';
import type { DestinationType } from '../../ports/destination-types.js';
import { ConfigFields } from './config-fields.js';
import { httpEnvelope } from './http-destination.js';

export interface FileDestinationConfig {
  /** Relative to the server's destination file directory. */
  readonly path: string;
  readonly maxBytes: number;
  readonly keep: number;
  readonly batchSize: number;
}

/**
 * Paths stay inside the configured directory: an admin API key must not become a way to write
 * any file the server process can (its own database, a cron directory).
 */
const pathProblem = (path: string): string | undefined => {
  if (isAbsolute(path) || path.includes('\0'))
    return 'path must be relative to the destination file directory.';
  const normalized = normalize(path);
  if (normalized === '..' || normalized.startsWith(`..${sep}`) || normalized.split(sep).includes('..'))
    return 'path must stay inside the destination file directory (no "..").';
  return undefined;
};

const readConfig = (config: Readonly<Record<string, unknown>>): FileDestinationConfig => ({
  path: String(config['path']),
  maxBytes: Number(config['max_bytes']),
  keep: Number(config['keep']),
  batchSize: Number(config['batch_size']),
});

const exists = async (path: string): Promise<boolean> => {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
};

/** JSON Lines, appended and fsynced per batch, rotated by size (`<path>.1` is the newest old file). */
class FileSender implements DestinationSender {
  readonly #file: string;
  readonly #config: FileDestinationConfig;
  #handle: FileHandle | undefined;
  #size = 0;

  constructor(file: string, config: FileDestinationConfig) {
    this.#file = file;
    this.#config = config;
  }

  async send(batch: readonly OutboundEvent[]): Promise<void> {
    if (batch.length === 0) return;
    const data = Buffer.from(
      batch.map((event) => `${JSON.stringify(httpEnvelope(event))}\n`).join(''),
      'utf8',
    );
    const handle = await this.#open();
    if (this.#size > 0 && this.#size + data.length > this.#config.maxBytes) {
      await this.#rotate();
      return this.send(batch);
    }
    try {
      await handle.write(data);
      // Acknowledged only once on disk: a crash after the ack must not lose what the cursor skipped.
      await handle.sync();
      this.#size += data.length;
    } catch (error) {
      // Reopen next time: the size we tracked may no longer be the file's.
      await this.close();
      throw new Error(
        `append to ${this.#config.path} failed: ${error instanceof Error ? error.message : 'unknown'}`,
      );
    }
  }

  async close(): Promise<void> {
    const handle = this.#handle;
    this.#handle = undefined;
    await handle?.close().catch(() => undefined);
  }

  async #open(): Promise<FileHandle> {
    if (this.#handle !== undefined) return this.#handle;
    await mkdir(dirname(this.#file), { recursive: true });
    const handle = await open(this.#file, 'a', 0o600);
    this.#size = (await handle.stat()).size;
    this.#handle = handle;
    return handle;
  }

  /** `<path>` becomes `<path>.1`, `.1` becomes `.2` ... and the one past `keep` is deleted. */
  async #rotate(): Promise<void> {
    await this.close();
    const { keep } = this.#config;
    await rm(`${this.#file}.${keep}`, { force: true });
    for (let index = keep - 1; index >= 1; index -= 1) {
      const from = `${this.#file}.${index}`;
      if (await exists(from)) await rename(from, `${this.#file}.${index + 1}`);
    }
    if (keep === 0) await rm(this.#file, { force: true });
    else await rename(this.#file, `${this.#file}.1`);
  }
}

/** `file`: JSON Lines under the destination file directory, with size-based rotation. */
export const fileDestinationType: DestinationType = {
  secretFields: [],
  batchSize: (config) => readConfig(config).batchSize,
  parseConfig(input) {
    const fields = new ConfigFields(input);
    const path = fields.string('path', { required: true, maxLength: 512 });
    const maxBytes = fields.integer('max_bytes', { min: 4096, max: 2 ** 40, default: 100 * 1024 * 1024 });
    const keep = fields.integer('keep', { min: 0, max: 1000, default: 5 });
    const batchSize = fields.integer('batch_size', { min: 1, max: 10_000, default: 100 });
    fields.rejectUnknown();
    const problem = path === undefined ? undefined : pathProblem(path);
    if (problem !== undefined) fields.errors.push(problem);
    if (fields.errors.length > 0 || path === undefined) return { ok: false, errors: fields.errors };
    return {
      ok: true,
      value: {
        config: { path: normalize(path), max_bytes: maxBytes, keep, batch_size: batchSize },
        secrets: {},
      },
    };
  },
  createSender(stored, deps) {
    const config = readConfig(stored.config);
    return new FileSender(join(deps.fileDir, config.path), config);
  },
};
