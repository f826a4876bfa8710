import {
  ASTVisitor,
  DocumentNode,
  FieldNode,
  FragmentDefinitionNode,
  GraphQLError,
  Kind,
  OperationDefinitionNode,
  SelectionNode,
  ValidationContext,
  OperationTypeNode,
} from 'graphql';

export interface GraphqlLimits {
  maxDepth: number;
  maxAliases: number;
  maxCost: number;
}

export type LimitName = 'DEPTH_LIMIT' | 'ALIAS_LIMIT' | 'COST_LIMIT';

const DEFAULT_LIST_SIZE = 100;
/** Page sizes given as variables are priced at the default largest page of a policy. */
const MAX_PAGE = 500;
const LIST_FIELDS = new Set(['demandSignals', 'capacitySignals', 'shipments', 'nodes']);
/** Bytes a document may take per token it may hold: whitespace, comments and long names or strings stay bounded too. */
export const BYTES_PER_TOKEN = 16;

/** The largest document, in UTF-8 bytes, accepted for parsing under a token limit. */
export function maxDocumentBytes(maxTokens: number): number {
  return maxTokens * BYTES_PER_TOKEN;
}

/**
 * What a selection set asks for, relative to where it stands: `depth` is the deepest field level
 * below it (1 = its own fields), `cost` the fields selected with each multiplied by the page sizes
 * of the lists between them and the set, `aliases` the aliases used.
 */
export interface SelectionSummary {
  depth: number;
  cost: number;
  aliases: number;
}

export class LimitExceeded extends Error {
  constructor(
    readonly limit: LimitName,
    readonly limitValue: number,
    readonly atLeast: number,
  ) {
    super(`${limit} exceeded`);
  }
}

/**
 * Depth, alias and cost of the operations of one document, in one pass over its selections: each
 * fragment's summary is computed once, the first time it is spread, and reused for every later
 * spread (a fragment spread at several places, or spreading others several times, costs no more
 * work than writing it once). A fragment already being summarised (a cycle, which validation
 * refuses anyway) counts for nothing. The walk stops at the first limit exceeded: a summary only
 * grows once it is placed in its context (every page size is at least 1), so a fragment or set
 * over a limit on its own puts the whole operation over it.
 * `visits` counts the selections looked at: at most the number of selections in the document.
 */
export class DocumentLimits {
  visits = 0;
  private readonly fragments = new Map<string, FragmentDefinitionNode>();
  private readonly summaries = new Map<string, SelectionSummary | null>();

  constructor(
    document: DocumentNode,
    private readonly limits: GraphqlLimits,
  ) {
    for (const d of document.definitions) {
      if (d.kind === Kind.FRAGMENT_DEFINITION && !this.fragments.has(d.name.value)) this.fragments.set(d.name.value, d);
    }
  }

  /** The operation's summary; throws LimitExceeded at the first limit it passes. */
  operation(operation: OperationDefinitionNode): SelectionSummary {
    return this.selections(operation.selectionSet.selections);
  }

  /** As `operation`, with the exceeded limit returned rather than thrown. */
  check(operation: OperationDefinitionNode): LimitExceeded | null {
    try {
      this.operation(operation);
      return null;
    } catch (e) {
      if (e instanceof LimitExceeded) return e;
      throw e;
    }
  }

  private selections(selections: readonly SelectionNode[]): SelectionSummary {
    let depth = 0;
    let cost = 0;
    let aliases = 0;
    for (const s of selections) {
      this.visits++;
      let inner: SelectionSummary | null;
      if (s.kind === Kind.FIELD) {
        if (s.alias) aliases++;
        if (s.selectionSet) {
          const children = this.selections(s.selectionSet.selections);
          inner = { depth: children.depth + 1, cost: 1 + pageSize(s) * children.cost, aliases: children.aliases };
        } else {
          inner = { depth: 1, cost: 1, aliases: 0 };
        }
      } else if (s.kind === Kind.INLINE_FRAGMENT) {
        inner = this.selections(s.selectionSet.selections);
      } else {
        inner = this.fragment(s.name.value);
      }
      if (!inner) continue;
      depth = Math.max(depth, inner.depth);
      cost += inner.cost;
      aliases += inner.aliases;
      if (depth > this.limits.maxDepth) throw new LimitExceeded('DEPTH_LIMIT', this.limits.maxDepth, depth);
      if (aliases > this.limits.maxAliases) throw new LimitExceeded('ALIAS_LIMIT', this.limits.maxAliases, aliases);
      if (cost > this.limits.maxCost) throw new LimitExceeded('COST_LIMIT', this.limits.maxCost, cost);
    }
    return { depth, cost, aliases };
  }

  private fragment(name: string): SelectionSummary | null {
    if (this.summaries.has(name)) return this.summaries.get(name)!;
    const definition = this.fragments.get(name);
    if (!definition) return null;
    this.summaries.set(name, null);
    const summary = this.selections(definition.selectionSet.selections);
    this.summaries.set(name, summary);
    return summary;
  }
}

/** How many times a field's selection is asked for: its page size (`first`, default 100) for lists. */
function pageSize(field: FieldNode): number {
  if (field.name.value === 'nodes') return 1;
  const first = field.arguments?.find((a) => a.name.value === 'first');
  if (first?.value.kind === Kind.INT) return Math.max(1, Number(first.value.value));
  if (first?.value.kind === Kind.VARIABLE) return MAX_PAGE;
  if (first || field.arguments?.some((a) => a.name.value === 'filter') || LIST_FIELDS.has(field.name.value)) return DEFAULT_LIST_SIZE;
  return 1;
}

export interface LimitRuleOptions {
  /** Called once per validated document with the selections the limit walk looked at. */
  onVisits?: (visits: number) => void;
}

/**
 * Depth, alias and cost limits, checked while the document is validated: an expensive query
 * is refused before any resolver runs. Cost = fields selected, each multiplied by the page size
 * (`first`, default 100) of the lists around it. Introspection fields count like any other.
 */
export function limitRules(limits: GraphqlLimits, options: LimitRuleOptions = {}) {
  return [
    (context: ValidationContext): ASTVisitor => {
      const walker = new DocumentLimits(context.getDocument(), limits);
      return {
        OperationDefinition(operation: OperationDefinitionNode) {
          // One write per request: each mutation commits with its own audit event, and the request's
          // answer must never carry writes whose refusal or success went unrecorded.
          const roots = operation.selectionSet.selections.filter((s) => s.kind === Kind.FIELD && !s.name.value.startsWith('__'));
          if (
            operation.operation === OperationTypeNode.MUTATION &&
            (roots.length > 1 || operation.selectionSet.selections.some((s) => s.kind !== Kind.FIELD))
          ) {
            context.reportError(
              limitError('A request may carry one mutation (no aliases of several, no fragments at the root); send each write on its own.', 'ONE_MUTATION'),
            );
          }
          const exceeded = walker.check(operation);
          if (exceeded) context.reportError(limitError(describe(exceeded), exceeded.limit));
        },
        Document: {
          leave() {
            options.onVisits?.(walker.visits);
          },
        },
      };
    },
  ];
}

function describe(e: LimitExceeded): string {
  switch (e.limit) {
    case 'DEPTH_LIMIT':
      return `Query depth exceeds the limit of ${e.limitValue} (at least ${e.atLeast}).`;
    case 'ALIAS_LIMIT':
      return `Query uses more aliases than the limit of ${e.limitValue} (at least ${e.atLeast}).`;
    default:
      return `Query cost exceeds the limit of ${e.limitValue} (at least ${e.atLeast}).`;
  }
}

/** A document over the byte bound, refused before it is parsed (as the token limit is, while parsing). */
export function documentTooLarge(bytes: number, maxBytes: number): GraphQLError {
  return new GraphQLError(`The document is ${bytes} bytes; the limit is ${maxBytes}.`, {
    extensions: { code: 'GRAPHQL_PARSE_FAILED', limit: 'DOCUMENT_BYTES' },
  });
}

export function limitError(message: string, limit: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'QUERY_TOO_COMPLEX', limit } });
}
