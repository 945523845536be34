/**
 * `npm run docs:errors`: rewrites the tables of docs/errors.md from the error catalogue
 * (src/errors/). With `--check` it writes nothing and exits 1 when a table differs from the
 * catalogue (the unit test error-tables.test.ts checks the same in CI).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { ERRORS_DOCUMENT, replaceErrorTables } from '../errors/error-tables';

function main(argv: readonly string[]): number {
  const check = argv.includes('--check');
  // npm runs scripts in the package's root, where the documents are.
  const file = path.join(process.cwd(), ERRORS_DOCUMENT);
  const before = readFileSync(file, 'utf8');
  const after = replaceErrorTables(before);
  if (after === before) return 0;
  if (check) {
    console.error(`${ERRORS_DOCUMENT}: a table differs from the error catalogue`);
    return 1;
  }
  writeFileSync(file, after);
  return 0;
}

process.exitCode = main(process.argv.slice(2));
