import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * docs/architecture.md is the newcomer's map: every repository path it names in backticks must
 * exist, so a file moved without updating the map fails here. A glob is accepted only in the last
 * segment and must match at least one file; `<name>` stands for a folder to create, whose parent
 * must exist.
 */
const root = path.resolve(__dirname, '../..');
const MAP = 'docs/architecture.md';
const TOP_FOLDERS = ['src', 'test', 'docs', 'bench', 'scripts', 'public'];
const TOP_FILE = /^[\w.-]+\.(md|mjs|js|json|ts)$/;
const CODE_SPAN = /`([^`\n]+)`/g;

/** The repository paths named in backticks in `markdown`, as written. */
export function namedPaths(markdown: string): string[] {
  const paths: string[] = [];
  for (const [, span] of markdown.matchAll(CODE_SPAN)) {
    const text = span.trim();
    if (/\s/.test(text)) continue; // a command or a phrase, not a path
    const first = text.split('/')[0];
    if ((TOP_FOLDERS.includes(first) && text.includes('/')) || TOP_FILE.test(text)) {
      paths.push(text);
    }
  }
  return paths;
}

/** Why `named` does not name an existing file or folder of the repository, or null if it does. */
export function problemWith(named: string): string | null {
  if (/[*?[\]{}]/.test(named)) return globProblem(named);
  const placeholder = named.indexOf('<');
  const existing = placeholder >= 0 ? named.slice(0, placeholder) : named;
  if (existing === '' || existing.includes('..')) return 'not a repository path';
  return existsSync(path.join(root, existing)) ? null : 'does not exist';
}

/** `src/store/*.ts`: `*` and `?` in the last segment only, matching at least one entry. */
function globProblem(named: string): string | null {
  const folder = path.posix.dirname(named);
  const pattern = path.posix.basename(named);
  if (/[*?[\]{}]/.test(folder) || /[[\]{}]/.test(pattern))
    return 'a glob beyond * and ? in the last segment';
  if (folder.includes('..') || !existsSync(path.join(root, folder))) return 'does not exist';
  const regex = new RegExp(
    `^${pattern
      .replace(/[.+^$()|\\]/g, '\\$&')
      .replace(/\*/g, '[^/]*')
      .replace(/\?/g, '[^/]')}$`,
  );
  const matches = readdirSync(path.join(root, folder)).filter((entry) => regex.test(entry));
  return matches.length > 0 ? null : 'a glob that matches nothing';
}

describe('docs/architecture.md', () => {
  test('the extraction finds paths and the check refuses what does not exist', () => {
    const sample =
      'See `src/jobs/job.ts`, `npm run build`, `README.md`, `directory.jobs`, ' +
      '`src/store/<name>/`, `src/nowhere.ts`, `src/jobs/*.ts`, `src/jobs/*.py` and `src/**/x.ts`.';
    expect(namedPaths(sample)).toEqual([
      'src/jobs/job.ts',
      'README.md',
      'src/store/<name>/',
      'src/nowhere.ts',
      'src/jobs/*.ts',
      'src/jobs/*.py',
      'src/**/x.ts',
    ]);
    expect(namedPaths(sample).map(problemWith)).toEqual([
      null,
      null,
      null,
      'does not exist',
      null,
      'a glob that matches nothing',
      'a glob beyond * and ? in the last segment',
    ]);
  });

  test('names only files and folders that exist', () => {
    const named = namedPaths(readFileSync(path.join(root, MAP), 'utf8'));
    // The map names far more than this; a broken extraction must not pass by finding nothing.
    expect(named.length).toBeGreaterThan(50);
    const problems = named
      .map((p) => [p, problemWith(p)] as const)
      .filter(([, problem]) => problem !== null)
      .map(([p, problem]) => `${p}: ${problem}`);
    expect(problems).toEqual([]);
  });
});
