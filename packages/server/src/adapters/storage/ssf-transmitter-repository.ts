import type { Selectable } from 'kysely';
import { CutoffError } from '../../domain/errors.js';
import type { SsfTransmitterRecord } from '../../domain/signals/transmitter.js';
import type { SsfTransmitterRepository } from '../../ports/storage/ssf-transmitters.js';
import { fromMillis, toMillis } from './row-mapping.js';
import type { SsfTransmittersTable } from './schema.js';
import { insertedRows } from './store-context.js';
import type { StoreContext } from './store-context.js';

const rowToTransmitter = (row: Selectable<SsfTransmittersTable>): SsfTransmitterRecord => ({
  name: row.name,
  issuer: row.issuer,
  jwksUri: row.jwks_uri,
  audience: row.audience,
  maxAgeSeconds: Number(row.max_age_seconds),
  createdAt: fromMillis(row.created_at),
  updatedAt: fromMillis(row.updated_at),
});

const issuerTaken = (issuer: string, holder: string): CutoffError =>
  new CutoffError('ERR_CONFLICT', {
    message: 'Another transmitter has this issuer: a SET names one transmitter by its iss.',
    detail: `issuer ${JSON.stringify(issuer)} belongs to transmitter ${holder}`,
  });

/** A unique-index violation of either dialect (a concurrent put of the same issuer). */
const isUniqueViolation = (error: unknown): boolean => {
  const code = (error as { code?: unknown } | null)?.code;
  return code === '23505' || code === 'SQLITE_CONSTRAINT_UNIQUE';
};

export class KyselySsfTransmitterRepository implements SsfTransmitterRepository {
  readonly #context: StoreContext;

  constructor(context: StoreContext) {
    this.#context = context;
  }

  async put(transmitter: SsfTransmitterRecord): Promise<boolean> {
    const holder = await this.findByIssuer(transmitter.issuer);
    if (holder !== undefined && holder.name !== transmitter.name)
      throw issuerTaken(transmitter.issuer, holder.name);
    const row = {
      name: transmitter.name,
      issuer: transmitter.issuer,
      jwks_uri: transmitter.jwksUri,
      audience: transmitter.audience,
      max_age_seconds: transmitter.maxAgeSeconds,
      created_at: toMillis(transmitter.createdAt),
      updated_at: toMillis(transmitter.updatedAt),
    };
    try {
      const inserted = await this.#context.db
        .insertInto('ssf_transmitters')
        .values(row)
        .onConflict((oc) => oc.column('name').doNothing())
        .executeTakeFirst();
      if (insertedRows(inserted) === 1) return true;
      // A replacement keeps the original creation time.
      const { name, created_at: _createdAt, ...changes } = row;
      await this.#context.db.updateTable('ssf_transmitters').set(changes).where('name', '=', name).execute();
      return false;
    } catch (error) {
      if (isUniqueViolation(error)) throw issuerTaken(transmitter.issuer, 'another one (concurrently)');
      throw error;
    }
  }

  async find(name: string): Promise<SsfTransmitterRecord | undefined> {
    const row = await this.#context.db
      .selectFrom('ssf_transmitters')
      .selectAll()
      .where('name', '=', name)
      .executeTakeFirst();
    return row === undefined ? undefined : rowToTransmitter(row);
  }

  async findByIssuer(issuer: string): Promise<SsfTransmitterRecord | undefined> {
    const row = await this.#context.db
      .selectFrom('ssf_transmitters')
      .selectAll()
      .where('issuer', '=', issuer)
      .executeTakeFirst();
    return row === undefined ? undefined : rowToTransmitter(row);
  }

  async list(): Promise<readonly SsfTransmitterRecord[]> {
    const rows = await this.#context.db.selectFrom('ssf_transmitters').selectAll().orderBy('name').execute();
    return rows.map(rowToTransmitter);
  }

  async remove(name: string): Promise<boolean> {
    const result = await this.#context.db
      .deleteFrom('ssf_transmitters')
      .where('name', '=', name)
      .executeTakeFirst();
    return Number(result.numDeletedRows) === 1;
  }
}
