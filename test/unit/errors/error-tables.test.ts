import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  FIELD_ERRORS,
  HTTP_ERRORS,
  PROCESS_ERRORS,
  type CataloguedStatus,
} from '../../../src/errors';
import {
  ERRORS_DOCUMENT,
  ErrorTableError,
  replaceErrorTables,
} from '../../../src/errors/error-tables';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');

describe('docs/errors.md generated from the error catalogue', () => {
  it('matches the catalogue (else: npm run docs:errors)', () => {
    const document = read(ERRORS_DOCUMENT);
    expect(replaceErrorTables(document)).toBe(document);
  });

  it('notices a row edited by hand, a row missing and a row too many', () => {
    const document = read(ERRORS_DOCUMENT);
    const edited = document.replace('| `job_finished` | 409 |', '| `job_finished` | 400 |');
    const missing = document.replace(/^\| `cycle` .*\n/m, '');
    const extra = document.replace('| `keys_exist` |', '| `keys_lost` | gone |\n| `keys_exist` |');
    for (const drifted of [edited, missing, extra]) {
      expect(drifted).not.toBe(document);
      expect(replaceErrorTables(drifted)).toBe(document);
    }
  });

  it('refuses a document without the markers', () => {
    expect(() => replaceErrorTables('# no tables\n')).toThrow(ErrorTableError);
  });

  it('is linked from the API and architecture pages', () => {
    // The link as docs/*.md write it: the page's name relative to docs/.
    const link = `(${path.basename(ERRORS_DOCUMENT)})`;
    expect(read('docs/api.md')).toContain(link);
    expect(read('docs/architecture.md')).toContain(link);
  });
});

describe('the error catalogue', () => {
  const entries = [
    ...Object.entries(HTTP_ERRORS),
    ...Object.entries(FIELD_ERRORS),
    ...Object.entries(PROCESS_ERRORS),
  ];

  it('spells every code in snake case and describes it in one line', () => {
    for (const [code, { description }] of entries) {
      expect({ code, ok: /^[a-z][a-z0-9_]*$/.test(code) }).toEqual({ code, ok: true });
      expect({ code, ok: /^\S[^\n]{9,119}$/.test(description) }).toEqual({ code, ok: true });
    }
  });

  it('gives every HTTP code error statuses only', () => {
    const statuses = (s: CataloguedStatus): number[] =>
      s === '4xx' ? [400] : typeof s === 'number' ? [s] : [...s];
    for (const [code, { status }] of Object.entries(HTTP_ERRORS)) {
      for (const s of statuses(status)) {
        expect({ code, ok: Number.isInteger(s) && s >= 400 && s < 600 }).toEqual({
          code,
          ok: true,
        });
      }
    }
  });

  // A code no source emits would document an answer that never comes.
  it('lists only codes some source file emits', () => {
    const sources = readdirSync(path.join(ROOT, 'src'), { recursive: true, encoding: 'utf8' })
      // Not the catalogues themselves (damson-error.ts emits config_invalid).
      .filter((file) => file.endsWith('.ts') && !/^errors[/\\].*-errors\.ts$/.test(file))
      .map((file) => readFileSync(path.join(ROOT, 'src', file), 'utf8'))
      .join('\n');
    const unused = entries.map(([code]) => code).filter((code) => !sources.includes(`'${code}'`));
    expect(unused).toEqual([]);
  });

  // slivka v1.1's clients match on these: a rename or a new status breaks them.
  it('keeps the codes and statuses clients already see', () => {
    const pinned: [keyof typeof HTTP_ERRORS, CataloguedStatus][] = [
      ['invalid_parameters', 422],
      ['not_found', 404],
      ['method_not_allowed', 405],
      ['job_finished', 409],
      ['invalid_token', 401],
      ['token_required', 401],
      ['scope_required', 403],
      ['store_unavailable', 503],
      ['internal', 500],
      ['bad_request', '4xx'],
    ];
    for (const [code, status] of pinned) expect(HTTP_ERRORS[code].status).toEqual(status);
    for (const code of ['required', 'invalid', 'min_value', 'max_value', 'pattern', 'media_type']) {
      expect(FIELD_ERRORS).toHaveProperty(code);
    }
  });
});
