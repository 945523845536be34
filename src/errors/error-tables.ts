import { FIELD_ERRORS } from './field-errors';
import { HTTP_ERRORS, type CataloguedStatus } from './http-errors';
import { PROCESS_ERRORS } from './process-errors';

/**
 * The tables of docs/errors.md, generated from the catalogue: each sits between
 * `<!-- errors:<id> -->` and `<!-- /errors:<id> -->`, rewritten by `npm run docs:errors` and
 * checked by test/unit/errors/error-tables.test.ts.
 */
export const ERRORS_DOCUMENT = 'docs/errors.md';

export type ErrorTableId = 'http' | 'field' | 'process';

export const ERROR_TABLE_IDS: readonly ErrorTableId[] = ['http', 'field', 'process'];

export class ErrorTableError extends Error {}

const cell = (text: string): string => text.replace(/\|/g, '\\|');

function statusText(status: CataloguedStatus): string {
  if (typeof status === 'number') return String(status);
  return typeof status === 'string' ? status : status.join(', ');
}

/** One table, codes in alphabetical order so an addition lands in a stable place. */
export function renderErrorTable(id: ErrorTableId): string {
  const byCode = ([a]: [string, unknown], [b]: [string, unknown]) => (a < b ? -1 : 1);
  if (id === 'http') {
    const rows = Object.entries(HTTP_ERRORS)
      .sort(byCode)
      .map(([code, e]) => `| \`${code}\` | ${statusText(e.status)} | ${cell(e.description)} |`);
    return ['| code | status | meaning |', '| --- | --- | --- |', ...rows].join('\n');
  }
  const catalogue = id === 'field' ? FIELD_ERRORS : PROCESS_ERRORS;
  const rows = Object.entries(catalogue)
    .sort(byCode)
    .map(([code, e]) => `| \`${code}\` | ${cell(e.description)} |`);
  return ['| code | meaning |', '| --- | --- |', ...rows].join('\n');
}

/** The document with every table between its markers rewritten; throws on a missing marker. */
export function replaceErrorTables(document: string): string {
  let out = document;
  for (const id of ERROR_TABLE_IDS) {
    const start = `<!-- errors:${id} -->`;
    const end = `<!-- /errors:${id} -->`;
    const from = out.indexOf(start);
    const to = out.indexOf(end, from);
    if (from < 0 || to < 0) {
      throw new ErrorTableError(`${ERRORS_DOCUMENT}: no '${start}' … '${end}' markers`);
    }
    out = `${out.slice(0, from)}${start}\n\n${renderErrorTable(id)}\n\n${out.slice(to)}`;
  }
  return out;
}
