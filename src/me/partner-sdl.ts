import { MapperKind, mapSchema, pruneSchema } from '@graphql-tools/utils';
import { GraphQLSchema, isNonNullType, lexicographicSortSchema } from 'graphql';
import { isSubjectName, SUBJECTS, SubjectName } from '../data/subjects';
import { aggregateOf, CompiledPolicy } from '../policy/policy-compiler';
import { Action, AGGREGATE_ACTION } from '../policy/policy-document';
import { SubjectsView } from './partner-view';

/** The data root fields of the GraphQL API and the rights each needs (any one alternative; every pair of it). */
const ROOT_FIELD_RIGHTS: Record<string, Array<Array<[SubjectName, Action]>>> = {
  demandSignals: [[['DemandSignal', 'read']]],
  demandSignal: [[['DemandSignal', 'read']]],
  capacitySignals: [[['CapacitySignal', 'read']]],
  capacitySignal: [[['CapacitySignal', 'read']]],
  shipments: [[['Shipment', 'read']]],
  shipment: [[['Shipment', 'read']]],
  createDemandSignal: [[['DemandSignal', 'create']]],
  upsertCapacitySignal: [[['CapacitySignal', 'create']], [['CapacitySignal', 'update']]],
  updateShipment: [[['Shipment', 'update']]],
  recordShipmentEvent: [
    [
      ['Shipment', 'update'],
      ['ShipmentEvent', 'create'],
    ],
  ],
  shipmentUpdated: [[['Shipment', 'read']]],
};

/**
 * The GraphQL schema the gateway serves, cut down to one partner's view: root fields it may call
 * under the purpose in use (root fields of other roles are gone), object types with only the
 * fields it may read, filters on those fields, and mutation inputs with only the fields it may write.
 */
/** The aggregate root fields of the GraphQL API, the subject each aggregates, and its group and filter types. */
const AGGREGATE_ROOTS: Record<string, SubjectName> = {
  demandSignalAggregate: 'DemandSignal',
  capacitySignalAggregate: 'CapacitySignal',
  shipmentAggregate: 'Shipment',
};
const GROUP_COUNTS = new Set(['count', 'measures']);

/** Per subject, the fields the policy's aggregate rules let the partner group by (none: no aggregate of it). */
export type AggregatesView = Partial<Record<SubjectName, Set<string>>>;

export function aggregatesView(policy: CompiledPolicy): AggregatesView {
  const out: AggregatesView = {};
  for (const subject of Object.values(AGGREGATE_ROOTS)) {
    const rules = policy.ability.rulesFor(AGGREGATE_ACTION, subject).filter((r) => !r.inverted && aggregateOf(r));
    if (rules.length > 0) out[subject] = new Set(rules.flatMap((r) => aggregateOf(r)!.groupBy));
  }
  return out;
}

export function partnerSchema(schema: GraphQLSchema, subjects: SubjectsView, aggregates: AggregatesView = {}): GraphQLSchema {
  const has = (s: SubjectName, a: Action) => Boolean(subjects[s]?.[a]);
  const fieldsOf = (s: SubjectName, a: Action) => new Set((subjects[s]?.[a]?.fields ?? []).map((f) => f.field));
  const readable = (s: SubjectName) => {
    const read = fieldsOf(s, 'read');
    // A write answers with the id of what it wrote even to a caller who may read nothing else of it.
    return read.size > 0 ? read : new Set(['id']);
  };
  const writable = (s: SubjectName, actions: Action[]) => {
    const out = new Set<string>();
    for (const a of actions) for (const f of fieldsOf(s, a)) if (!SUBJECTS[s].systemFields.includes(f)) out.add(f);
    return out;
  };
  const inputs: Record<string, Set<string>> = {
    DemandSignalInput: writable('DemandSignal', ['create']),
    CapacitySignalInput: writable('CapacitySignal', ['create', 'update']),
    ShipmentUpdateInput: (() => {
      const w = writable('Shipment', ['update']);
      w.delete('id');
      return w;
    })(),
    ShipmentEventInput: new Set([
      'eventId',
      ...writable('ShipmentEvent', ['create']),
      ...(fieldsOf('Shipment', 'update').has('temperatureC') ? ['temperatureC'] : []),
    ]),
  };
  for (const s of Object.keys(SUBJECTS) as SubjectName[]) inputs[`${s}Filter`] = fieldsOf(s, 'read');
  // Aggregates: groups and their filters carry only the fields the partner may group by.
  const groupTypes: Record<string, Set<string>> = {};
  for (const s of Object.values(AGGREGATE_ROOTS)) {
    const groupBy = aggregates[s] ?? new Set<string>();
    inputs[`${s}AggregateFilter`] = groupBy;
    groupTypes[`${s}Group`] = new Set([...groupBy, ...GROUP_COUNTS]);
  }

  // An input that loses a required field can no longer be sent: the root fields taking it go too.
  const unusable = new Set<string>();
  for (const [name, keep] of Object.entries(inputs)) {
    const type = schema.getType(name);
    if (!type || !('getFields' in type)) continue;
    for (const [field, def] of Object.entries((type as { getFields(): Record<string, { type: unknown }> }).getFields()))
      if (isNonNullType(def.type) && !keep.has(field)) unusable.add(name);
  }
  const rootField = (fieldName: string, config: { args?: Record<string, { type: unknown }> }) => {
    const aggregated = AGGREGATE_ROOTS[fieldName];
    if (aggregated) return aggregates[aggregated] ? config : null;
    const rights = ROOT_FIELD_RIGHTS[fieldName];
    if (!rights || !rights.some((alt) => alt.every(([s, a]) => has(s, a)))) return null;
    for (const arg of Object.values(config.args ?? {})) if (unusable.has(namedTypeName(arg.type))) return null;
    return config;
  };

  const cut = mapSchema(schema, {
    [MapperKind.QUERY_ROOT_FIELD]: (config, fieldName) => rootField(fieldName, config as never) as never,
    [MapperKind.MUTATION_ROOT_FIELD]: (config, fieldName) => rootField(fieldName, config as never) as never,
    [MapperKind.SUBSCRIPTION_ROOT_FIELD]: (config, fieldName) => rootField(fieldName, config as never) as never,
    [MapperKind.OBJECT_FIELD]: (config, fieldName, typeName) =>
      (isSubjectName(typeName) && !readable(typeName).has(fieldName)) || (groupTypes[typeName] && !groupTypes[typeName].has(fieldName)) ? null : config,
    [MapperKind.INPUT_OBJECT_FIELD]: (config, fieldName, typeName) => (inputs[typeName] && !inputs[typeName].has(fieldName) ? null : config),
  });
  return lexicographicSortSchema(pruneSchema(dropEmptyRoots(cut)));
}

/** A root type left without fields is no root type at all (GraphQL allows none empty). */
function dropEmptyRoots(schema: GraphQLSchema): GraphQLSchema {
  const config = schema.toConfig();
  const empty = (t: { getFields(): object } | null | undefined) => !t || Object.keys(t.getFields()).length === 0;
  const mutation = empty(config.mutation) ? undefined : config.mutation;
  const subscription = empty(config.subscription) ? undefined : config.subscription;
  const roots = new Set([mutation?.name, subscription?.name, config.query?.name].filter(Boolean));
  const types = config.types.filter((t) => !(['Mutation', 'Subscription'].includes(t.name) && !roots.has(t.name)));
  return new GraphQLSchema({ ...config, mutation, subscription, types });
}

function namedTypeName(type: unknown): string {
  let t = type as { ofType?: unknown; name?: string };
  while (t.ofType) t = t.ofType;
  return t.name ?? '';
}
