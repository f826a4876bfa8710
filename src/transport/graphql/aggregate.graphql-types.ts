import { Type } from '@nestjs/common';
import { Field, InputType, Int, ObjectType } from '@nestjs/graphql';
import { SUBJECTS, SubjectName } from '../../data/subjects';
import { scalarOf } from './graphql-types';
import { JSONScalar } from './json.scalar';

/** The subjects that can be shared as aggregates over GraphQL (as over REST, `/<resource>/aggregate`). */
export const AGGREGATE_SUBJECTS = ['DemandSignal', 'CapacitySignal', 'Shipment'] as const satisfies readonly SubjectName[];
export type AggregateSubject = (typeof AGGREGATE_SUBJECTS)[number];

@ObjectType('AggregateMeasure', { description: 'One measure of a group, as asked: `sum:forecastQty` is measure sum of field forecastQty' })
export class AggregateMeasure {
  @Field(() => String, { description: 'The measure as asked, e.g. sum:forecastQty (the key of the REST answer)' }) name: string;
  @Field(() => String, { description: 'count, sum, avg, min or max' }) measure: string;
  @Field(() => String) field: string;
  @Field(() => JSONScalar, { nullable: true, description: 'A number; min and max of a date or timestamp field are text' }) value: unknown;
}

export interface AggregateTypes {
  result: Type<unknown>;
  filter: Type<unknown>;
}

/**
 * `<Subject>Aggregate { groups, minGroupSize, suppressedGroups, policyVersion, purpose }`: the
 * REST answer's data and meta in one object. A group carries the fields it was grouped by (the
 * others are null), the row count and the measures asked for.
 */
function build(subject: AggregateSubject): AggregateTypes {
  const fields = Object.entries(SUBJECTS[subject].fields);

  class GroupShape {}
  for (const [name, spec] of fields) Field(() => scalarOf(name, spec), { nullable: true })(GroupShape.prototype, name);
  Field(() => Int, { description: 'Rows in the group (never fewer than minGroupSize)' })(GroupShape.prototype, 'count');
  Field(() => [AggregateMeasure])(GroupShape.prototype, 'measures');
  Object.defineProperty(GroupShape, 'name', { value: `${subject}GroupType` });
  ObjectType(`${subject}Group`, { description: `A group of ${subject} rows: the groupBy fields asked for (others are null), its size and measures` })(
    GroupShape,
  );

  class FilterShape {}
  for (const [name, spec] of fields) Field(() => scalarOf(name, spec), { nullable: true })(FilterShape.prototype, name);
  Object.defineProperty(FilterShape, 'name', { value: `${subject}AggregateFilterInput` });
  InputType(`${subject}AggregateFilter`, { description: 'Equality filters, on groupBy fields your policy grants only' })(FilterShape);

  class ResultShape {}
  Field(() => [GroupShape], { description: 'Groups of at least minGroupSize rows' })(ResultShape.prototype, 'groups');
  Field(() => Int)(ResultShape.prototype, 'minGroupSize');
  Field(() => Int, { description: 'Groups left out because they have fewer than minGroupSize rows' })(ResultShape.prototype, 'suppressedGroups');
  Field(() => Int, { nullable: true })(ResultShape.prototype, 'policyVersion');
  Field(() => String, { nullable: true })(ResultShape.prototype, 'purpose');
  Object.defineProperty(ResultShape, 'name', { value: `${subject}AggregateType` });
  ObjectType(`${subject}Aggregate`, { description: `Group totals of ${subject} (aggregate-only sharing)` })(ResultShape);

  return { result: ResultShape, filter: FilterShape };
}

export const GQL_AGGREGATE: Record<AggregateSubject, AggregateTypes> = Object.fromEntries(AGGREGATE_SUBJECTS.map((s) => [s, build(s)])) as Record<
  AggregateSubject,
  AggregateTypes
>;
