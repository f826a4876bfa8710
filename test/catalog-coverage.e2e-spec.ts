/**
 * Every field of the subject catalog (src/data/subjects.ts) reaches every place it should, as a
 * started gateway serves them: the OpenAPI answer and request-body schemas, the GraphQL object,
 * filter and mutation input types, and the table behind the entity. A field added to the catalog and
 * missed anywhere fails here, and so does a field some transport carries that the catalog does not name.
 */
import { GraphQLSchemaHost } from '@nestjs/graphql';
import { GraphQLInputObjectType, GraphQLNonNull, GraphQLObjectType } from 'graphql';
import { DataSource } from 'typeorm';
import { ENTITY_OF } from '../src/data/entities';
import { fieldsOf, SUBJECT_NAMES, SUBJECTS, SubjectName, writableFields } from '../src/data/subjects';
import { TestGateway } from './support/test-app';

interface SchemaObject {
  properties: Record<string, unknown>;
  required?: string[];
}

describe('the subject catalog is the one source of every field', () => {
  let gw: TestGateway;
  let schemas: Record<string, SchemaObject>;
  beforeAll(async () => {
    gw = await TestGateway.start();
    schemas = ((await gw.http.get('/docs-json').expect(200)).body as { components: { schemas: Record<string, SchemaObject> } }).components.schemas;
  });
  afterAll(async () => {
    await gw?.stop();
  });

  const sorted = (names: Iterable<string>) => [...names].sort();
  const graphqlType = (name: string) => gw.app.get(GraphQLSchemaHost, { strict: false }).schema.getType(name);
  const inputFields = (name: string) => {
    const type = graphqlType(name);
    if (!(type instanceof GraphQLInputObjectType)) throw new Error(`${name} is not an input type`);
    return type.getFields();
  };
  /** The REST bodies and GraphQL inputs of each subject, and what each may carry. */
  const bodies: Array<{ subject: SubjectName; action: 'create' | 'update'; openapi: string; graphql: string | null; graphqlRequires: boolean }> = [
    { subject: 'DemandSignal', action: 'create', openapi: 'CreateDemandSignalDto', graphql: 'DemandSignalInput', graphqlRequires: true },
    { subject: 'CapacitySignal', action: 'create', openapi: 'CreateCapacitySignalDto', graphql: 'CapacitySignalInput', graphqlRequires: false },
    { subject: 'CapacitySignal', action: 'update', openapi: 'UpdateCapacitySignalDto', graphql: null, graphqlRequires: false },
    { subject: 'Shipment', action: 'create', openapi: 'CreateShipmentDto', graphql: null, graphqlRequires: false },
    { subject: 'Shipment', action: 'update', openapi: 'UpdateShipmentDto', graphql: 'ShipmentUpdateInput', graphqlRequires: false },
    { subject: 'ShipmentEvent', action: 'create', openapi: 'RecordShipmentEventDto', graphql: 'ShipmentEventInput', graphqlRequires: true },
  ];

  it.each([...SUBJECT_NAMES])(
    '%s: the OpenAPI answer schema, the GraphQL type and filter, and the table hold exactly the catalog fields (and the stored-only columns)',
    (subject) => {
      const fields = sorted(fieldsOf(subject));
      expect(sorted(Object.keys(schemas[subject].properties))).toEqual(fields);
      const object = graphqlType(subject);
      expect(object).toBeInstanceOf(GraphQLObjectType);
      expect(sorted(Object.keys((object as GraphQLObjectType).getFields()))).toEqual(fields);
      // Tracking events are read as a shipment's history, not listed with filters.
      if (subject !== 'ShipmentEvent') expect(sorted(Object.keys(inputFields(`${subject}Filter`)))).toEqual(fields);
      const columns = gw.app.get(DataSource).getMetadata(ENTITY_OF[subject]).columns;
      expect(sorted(columns.map((c) => c.propertyName))).toEqual(sorted([...fields, ...(SUBJECTS[subject].storedOnly ?? [])]));
      expect(gw.app.get(DataSource).getMetadata(ENTITY_OF[subject]).tableName).toBe(SUBJECTS[subject].table);
    },
  );

  it.each(bodies)(
    '$openapi and $graphql carry exactly what the catalog lets a $subject $action body carry',
    ({ subject, action, openapi, graphql, graphqlRequires }) => {
      const writable = writableFields(subject, action);
      expect(writable.length).toBeGreaterThan(0);
      const body = schemas[openapi];
      expect(sorted(Object.keys(body.properties))).toEqual(sorted(writable.map((w) => w.field)));
      expect(sorted(body.required ?? [])).toEqual(sorted(writable.filter((w) => w.required).map((w) => w.field)));
      for (const system of SUBJECTS[subject].systemFields) expect(Object.keys(body.properties)).not.toContain(system);
      if (!graphql) return;
      const input = inputFields(graphql);
      expect(sorted(Object.keys(input))).toEqual(sorted(writable.map((w) => w.field)));
      const nonNull = Object.values(input)
        .filter((f) => f.type instanceof GraphQLNonNull)
        .map((f) => f.name);
      expect(sorted(nonNull)).toEqual(graphqlRequires ? sorted(writable.filter((w) => w.required).map((w) => w.field)) : []);
    },
  );
});
