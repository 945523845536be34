import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Every document a file of the repository names (a name ending in .md) must be in the repository,
 * so a reader never meets a reference to a page they cannot open. Web addresses are not checked.
 */
const root = path.resolve(__dirname, '../..');
const TEXT = /\.(ts|mjs|js|md|yaml|yml|sh|py|conf|example|json)$|(^|\/)run$/;
const URL = /[a-z][a-z0-9+.-]*:\/\/[^\s)>\]'"`]+/gi;
const DOCUMENT = /(?<![\w./-])[\w./-]*[\w-]\.md(?![\w])/g;

function trackedTextFiles(): string[] {
  const listing = execFileSync('git', ['ls-files', '-z'], { cwd: root, encoding: 'utf8' });
  return listing.split('\0').filter((file) => TEXT.test(file) && existsSync(path.join(root, file)));
}

export function danglingReferences(file: string, text: string): string[] {
  const dangling: string[] = [];
  for (const name of text.replace(URL, '').match(DOCUMENT) ?? []) {
    const candidates = [path.join(root, path.dirname(file), name), path.join(root, name)];
    // Setting declarations hold table rows rendered into docs/*.md, so their links are the docs'.
    if (file.startsWith('src/config/setting-declarations/')) {
      candidates.push(path.join(root, 'docs', name));
    }
    if (!candidates.some((candidate) => existsSync(candidate))) dangling.push(name);
  }
  return dangling;
}

describe('references to documents', () => {
  test('the check itself finds a dangling name and passes a real one', () => {
    expect(danglingReferences('src/x.ts', `// see ${'DESIGN'}.md and docs/api.md`)).toEqual([
      `${'DESIGN'}.md`,
    ]);
    // Spelled in pieces, so that this file, which is tracked too, names no missing document.
    expect(
      danglingReferences(`${'docs/x'}.md`, `[api](${'api'}.md), https://example.org/a.md`),
    ).toEqual([]);
  });

  test('every document named in the repository is in the repository', () => {
    const found: string[] = [];
    for (const file of trackedTextFiles()) {
      const text = readFileSync(path.join(root, file), 'utf8');
      for (const name of danglingReferences(file, text)) found.push(`${file}: ${name}`);
    }
    expect(found).toEqual([]);
  });
});
