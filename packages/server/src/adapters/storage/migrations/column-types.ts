import { sql } from 'kysely';
import type { StoreDialect } from '../schema.js';

/**
 * Column types that differ between the dialects. PostgreSQL text keys use the "C" collation so
 * that id ordering (and thus cursor paging) is bytewise, as on SQLite, and index-friendly.
 */
export const columnTypes = (dialect: StoreDialect) =>
  ({
    key: dialect === 'postgres' ? sql`text collate "C"` : sql`text`,
    millis: sql`bigint`,
    seconds: sql`bigint`,
    flag: sql`integer`,
  }) as const;
