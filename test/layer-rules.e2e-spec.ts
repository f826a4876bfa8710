import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ARCHITECTURE, withRulesTable } from '../scripts/layer-rules-doc';

/**
 * The layer rules (.dependency-cruiser.cjs, run by `npm run check`) fail on each kind of violation
 * they exist for. Each case is a tiny source tree with one violation, checked with the project's own
 * configuration: the rule named must report it. A tree that keeps the layers must pass, so a rule
 * that reports everything would fail here too.
 */
const ROOT = join(__dirname, '..');
const CONFIG = join(ROOT, '.dependency-cruiser.cjs');
const DEPCRUISE = join(ROOT, 'node_modules', '.bin', 'depcruise');

type Tree = Record<string, string>;

interface Violation {
  rule: { name: string };
  from: string;
  to: string;
}

/** `unreferenced` files are written but not imported by the entry point. */
function cruise(tree: Tree, unreferenced: Tree = {}): Violation[] {
  const dir = mkdtempSync(join(tmpdir(), 'layer-rules-'));
  try {
    symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { module: 'node16', moduleResolution: 'node16', strict: true }, include: ['src/**/*'] }),
    );
    // An entry point, so that files the case imports are not orphans of their own.
    const files: Tree = {
      'src/main.ts': Object.keys(tree)
        .map((f) => `import './${f.slice('src/'.length).replace(/\.ts$/, '')}';`)
        .join('\n'),
      ...tree,
      ...unreferenced,
    };
    for (const [file, text] of Object.entries(files)) {
      mkdirSync(dirname(join(dir, file)), { recursive: true });
      writeFileSync(join(dir, file), text);
    }
    const run = spawnSync(DEPCRUISE, ['src', '--config', CONFIG, '--output-type', 'json'], { cwd: dir, encoding: 'utf8' });
    if (!run.stdout) throw new Error(`dependency-cruiser did not answer: ${run.stderr}`);
    return (JSON.parse(run.stdout) as { summary: { violations: Violation[] } }).summary.violations;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const exported = (name: string) => `export const ${name} = 1;\n`;

describe('the layer rules fail on each violation they exist for', () => {
  it('a tree that keeps the layers passes', () => {
    expect(
      cruise({
        'src/transport/rest/demand.controller.ts': `import { read } from '../../access/governed-read';\nexport const c = read;\n`,
        'src/access/governed-read.ts': `import { table } from '../data/demand.entity';\nexport const read = table;\n`,
        'src/data/demand.entity.ts': exported('table'),
      }),
    ).toEqual([]);
  });

  const cases: Array<{ title: string; rule: string; tree: Tree }> = [
    {
      title: 'policy code importing Express types',
      rule: 'domain-not-to-web-frameworks',
      tree: { 'src/policy/policy-administration.service.ts': `import type { Request } from 'express';\nexport type R = Request;\n` },
    },
    {
      title: 'policy code importing GraphQL types',
      rule: 'domain-not-to-web-frameworks',
      tree: { 'src/policy/policy.resolver.ts': `import { Resolver } from '@nestjs/graphql';\nexport const r = Resolver;\n` },
    },
    {
      title: 'audit code importing the GraphQL adapter',
      rule: 'domain-not-to-transport',
      tree: {
        'src/audit/audit.resolver.ts': `import { adapter } from '../transport/graphql/graphql-adapter';\nexport const r = adapter;\n`,
        'src/transport/graphql/graphql-adapter.ts': exported('adapter'),
      },
    },
    {
      title: 'the access core importing a REST DTO',
      rule: 'domain-not-to-transport',
      tree: {
        'src/access/shipment-event-batch.ts': `import { BatchDto } from '../transport/rest/dto/batch.dto';\nexport const b = BatchDto;\n`,
        'src/transport/rest/dto/batch.dto.ts': exported('BatchDto'),
      },
    },
    {
      title: 'access and logistics importing each other',
      rule: 'no-folder-cycles',
      tree: {
        'src/access/governed-write.ts': `import { events } from '../logistics/shipment-events';\nexport const write = () => events;\n`,
        'src/logistics/shipment-events.ts': `import { write } from '../access/governed-write';\nexport const events = () => write;\n`,
      },
    },
    {
      title: 'a module cycle inside one folder',
      rule: 'no-circular',
      tree: {
        'src/policy/a.ts': `import { b } from './b';\nexport const a = () => b;\n`,
        'src/policy/b.ts': `import { a } from './a';\nexport const b = () => a;\n`,
      },
    },
    {
      title: 'a transport controller querying TypeORM directly',
      rule: 'transport-not-to-persistence',
      tree: { 'src/transport/rest/data-quality.controller.ts': `import { DataSource } from 'typeorm';\nexport const d = DataSource;\n` },
    },
    {
      title: 'a transport reaching the database service',
      rule: 'transport-not-to-persistence',
      tree: {
        'src/transport/rest/demand.controller.ts': `import { db } from '../../database/database.service';\nexport const c = db;\n`,
        'src/database/database.service.ts': exported('db'),
      },
    },
    {
      title: 'a transport importing the entities built from the catalog',
      rule: 'transport-not-to-persistence',
      tree: {
        'src/transport/rest/shipments.controller.ts': `import { ENTITY_OF } from '../../data/entities';\nexport const c = ENTITY_OF;\n`,
        'src/data/entities.ts': exported('ENTITY_OF'),
      },
    },
    {
      title: 'an entity importing a service above it',
      rule: 'entities-are-leaves',
      tree: {
        'src/data/shipment.entity.ts': `import { policy } from '../policy/policy.service';\nexport const e = policy;\n`,
        'src/policy/policy.service.ts': exported('policy'),
      },
    },
    {
      title: 'persistence importing the policy service and the demo seed',
      rule: 'persistence-at-the-bottom',
      tree: {
        'src/database/bootstrap.service.ts': `import { policy } from '../policy/policy.service';\nimport { seed } from '../demo/seed-demo';\nexport const b = [policy, seed];\n`,
        'src/policy/policy.service.ts': exported('policy'),
        'src/demo/seed-demo.ts': exported('seed'),
      },
    },
    {
      title: 'shared helpers importing audit, auth and policy types',
      rule: 'persistence-at-the-bottom',
      tree: {
        'src/common/gateway-request.ts': `import { audit } from '../audit/audit-record';\nexport const g = audit;\n`,
        'src/audit/audit-record.ts': exported('audit'),
      },
    },
    {
      title: 'production code importing the benchmark-only gateway',
      rule: 'production-not-to-bench',
      tree: {
        'src/app.module.ts': `import { ungoverned } from './bench/ungoverned-module';\nexport const m = ungoverned;\n`,
        'src/bench/ungoverned-module.ts': exported('ungoverned'),
      },
    },
    {
      title: "production code composing the gateway with Nest's testing module",
      rule: 'testing-only-in-bench',
      tree: { 'src/app.module.ts': `import { Test } from '@nestjs/testing';\nexport const t = Test;\n` },
    },
  ];

  it.each(cases)('$title: $rule', ({ rule, tree }) => {
    const violations = cruise(tree);
    expect(violations.map((v) => v.rule.name)).toContain(rule);
  });

  it('a file nothing imports is reported as dead code: no-orphans', () => {
    const violations = cruise({ 'src/policy/used.ts': exported('used') }, { 'src/policy/dead.ts': exported('dead') });
    expect(violations.map((v) => [v.rule.name, v.from])).toEqual([['no-orphans', 'src/policy/dead.ts']]);
  });
});

describe('docs/architecture.md', () => {
  it('lists the rules the checker enforces, as the configuration states them', () => {
    const page = readFileSync(ARCHITECTURE, 'utf8');
    expect(page).toContain('`persistence-at-the-bottom`');
    expect(withRulesTable(page)).toBe(page);
  });
});
