/**
 * SQL in one place per table, as a rule the checker enforces (`npm run -s tables:check`, part of
 * `npm run check`). A table module is a file named `*.table.ts` that declares the tables it owns:
 *
 *   export const TABLES = ['webhook_endpoints', 'webhook_deliveries'] as const;
 *
 * and the checker fails on:
 *   - a table of the migrated schema that no table module owns, or that two own;
 *   - a call on the database (a TypeORM EntityManager, DataSource, QueryRunner, Repository or query
 *     builder, a pg pool or client, a better-sqlite3 connection or statement) outside a table module
 *     and outside the database infrastructure (src/database/, migrations, start-up);
 *   - SQL text that names a table (FROM, JOIN, INTO, UPDATE, TABLE) outside the module that owns it;
 *   - an import of a table's entity class outside the module that owns the table (and the places that
 *     register entities with TypeORM).
 * A statement over several tables is composed from fragments each owner exports.
 *
 * It also keeps the owners table of docs/architecture.md ("One place per table") true:
 *
 *   npm run -s tables:check            the violations, one per line; exit 1 when there is any, or when
 *                                      the owners table of docs/architecture.md differs
 *   npm run -s tables:check -- --write rewrites that table
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { DataSource } from 'typeorm';
import * as ts from 'typescript';
import { migrationClasses } from '../src/database/migration-classes';

/** Database infrastructure: the connection, migrations and their generator, start-up locking. */
const INFRASTRUCTURE = [
  /^src\/database\//,
  /^src\/bootstrap\//,
  /^src\/cli\/(cli-data-source|migrate|migration-generate)\.ts$/,
  // Wraps the SQLite driver's statements in spans (on a probe connection of its own).
  /^src\/observability\/tracing\.ts$/,
];
/** Opening and closing a connection is not work on a table. */
const LIFECYCLE = new Set(['initialize', 'destroy', 'release', 'close', 'end']);
/** Where entity classes are handed to TypeORM (not a use of the table). */
const ENTITY_REGISTRIES = [/^src\/bootstrap\/data-source-options\.ts$/, /^src\/data\/entities\.ts$/, /^src\/cli\/cli-data-source\.ts$/];
const SKIPPED = [/\.spec\.ts$/, /\.d\.ts$/, /^src\/database\/migrations\//];

/** Declarations of these types, in these packages, are the database. */
const DATABASE_TYPES: Array<{ package: RegExp; names: Set<string> }> = [
  {
    package: /node_modules\/typeorm\//,
    names: new Set([
      'EntityManager',
      'DataSource',
      'QueryRunner',
      'Repository',
      'TreeRepository',
      'QueryBuilder',
      'SelectQueryBuilder',
      'InsertQueryBuilder',
      'UpdateQueryBuilder',
      'DeleteQueryBuilder',
      'SoftDeleteQueryBuilder',
      'RelationQueryBuilder',
      'Driver',
    ]),
  },
  { package: /node_modules\/(@types\/)?pg\//, names: new Set(['Pool', 'PoolClient', 'Client', 'ClientBase']) },
  { package: /node_modules\/(@types\/)?better-sqlite3\//, names: new Set(['Database', 'Statement']) },
];

const SQL_TABLE = /\b(?:FROM|JOIN|INTO|UPDATE|TABLE)\s+(?:IF\s+(?:NOT\s+)?EXISTS\s+)?"?([a-z_][a-z0-9_]*)"?/gi;

export interface Violation {
  file: string;
  line: number;
  rule: 'unowned-table' | 'table-owned-twice' | 'database-call-outside-table-module' | 'table-named-outside-owner' | 'entity-outside-owner';
  message: string;
}

export interface CheckOptions {
  /** The project root (holds tsconfig.json and src/). */
  root: string;
  /** The tables of the schema. */
  tables: readonly string[];
}

export function checkTableAccess(options: CheckOptions): Violation[] {
  return inspect(options).violations;
}

/** The violations, and which module owns each table. */
export function inspect(options: CheckOptions): { violations: Violation[]; owners: Map<string, string> } {
  const { root } = options;
  const config = ts.readConfigFile(join(root, 'tsconfig.json'), (p) => ts.sys.readFile(p));
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, root);
  const files = parsed.fileNames.filter((f) => rel(root, f).startsWith('src/') && !SKIPPED.some((s) => s.test(rel(root, f))));
  const program = ts.createProgram(files, { ...parsed.options, noEmit: true });
  const checker = program.getTypeChecker();
  const sources = files.map((f) => program.getSourceFile(f)!).filter(Boolean);
  const violations: Violation[] = [];
  const at = (sf: ts.SourceFile, node: ts.Node) => ({ file: rel(root, sf.fileName), line: sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1 });

  // Ownership, from each table module's TABLES.
  const owner = new Map<string, string>();
  for (const sf of sources) {
    const file = rel(root, sf.fileName);
    if (!file.endsWith('.table.ts')) continue;
    const declared = declaredTables(sf);
    if (declared === null) {
      violations.push({ file, line: 1, rule: 'unowned-table', message: `${file} is a table module without \`export const TABLES = [...] as const\`` });
      continue;
    }
    for (const table of declared) {
      const first = owner.get(table);
      if (first) violations.push({ file, line: 1, rule: 'table-owned-twice', message: `table ${table} is owned by ${first} and by ${file}` });
      else owner.set(table, file);
    }
  }
  for (const table of options.tables) {
    if (!owner.has(table))
      violations.push({ file: 'src', line: 0, rule: 'unowned-table', message: `table ${table} has no table module (*.table.ts declaring it in TABLES)` });
  }
  const known = new Set(options.tables);

  // Entities: their table, from @Entity('name').
  const entityTable = new Map<string, string>();
  for (const sf of sources) {
    if (!sf.fileName.endsWith('.entity.ts')) continue;
    const table = /@Entity\(\s*'([a-z0-9_]+)'/.exec(sf.text)?.[1];
    if (table) entityTable.set(rel(root, sf.fileName), table);
  }

  for (const sf of sources) {
    const file = rel(root, sf.fileName);
    const isTableModule = file.endsWith('.table.ts');
    const isInfrastructure = INFRASTRUCTURE.some((p) => p.test(file));
    const visit = (node: ts.Node): void => {
      if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier) && node.moduleSpecifier.text.endsWith('.entity')) {
        const target = resolveImport(root, sf.fileName, node.moduleSpecifier.text);
        const table = entityTable.get(target);
        if (table && owner.get(table) !== file && !ENTITY_REGISTRIES.some((p) => p.test(file)) && !isInfrastructure) {
          violations.push({
            ...at(sf, node),
            rule: 'entity-outside-owner',
            message: `imports the entity of ${table}, which ${owner.get(table) ?? 'no table module'} owns`,
          });
        }
      }
      if (!isTableModule && !isInfrastructure && ts.isCallExpression(node) && ts.isPropertyAccessExpression(node.expression)) {
        const receiver = LIFECYCLE.has(node.expression.name.text) ? null : databaseType(checker, node.expression.expression);
        if (receiver) {
          violations.push({
            ...at(sf, node),
            rule: 'database-call-outside-table-module',
            message: `calls ${receiver}.${node.expression.name.text}: database work belongs in the table module of the table it touches`,
          });
        }
      }
      if (
        !isInfrastructure &&
        (ts.isStringLiteral(node) ||
          ts.isNoSubstitutionTemplateLiteral(node) ||
          ts.isTemplateHead(node) ||
          ts.isTemplateMiddle(node) ||
          ts.isTemplateTail(node))
      ) {
        for (const match of node.text.matchAll(SQL_TABLE)) {
          const table = match[1].toLowerCase();
          if (known.has(table) && owner.get(table) !== file) {
            violations.push({
              ...at(sf, node),
              rule: 'table-named-outside-owner',
              message: `SQL names ${table}, which ${owner.get(table) ?? 'no table module'} owns`,
            });
          }
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  // A chain of query-builder calls is one statement: reported once per line and rule.
  const seen = new Set<string>();
  const reported = violations
    .filter((v) => {
      const key = `${v.file}:${v.line}:${v.rule}:${v.rule === 'database-call-outside-table-module' ? '' : v.message}`;
      return seen.has(key) ? false : (seen.add(key), true);
    })
    .sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
  return { violations: reported, owners: owner };
}

/** The string literals of `export const TABLES = [...]`, or null when the module has none. */
function declaredTables(sf: ts.SourceFile): string[] | null {
  for (const statement of sf.statements) {
    if (!ts.isVariableStatement(statement) || !statement.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) continue;
    for (const d of statement.declarationList.declarations) {
      if (!ts.isIdentifier(d.name) || d.name.text !== 'TABLES' || !d.initializer) continue;
      let init: ts.Expression = d.initializer;
      while (ts.isAsExpression(init) || ts.isSatisfiesExpression(init)) init = init.expression;
      if (!ts.isArrayLiteralExpression(init)) return null;
      const names = init.elements.filter(ts.isStringLiteral).map((e) => e.text);
      return names.length === init.elements.length ? names : null;
    }
  }
  return null;
}

/** The database type an expression has (e.g. 'EntityManager'), or null. */
function databaseType(checker: ts.TypeChecker, expression: ts.Expression): string | null {
  const type = checker.getTypeAtLocation(expression);
  for (const t of type.isUnion() ? type.types : [type]) {
    const symbol = t.getSymbol() ?? t.aliasSymbol;
    if (!symbol) continue;
    for (const declaration of symbol.getDeclarations() ?? []) {
      const path = declaration.getSourceFile().fileName.split(sep).join('/');
      if (DATABASE_TYPES.some((d) => d.package.test(path) && d.names.has(symbol.getName()))) return symbol.getName();
    }
  }
  return null;
}

function resolveImport(root: string, from: string, specifier: string): string {
  if (!specifier.startsWith('.')) return specifier;
  return rel(root, join(from, '..', `${specifier}.ts`));
}

function rel(root: string, file: string): string {
  return relative(root, file).split(sep).join('/');
}

/** The tables the migrations build, on a fresh in-memory SQLite database. */
export async function schemaTables(): Promise<string[]> {
  const ds = new DataSource({ type: 'better-sqlite3', database: ':memory:', migrations: migrationClasses(), logging: false });
  await ds.initialize();
  try {
    await ds.runMigrations({ transaction: 'all' });
    const rows: Array<{ name: string }> = await ds.query(
      "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT IN ('migrations', 'typeorm_metadata') ORDER BY name",
    );
    return rows.map((r) => r.name);
  } finally {
    await ds.destroy();
  }
}

const ARCHITECTURE = join(__dirname, '..', 'docs', 'architecture.md');
const BEGIN = '<!-- table-owners:begin (written by npm run -s tables:check -- --write) -->';
const END = '<!-- table-owners:end -->';

/** The page with its owners table replaced by the one the table modules give. */
export function withOwnersTable(page: string, owners: Map<string, string>): string {
  const begin = page.indexOf(BEGIN);
  const end = page.indexOf(END);
  if (begin < 0 || end < begin) throw new Error(`docs/architecture.md lacks the markers ${BEGIN} … ${END}`);
  const byModule = new Map<string, string[]>();
  for (const [table, module] of [...owners].sort()) byModule.set(module, [...(byModule.get(module) ?? []), table]);
  const rows = [...byModule]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([module, tables]) => `| \`${module}\` | ${tables.map((t) => `\`${t}\``).join(', ')} |`);
  return page.slice(0, begin) + [BEGIN, '| table module | tables |', '|---|---|', ...rows, END].join('\n') + page.slice(end + END.length);
}

if (require.main === module) {
  void (async () => {
    const { violations, owners } = inspect({ root: join(__dirname, '..'), tables: await schemaTables() });
    for (const v of violations) process.stdout.write(`${v.file}:${v.line} ${v.rule}: ${v.message}\n`);
    const page = readFileSync(ARCHITECTURE, 'utf8');
    const next = withOwnersTable(page, owners);
    let failed = violations.length > 0;
    if (failed) process.stderr.write(`${violations.length} table access violation(s); see scripts/table-access-check.ts\n`);
    if (process.argv.includes('--write')) writeFileSync(ARCHITECTURE, next);
    else if (next !== page) {
      process.stderr.write('the table owners in docs/architecture.md differ from the table modules: run npm run -s tables:check -- --write\n');
      failed = true;
    }
    if (failed) process.exit(1);
  })();
}
