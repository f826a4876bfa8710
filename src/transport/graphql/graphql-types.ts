import { Type } from '@nestjs/common';
import { Field, Float, ID, InputType, Int, ObjectType } from '@nestjs/graphql';
import { FieldSpec, SUBJECT_NAMES, SUBJECTS, SubjectName, writableFields } from '../../data/subjects';

/**
 * GraphQL object, filter and connection types are built from the subject catalog, so the
 * schema names exactly the fields policies can name. Every data field is nullable: a field
 * your policy withholds comes back null with a FORBIDDEN_FIELD error at its path.
 */
export function scalarOf(name: string, spec: FieldSpec) {
  if (name === 'id' || name.endsWith('Id')) return ID;
  if (spec.type === 'integer') return Int;
  if (spec.type === 'number') return Float;
  return String;
}

@ObjectType('PageInfo')
export class PageInfo {
  @Field(() => String, { nullable: true }) endCursor: string | null;
  @Field(() => Boolean) hasNextPage: boolean;
}

export interface SubjectTypes {
  object: Type<unknown>;
  filter: Type<unknown>;
  connection: Type<unknown>;
}

function build(subject: SubjectName): SubjectTypes {
  const fields = Object.entries(SUBJECTS[subject].fields);

  class ObjectShape {}
  for (const [name, spec] of fields) Field(() => scalarOf(name, spec), { nullable: true })(ObjectShape.prototype, name);
  Object.defineProperty(ObjectShape, 'name', { value: `${subject}Type` });
  ObjectType(subject, { description: `${subject} (fields your policy withholds are null, with a FORBIDDEN_FIELD error)` })(ObjectShape);

  class FilterShape {}
  for (const [name, spec] of fields) Field(() => scalarOf(name, spec), { nullable: true })(FilterShape.prototype, name);
  Object.defineProperty(FilterShape, 'name', { value: `${subject}FilterInput` });
  InputType(`${subject}Filter`, { description: 'Equality filters; only fields you may read' })(FilterShape);

  class ConnectionShape {}
  Field(() => [ObjectShape], { nullable: 'items' })(ConnectionShape.prototype, 'nodes');
  Field(() => PageInfo)(ConnectionShape.prototype, 'pageInfo');
  Object.defineProperty(ConnectionShape, 'name', { value: `${subject}ConnectionType` });
  ObjectType(`${subject}Connection`)(ConnectionShape);

  return { object: ObjectShape, filter: FilterShape, connection: ConnectionShape };
}

export const GQL: Record<SubjectName, SubjectTypes> = Object.fromEntries(SUBJECT_NAMES.map((s) => [s, build(s)])) as Record<SubjectName, SubjectTypes>;

/**
 * Mutation inputs carry the fields the catalog lets a create or update body carry (as the REST bodies,
 * and validated by the same DTO classes). `enforceRequired`: the schema marks the fields a create must
 * have as non-null; an input that also serves updates leaves them nullable.
 */
function input(name: string, subject: SubjectName, action: 'create' | 'update', enforceRequired: boolean): Type<unknown> {
  class InputShape {}
  for (const { field, spec, required } of writableFields(subject, action)) {
    Field(() => (field === 'id' || field === 'eventId' ? ID : scalarOf(field, spec)), {
      nullable: !(enforceRequired && required),
      ...(spec.description ? { description: spec.description } : {}),
    })(InputShape.prototype, field);
  }
  Object.defineProperty(InputShape, 'name', { value: `${name}Shape` });
  InputType(name)(InputShape);
  return InputShape;
}

export const DemandSignalInput = input('DemandSignalInput', 'DemandSignal', 'create', true);
export const CapacitySignalInput = input('CapacitySignalInput', 'CapacitySignal', 'create', false);
export const ShipmentUpdateInput = input('ShipmentUpdateInput', 'Shipment', 'update', false);
export const ShipmentEventInput = input('ShipmentEventInput', 'ShipmentEvent', 'create', true);
