import { ASTVisitor, FieldNode, GraphQLError, Kind, OperationDefinitionNode, ValidationContext } from 'graphql';

export interface GraphqlLimits {
  maxDepth: number;
  maxAliases: number;
  maxCost: number;
}

const DEFAULT_LIST_SIZE = 100;
/** Page sizes given as variables are priced at the default largest page of a policy. */
const MAX_PAGE = 500;

/**
 * Depth, alias and cost limits, checked while the document is validated: an expensive query
 * is refused before any resolver runs. Cost = fields selected, each multiplied by the page size
 * (`first`, default 100) of the lists around it.
 */
export function limitRules(limits: GraphqlLimits) {
  return [(context: ValidationContext): ASTVisitor => ({
    OperationDefinition(operation: OperationDefinitionNode) {
      const fragments = Object.fromEntries(context.getDocument().definitions
        .filter((d) => d.kind === Kind.FRAGMENT_DEFINITION)
        .map((d) => [(d as { name: { value: string } }).name.value, d]));
      let aliases = 0;
      let maxDepth = 0;
      let cost = 0;
      const walk = (selections: readonly unknown[], depth: number, multiplier: number, seen: Set<string>) => {
        for (const s of selections as Array<{ kind: string; alias?: unknown; name: { value: string }; selectionSet?: { selections: unknown[] }; arguments?: FieldNode['arguments'] }>) {
          if (s.kind === Kind.FIELD) {
            if (s.alias) aliases++;
            if (s.name.value.startsWith('__')) continue;
            maxDepth = Math.max(maxDepth, depth);
            cost += multiplier;
            if (s.selectionSet) {
              const first = s.arguments?.find((a) => a.name.value === 'first');
              const size = first?.value.kind === Kind.INT ? Number(first.value.value) : first?.value.kind === Kind.VARIABLE ? MAX_PAGE : s.arguments?.some((a) => a.name.value === 'filter' || a.name.value === 'first') || ['demandSignals', 'capacitySignals', 'shipments', 'nodes'].includes(s.name.value) ? DEFAULT_LIST_SIZE : 1;
              walk(s.selectionSet.selections, depth + 1, s.name.value === 'nodes' ? multiplier : multiplier * size, seen);
            }
          } else if (s.kind === Kind.INLINE_FRAGMENT && s.selectionSet) {
            walk(s.selectionSet.selections, depth, multiplier, seen);
          } else if (s.kind === Kind.FRAGMENT_SPREAD) {
            const name = s.name.value;
            if (seen.has(name)) continue;
            const fragment = fragments[name] as unknown as { selectionSet: { selections: unknown[] } } | undefined;
            if (fragment) walk(fragment.selectionSet.selections, depth, multiplier, new Set([...seen, name]));
          }
        }
      };
      walk(operation.selectionSet.selections, 1, 1, new Set());
      // One write per request: each mutation commits with its own audit event, and the request's
      // answer must never carry writes whose refusal or success went unrecorded.
      const roots = operation.selectionSet.selections.filter((s) => s.kind === Kind.FIELD && !s.name.value.startsWith('__'));
      if (operation.operation === 'mutation' && (roots.length > 1 || operation.selectionSet.selections.some((s) => s.kind !== Kind.FIELD))) {
        context.reportError(limitError('A request may carry one mutation (no aliases of several, no fragments at the root); send each write on its own.', 'ONE_MUTATION'));
      }
      if (maxDepth > limits.maxDepth) context.reportError(limitError(`Query depth ${maxDepth} exceeds the limit of ${limits.maxDepth}.`, 'DEPTH_LIMIT'));
      if (aliases > limits.maxAliases) context.reportError(limitError(`Query uses ${aliases} aliases; the limit is ${limits.maxAliases}.`, 'ALIAS_LIMIT'));
      if (cost > limits.maxCost) context.reportError(limitError(`Query cost ${cost} exceeds the limit of ${limits.maxCost}.`, 'COST_LIMIT'));
    },
  })];
}

function limitError(message: string, limit: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'QUERY_TOO_COMPLEX', limit } });
}
