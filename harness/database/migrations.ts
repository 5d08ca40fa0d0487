import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Sql } from '../../db/connection.js';
import { EnvironmentError } from '../model/errors.js';
import { projectPath } from '../model/paths.js';

/** One file of sql/migrations: `<version>_<name>.sql`, versions counting up from 1 without a gap. */
export interface Migration {
  version: number;
  name: string;
  file: string;
}

/** What a migrate call found and did. */
export interface MigrationReport {
  /** The version recorded before; 0 for a database without schema evento or with a first-release one. */
  from: number;
  to: number;
  applied: Migration[];
}

export const migrationsFolder = projectPath('sql/migrations');

const fileName = /^(\d+)_([a-z0-9_]+)\.sql$/;

const sqlFiles = async (folder: string) =>
  (await readdir(folder, { withFileTypes: true }))
    .filter((entry) => entry.isFile() && entry.name.endsWith('.sql'))
    .map((entry) => entry.name)
    .sort();

/** The migrations in `folder`, in order; a misnamed file or a gap is a packaging mistake and throws. */
export async function readMigrations(folder = migrationsFolder): Promise<Migration[]> {
  const files = await sqlFiles(folder);
  return files.map((file, index) => {
    const match = fileName.exec(file);
    if (!match?.[1] || !match[2]) throw new Error(`${join(folder, file)}: a migration is named <version>_<name>.sql, e.g. 002_add_column.sql`);
    const version = Number(match[1]);
    if (version !== index + 1) throw new Error(`${join(folder, file)}: expected version ${index + 1} here (versions count up from 1 without a gap)`);
    return { version, name: match[2], file: join(folder, file) };
  });
}

/**
 * Brings schema evento up to the newest migration, each in its own transaction under one advisory
 * lock, so that concurrent starts apply each migration once. A schema from the first release
 * (created whole by what is now 001, with no version recorded) is upgraded in place: 001 only
 * ever creates what is missing, so it completes that schema and records version 1. Then the files
 * of `<folder>/repeatable/`, idempotent, run once more on every start.
 */
export async function migrate(sql: Sql, folder = migrationsFolder): Promise<MigrationReport> {
  const migrations = await readMigrations(folder);
  const repeatable = join(folder, 'repeatable');
  // A folder without repeatable files may leave the subfolder out.
  const repeatables = existsSync(repeatable) ? (await sqlFiles(repeatable)).map((file) => join(repeatable, file)) : [];
  const known = migrations.at(-1)?.version ?? 0;
  const applied: Migration[] = [];
  let from = 0;
  let to = 0;
  for (;;) {
    const next = await sql.begin(async (tx) => {
      await tx`select pg_advisory_xact_lock(hashtext('evento.schema'))`;
      await tx`create schema if not exists evento`;
      await tx`
        create table if not exists evento.schema_migrations (
          version int primary key,
          name text not null,
          applied_at timestamptz not null default now()
        )`;
      const rows = await tx<{ version: number; name: string }[]>`select version, name from evento.schema_migrations order by version`;
      const current = rows.at(-1)?.version ?? 0;
      if (applied.length === 0) from = current;
      to = current;
      if (current > known) {
        throw new EnvironmentError(
          `schema evento is at version ${current}, newer than this evento knows (version ${known}); use the evento release that upgraded it, or a newer one`,
        );
      }
      for (const row of rows) {
        const name = migrations[row.version - 1]?.name;
        if (row.name !== name)
          throw new EnvironmentError(`schema evento's version ${row.version} is "${row.name}", this evento's is "${name ?? '(none)'}"`);
      }
      const migration = migrations[current];
      if (!migration) {
        for (const file of repeatables) await tx.file(file).simple();
        return undefined;
      }
      await tx.file(migration.file).simple();
      await tx`insert into evento.schema_migrations (version, name) values (${migration.version}, ${migration.name})`;
      to = migration.version;
      return migration;
    });
    if (!next) return { from, to, applied };
    applied.push(next);
  }
}
