import { EntitySchema, EntitySchemaColumnOptions, EntitySchemaIndexOptions } from 'typeorm';
import { columnOf } from './column-name';
import { KEYSET_FIELDS } from './keyset-indexes';
import { FieldSpec, SubjectSpec } from './subjects';

/** Strings longer than this are `text` columns; up to it, `varchar(maxLength)`. */
const LONGEST_VARCHAR = 255;
/** Enum values are stored as text of at most this length. */
const ENUM_LENGTH = 16;

/**
 * The column a catalog field is stored in. Dates and timestamps are ISO text (docs/architecture.md,
 * "Timestamps as ISO text on both dialects"); numbers are `double precision` on both dialects.
 */
export function columnFor(field: string, spec: FieldSpec): EntitySchemaColumnOptions {
  const column: Omit<EntitySchemaColumnOptions, 'type'> = { name: columnOf(field), nullable: spec.nullable === true, primary: field === 'id' };
  switch (spec.type) {
    case 'string':
      if (spec.maxLength === undefined) throw new Error(`catalog field ${field}: a string needs maxLength (its column's length)`);
      return spec.maxLength > LONGEST_VARCHAR ? { ...column, type: 'text' } : { ...column, type: 'varchar', length: spec.maxLength };
    case 'enum':
      if (spec.values?.some((value) => value.length > ENUM_LENGTH))
        throw new Error(`catalog field ${field}: enum values hold at most ${ENUM_LENGTH} characters`);
      return { ...column, type: 'varchar', length: ENUM_LENGTH };
    case 'date':
      return { ...column, type: 'varchar', length: 10 };
    case 'timestamp':
      return { ...column, type: 'varchar', length: 30 };
    case 'integer':
      return { ...column, type: 'integer' };
    case 'number':
      return { ...column, type: 'double precision' };
  }
}

/**
 * The TypeORM entity of a subject, built from its catalog entry: a column per field and per
 * stored-only column, the keyset indexes `idx_<table>_<column>_id` over (field, id), and the
 * subject's own indexes. Rows are plain objects keyed by field name.
 */
export function catalogEntity<Row extends object>(spec: SubjectSpec, keysetFields: readonly string[] = KEYSET_FIELDS[spec.name]): EntitySchema<Row> {
  const columns: Record<string, EntitySchemaColumnOptions> = {};
  for (const [field, fieldSpec] of Object.entries({ ...spec.fields, ...spec.storedFields })) columns[field] = columnFor(field, fieldSpec);
  const indices: EntitySchemaIndexOptions[] = [
    ...keysetFields.map((field) => ({ name: `idx_${spec.table}_${columnOf(field)}_id`, columns: [field, 'id'] })),
    ...(spec.indexes ?? []).map((index) => ({ name: index.name, columns: [...index.fields], unique: index.unique === true })),
  ];
  for (const index of indices) {
    const unknown = (index.columns as string[]).filter((field) => !(field in columns));
    if (unknown.length > 0) throw new Error(`${spec.name}: an index names ${unknown.join(', ')}, which the catalog does not hold`);
  }
  return new EntitySchema<Row>({ name: spec.name, tableName: spec.table, columns, indices });
}
