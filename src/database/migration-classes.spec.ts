import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrationClasses } from './migration-classes';

describe('migrationClasses', () => {
  it('finds every migration file, one class each, in timestamp order', () => {
    const files = readdirSync(join(__dirname, 'migrations')).filter((f) => /^\d{13}-.*\.ts$/.test(f));
    const classes = migrationClasses();
    expect(classes).toHaveLength(files.length);
    const stamps = classes.map((c) => Number(/(\d{13})$/.exec(c.name)![1]));
    expect(stamps).toEqual([...stamps].sort((a, b) => a - b));
    expect(stamps).toEqual(files.sort().map((f) => Number(f.slice(0, 13))));
  });

  it('refuses a file whose class is not named after its timestamp', () => {
    const dir = mkdtempSync(join(tmpdir(), 'migrations-'));
    writeFileSync(join(dir, '1799999999999-misnamed.js'), 'exports.Misnamed = class Misnamed {};');
    expect(() => migrationClasses(dir)).toThrow(/1799999999999-misnamed\.js must export exactly one migration class whose name ends with 1799999999999/);
  });

  it('ignores files that are not migrations', () => {
    const dir = mkdtempSync(join(tmpdir(), 'migrations-'));
    writeFileSync(join(dir, 'README.md'), 'notes');
    writeFileSync(join(dir, '1800000000000-first.js'), 'exports.First1800000000000 = class First1800000000000 {};');
    expect(migrationClasses(dir).map((c) => c.name)).toEqual(['First1800000000000']);
  });
});
