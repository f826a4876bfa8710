import fc from 'fast-check';
import { DocumentNode, FragmentDefinitionNode, Kind, Lexer, OperationDefinitionNode, parse, SelectionNode, Source, TokenKind, visit } from 'graphql';
import { DocumentLimits } from './graphql-limits';

const MAX_TOKENS = 2000;
const LOOSE = { maxDepth: Number.MAX_SAFE_INTEGER, maxAliases: Number.MAX_SAFE_INTEGER, maxCost: Number.MAX_VALUE };
const TIGHT = { maxDepth: 8, maxAliases: 30, maxCost: 20000 };

function tokens(source: string): number {
  const lexer = new Lexer(new Source(source));
  let n = 0;
  while (lexer.advance().kind !== TokenKind.EOF) n++;
  return n;
}

function selections(document: DocumentNode): number {
  let n = 0;
  visit(document, {
    Field: () => {
      n++;
    },
    InlineFragment: () => {
      n++;
    },
    FragmentSpread: () => {
      n++;
    },
  });
  return n;
}

/** The selections a walk that re-enters a fragment at every spread would visit (computed, not walked). */
function expanded(document: DocumentNode): number {
  const fragments = new Map(document.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]));
  const memo = new Map<string, number>();
  const count = (selections: readonly SelectionNode[], path: Set<string>): number =>
    selections.reduce((n, s) => {
      if (s.kind === Kind.FIELD) return n + 1 + (s.selectionSet ? count(s.selectionSet.selections, path) : 0);
      if (s.kind === Kind.INLINE_FRAGMENT) return n + 1 + count(s.selectionSet.selections, path);
      const name = s.name.value;
      if (path.has(name) || !fragments.has(name)) return n + 1;
      if (!memo.has(name)) memo.set(name, count(fragments.get(name)!.selectionSet.selections, new Set([...path, name])));
      return n + 1 + memo.get(name)!;
    }, 0);
  return operations(document).reduce((n, o) => n + count(o.selectionSet.selections, new Set()), 0);
}

function operations(document: DocumentNode): OperationDefinitionNode[] {
  return document.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
}

/** Every operation of the document walked by one walker, as validation does; returns the selections it visited. */
function walk(document: DocumentNode, limits = LOOSE): number {
  const walker = new DocumentLimits(document, limits);
  for (const operation of operations(document)) walker.check(operation);
  return walker.visits;
}

/**
 * A random document: fragments F0..Fn, each a random selection of fields (some aliased, some with
 * a page size, some with sub-selections), inline fragments and spreads of any fragment (several
 * times over, earlier ones as well as later ones: nesting, repetition and cycles).
 */
const selection = (fragments: number): fc.Arbitrary<string> =>
  fc.letrec<{ sel: string; set: string }>((tie) => ({
    sel: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.tuple(fc.constantFrom('id', 'status', '__typename', 'eta'), fc.option(fc.constantFrom('a', 'b', 'c'))).map(([f, a]) => (a ? `${a}: ${f}` : f)),
      fc.tuple(fc.integer({ min: 0, max: Math.max(0, fragments - 1) }), fc.integer({ min: 1, max: 6 })).map(([i, times]) => ` ...F${i}`.repeat(times)),
      fc
        .tuple(
          fc.constantFrom('shipments', 'nodes', 'shipment', '__schema'),
          fc.option(fc.constantFrom('(first: 7)', '(first: $n)', '(filter: {})')),
          fc.option(fc.constant('x')),
          tie('set'),
        )
        .map(([f, args, alias, set]) => `${alias ? `${alias}: ` : ''}${f}${args ?? ''} ${set}`),
      tie('set').map((set) => `... on Shipment ${set}`),
    ),
    set: fc.array(tie('sel'), { minLength: 1, maxLength: 4 }).map((s) => `{ ${s.join(' ')} }`),
  })).set;

const documentArb = fc
  .integer({ min: 1, max: 24 })
  .chain((n) =>
    fc
      .tuple(fc.array(selection(n), { minLength: n, maxLength: n }), selection(n))
      .map(([bodies, root]) => `query Q($n: Int) ${root} ${bodies.map((b, i) => `fragment F${i} on Shipment ${b}`).join(' ')}`),
  );

/** Fragments each spreading the one before it `times` times: the walk an unmemoised walker repeats times^levels over. */
function exponential(levels: number, times: number, leaf = '__typename'): string {
  const fragments = [`fragment F0 on Query { ${leaf} }`];
  for (let i = 1; i <= levels; i++) fragments.push(`fragment F${i} on Query { ${` ...F${i - 1}`.repeat(times)} }`);
  return `query { ...F${levels} } ${fragments.join(' ')}`;
}

describe('GraphQL validation cost is linear in the document', () => {
  it('visits each selection of a random document at most once, however its fragments nest, repeat and cycle', () => {
    let largest = 0;
    let blowUp = 0;
    fc.assert(
      fc.property(documentArb, (source) => {
        let document: DocumentNode;
        try {
          document = parse(source, { maxTokens: MAX_TOKENS });
        } catch {
          fc.pre(false);
          return;
        }
        const size = tokens(source);
        const visits = walk(document);
        largest = Math.max(largest, size);
        blowUp = Math.max(blowUp, expanded(document) / selections(document));
        expect(visits).toBeLessThanOrEqual(selections(document));
        expect(visits).toBeLessThanOrEqual(size);
        // with the real limits the walk stops sooner, never later
        expect(walk(document, TIGHT)).toBeLessThanOrEqual(visits);
      }),
      { numRuns: 300 },
    );
    // the documents were large, and some would have cost an unmemoised walk thousands of times their size
    expect(largest).toBeGreaterThan(500);
    expect(blowUp).toBeGreaterThan(1000);
  });

  it('an exponential fragment document (10 levels, each spreading the one below 3 times) is refused on cost, after a handful of visits', () => {
    const document = parse(exponential(10, 3), { maxTokens: MAX_TOKENS });
    const walker = new DocumentLimits(document, TIGHT);
    const exceeded = walker.check(operations(document)[0]);
    expect(exceeded?.limit).toBe('COST_LIMIT');
    // 3^10 = 59,049 __typename selections asked for; 32 selections written
    expect(selections(document)).toBe(32);
    expect(walker.visits).toBeLessThanOrEqual(32);
  });

  it('the largest fan-out the token limit lets through is still refused within its own size', () => {
    // 90 levels, each spreading the level below 8 times: 8^90 selections asked for in under 2,000 tokens
    const source = exponential(90, 8);
    const document = parse(source, { maxTokens: MAX_TOKENS });
    const walker = new DocumentLimits(document, TIGHT);
    expect(walker.check(operations(document)[0])?.limit).toBe('COST_LIMIT');
    expect(walker.visits).toBeLessThanOrEqual(selections(document));
  });

  it('introspection fields count for depth and cost like any other field', () => {
    const deep = parse('{ __schema { types { fields { type { ofType { ofType { ofType { ofType { name } } } } } } } } }');
    expect(new DocumentLimits(deep, TIGHT).check(operations(deep)[0])?.limit).toBe('DEPTH_LIMIT');
    const wide = parse(exponential(10, 3));
    expect(new DocumentLimits(wide, TIGHT).check(operations(wide)[0])?.limit).toBe('COST_LIMIT');
  });

  it('a fragment cycle ends the walk (validation refuses the cycle itself)', () => {
    const document = parse('query { shipment(id: "x") { ...A } } fragment A on Shipment { id ...B ...B } fragment B on Shipment { status ...A ...A }');
    const walker = new DocumentLimits(document, LOOSE);
    expect(walker.check(operations(document)[0])).toBeNull();
    expect(walker.visits).toBeLessThanOrEqual(selections(document));
    expect(walker.operation(operations(document)[0])).toEqual({ depth: 2, cost: 4, aliases: 0 });
  });

  it('keeps the cost model: fields times the page sizes of the lists around them', () => {
    const document = parse(
      'query ($n: Int) { a: shipments(first: 7) { nodes { id status } pageInfo { hasNextPage } } b: shipments(first: $n) { nodes { ...F } } shipment(id: "x") { id } } fragment F on Shipment { id eta }',
    );
    // a: 1 + 7 * (nodes: 1 + 2, pageInfo: 1 + 1) = 36; b: 1 + 500 * (1 + 2) = 1501; shipment: 1 + 1 = 2
    expect(new DocumentLimits(document, LOOSE).operation(operations(document)[0])).toEqual({ depth: 3, cost: 36 + 1501 + 2, aliases: 2 });
  });
});
