import { DataSource, EntityMetadata, EntityTarget, ObjectLiteral, QueryRunner, Table, TableColumn, TableIndex } from 'typeorm';
import type { TableColumnOptions } from 'typeorm/schema-builder/options/TableColumnOptions';
import type { TableIndexOptions } from 'typeorm/schema-builder/options/TableIndexOptions';

/**
 * One step from the migrated schema to the entities' schema, in the driver-neutral terms of
 * TypeORM's QueryRunner, with what undoing it needs (a dropped column's or index's definition).
 */
export type SchemaChange =
  | { kind: 'createTable' | 'dropTable'; table: string; columns: TableColumnOptions[]; indices: TableIndexOptions[] }
  | { kind: 'addColumn' | 'dropColumn'; table: string; column: TableColumnOptions }
  | { kind: 'createIndex' | 'dropIndex'; table: string; index: TableIndexOptions };

/** A difference the QueryRunner steps above cannot express safely: its migration is written by hand. */
export class UnexpressibleChange extends Error {}

/**
 * What `entities` describe and the database behind `ds` lacks, or holds beyond them: tables,
 * columns and indexes. A column or an index of the same name that differs (type, length,
 * nullability, key, index columns or uniqueness) is an UnexpressibleChange.
 */
export async function schemaChanges(ds: DataSource, entities: ReadonlyArray<EntityTarget<ObjectLiteral>>): Promise<SchemaChange[]> {
  const q = ds.createQueryRunner();
  try {
    const changes: SchemaChange[] = [];
    for (const entity of entities) {
      const metadata = ds.getMetadata(entity);
      const wanted = { columns: metadata.columns.map(columnOptions), indices: indexOptions(metadata) };
      const table = await q.getTable(metadata.tableName);
      if (!table) {
        changes.push({ kind: 'createTable', table: metadata.tableName, ...wanted });
        continue;
      }
      const named = <T extends { name?: string }>(list: T[], name: string | undefined) => list.find((item) => item.name === name);
      const tableColumns = table.columns.map(existingColumn);
      const tableIndices = table.indices.map((i): TableIndexOptions => ({ name: i.name, columnNames: [...i.columnNames], isUnique: i.isUnique }));
      for (const index of tableIndices) {
        if (!named(wanted.indices, index.name)) changes.push({ kind: 'dropIndex', table: table.name, index });
      }
      for (const column of tableColumns) {
        if (!named(wanted.columns, column.name)) changes.push({ kind: 'dropColumn', table: table.name, column });
      }
      for (const column of wanted.columns) {
        const existing = named(tableColumns, column.name);
        if (!existing) changes.push({ kind: 'addColumn', table: table.name, column });
        else if (describeColumn(existing) !== describeColumn(column)) {
          throw new UnexpressibleChange(`${table.name}.${column.name} changes from ${describeColumn(existing)} to ${describeColumn(column)}`);
        }
      }
      const dropped = changes.filter((c) => c.kind === 'dropColumn' && c.table === table.name);
      const added = changes.filter((c) => c.kind === 'addColumn' && c.table === table.name);
      if (dropped.length > 0 && added.length > 0) {
        const names = (list: SchemaChange[]) => list.map((c) => ('column' in c ? c.column.name : '')).join(', ');
        throw new UnexpressibleChange(
          `${table.name} drops ${names(dropped)} and adds ${names(added)}: if that is a rename, a generated drop and add would lose the column's values`,
        );
      }
      for (const index of wanted.indices) {
        const existing = named(tableIndices, index.name);
        if (!existing) changes.push({ kind: 'createIndex', table: table.name, index });
        else if (describeIndex(existing) !== describeIndex(index)) {
          throw new UnexpressibleChange(`index ${index.name} on ${table.name} changes from ${describeIndex(existing)} to ${describeIndex(index)}`);
        }
      }
    }
    return changes;
  } finally {
    await q.release();
  }
}

/** Runs the changes in order, as the generated migration does (migration-source.ts writes the same calls). */
export async function applyChanges(q: QueryRunner, changes: readonly SchemaChange[]): Promise<void> {
  for (const change of changes) {
    switch (change.kind) {
      case 'createTable':
        await q.createTable(new Table({ name: change.table, columns: change.columns, indices: change.indices }));
        break;
      case 'dropTable':
        await q.dropTable(change.table);
        break;
      case 'addColumn':
        await q.addColumn(change.table, new TableColumn(change.column));
        break;
      case 'dropColumn':
        await q.dropColumn(change.table, change.column.name);
        break;
      case 'createIndex':
        await q.createIndex(change.table, new TableIndex(change.index));
        break;
      case 'dropIndex':
        await q.dropIndex(change.table, change.index.name!);
        break;
    }
  }
}

/** The steps that undo `changes`, in the order to run them (a migration's `down`). */
export function undoChanges(changes: readonly SchemaChange[]): SchemaChange[] {
  return [...changes].reverse().map((change): SchemaChange => {
    switch (change.kind) {
      case 'createTable':
        return { ...change, kind: 'dropTable' };
      case 'dropTable':
        return { ...change, kind: 'createTable' };
      case 'addColumn':
        return { ...change, kind: 'dropColumn' };
      case 'dropColumn':
        return { ...change, kind: 'addColumn' };
      case 'createIndex':
        return { ...change, kind: 'dropIndex' };
      case 'dropIndex':
        return { ...change, kind: 'createIndex' };
    }
  });
}

function columnOptions(column: EntityMetadata['columns'][number]): TableColumnOptions {
  return {
    name: column.databaseName,
    type: String(column.type),
    ...(column.length ? { length: String(column.length) } : {}),
    ...(column.isNullable ? { isNullable: true } : {}),
    ...(column.isPrimary ? { isPrimary: true } : {}),
  };
}

/** A column as the database reports it, in the same terms as `columnOptions`. */
function existingColumn(column: TableColumn): TableColumnOptions {
  return {
    name: column.name,
    type: column.type.toLowerCase(),
    ...(column.length ? { length: column.length } : {}),
    ...(column.isNullable ? { isNullable: true } : {}),
    ...(column.isPrimary ? { isPrimary: true } : {}),
  };
}

function indexOptions(metadata: EntityMetadata): TableIndexOptions[] {
  return metadata.indices.map((index) => ({
    name: index.name,
    columnNames: index.columns.map((c) => c.databaseName),
    ...(index.isUnique ? { isUnique: true } : {}),
  }));
}

function describeColumn(c: TableColumnOptions): string {
  return `${c.type}${c.length ? `(${c.length})` : ''}${c.isNullable ? ' null' : ' not null'}${c.isPrimary ? ' primary key' : ''}`;
}

function describeIndex(i: TableIndexOptions): string {
  return `${i.isUnique ? 'unique ' : ''}(${i.columnNames.join(', ')})`;
}
