import type { Catalog, SubjectName } from './subjects';

/**
 * Row types derived from the subject catalog (subjects.ts), so that a field added there reaches
 * every type that holds a row: numbers for `integer` and `number`, the listed values for `enum`,
 * text for everything else (dates and timestamps are ISO text); a nullable field may hold null.
 */
type ValueOf<F> = F extends { type: 'integer' | 'number' } ? number : F extends { type: 'enum'; values: readonly (infer V)[] } ? V : string;

type NullableKeys<Fs> = { [K in keyof Fs]: Fs[K] extends { nullable: true } ? K : never }[keyof Fs];

type Flat<T> = { [K in keyof T]: T[K] };

type Row<Fs> = Flat<{ -readonly [K in Exclude<keyof Fs, NullableKeys<Fs>>]: ValueOf<Fs[K]> } & { -readonly [K in NullableKeys<Fs>]: ValueOf<Fs[K]> | null }>;

type StoredFieldsOf<S extends SubjectName> = Catalog[S] extends { storedFields: infer F } ? F : unknown;

/** A row as the API answers it: every catalog field of subject S. */
export type CatalogRow<S extends SubjectName> = Row<Catalog[S]['fields']>;

/** A row as a data set writes it (demo data, fixtures): nullable fields may be left out, meaning null. */
export type CatalogRecord<S extends SubjectName> = Flat<
  Omit<CatalogRow<S>, NullableKeys<Catalog[S]['fields']>> & Partial<Pick<CatalogRow<S>, NullableKeys<Catalog[S]['fields']> & keyof CatalogRow<S>>>
>;

/** A row as the table stores it: the catalog fields and the columns the gateway keeps for itself. */
export type StoredRow<S extends SubjectName> = Row<Catalog[S]['fields'] & StoredFieldsOf<S>>;
