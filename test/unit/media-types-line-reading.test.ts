import { writeFile } from 'node:fs/promises';
import fc from 'fast-check';
import { fastaChecker } from '../../src/services/media-types/fasta';
import { MAX_LINE_BYTES } from '../../src/services/media-types/line-checker';
import {
  mediaTypeValidator,
  type MediaTypeCheck,
} from '../../src/services/media-types/media-type-validator';
import { mediaTypeFixtures } from '../helpers/media-type-fixtures';

// How line-based formats are read: in chunks, with line ends and long lines across them, in time
// linear in the content.
const { fixturePath, expectValid, expectInvalid } = mediaTypeFixtures();

describe('line splitting across read chunks', () => {
  // A file is read in 64 KiB chunks; line ends and lines may straddle them.
  const CHUNK = 64 * 1024;

  it('counts a CRLF split between two chunks as one line end', async () => {
    const header = '>a\r\n';
    const row = 'A'.repeat(CHUNK - header.length - 1);
    // The CR is the last byte of the first chunk, its LF the first of the second.
    const content = `${header}${row}\r\n>b\r\nAC1T\r\n`;
    expect(content.indexOf('\r\n>b')).toBe(CHUNK - 1);
    await expectInvalid('text/fasta', content, /line 4: unexpected character '1'/);
  });

  it('reads a line longer than a chunk, and lone CRs as line ends', async () => {
    await expectValid('text/fasta', `>a\n${'ACGT'.repeat(CHUNK)}\n>b\rAC\r`);
    await expectInvalid('text/fasta', `>a\n${'ACGT'.repeat(CHUNK)}\r>b\rA9\r`, /line 4:/);
  });
});

describe('audit F7: line checking is linear in the content', () => {
  const MIB = 1024 * 1024;
  async function fastaFile(name: string, content: string): Promise<string> {
    const file = fixturePath(name);
    await writeFile(file, content);
    return file;
  }
  /** The fastest of three runs, so a busy machine can only make a ratio smaller than it is. */
  async function bestMs(file: string): Promise<number> {
    const validator = mediaTypeValidator('application/fasta')!;
    let best = Infinity;
    for (let run = 0; run < 3; run++) {
      const start = process.hrtime.bigint();
      expect(await validator(file)).toEqual({ ok: true });
      best = Math.min(best, Number(process.hrtime.bigint() - start) / 1e6);
    }
    return best;
  }

  it('a 12 MiB single-line FASTA costs about what the same bytes in 60-column lines cost', async () => {
    // Quadratic before: 0.77 s against 0.11 s at 10 MiB, 10.6 s against 0.36 s at 40 MiB.
    const residues = 12 * MIB;
    const single = await fastaFile('single.fa', `>one line\n${'ACGT'.repeat(residues / 4)}\n`);
    const wrapped = await fastaFile(
      'wrapped.fa',
      `>wrapped\n${`${'ACGT'.repeat(15)}\n`.repeat(Math.ceil(residues / 60))}`,
    );
    const ratio = (await bestMs(single)) / (await bestMs(wrapped));
    expect(ratio).toBeLessThan(4);
  }, 60_000);

  it('a line longer than MAX_LINE_BYTES is refused, naming the line and the limit', async () => {
    expect(MAX_LINE_BYTES).toBe(16 * MIB);
    const file = await fastaFile('too-long.fa', `>a\nAC\n${'A'.repeat(MAX_LINE_BYTES + 1)}\n`);
    expect(await mediaTypeValidator('application/fasta')!(file)).toEqual({
      ok: false,
      reason: 'not a FASTA file: line 3 is longer than the 16 MiB Damson checks',
    });
    const fits = await fastaFile('fits.fa', `>a\n${'A'.repeat(MAX_LINE_BYTES)}\r\n`);
    expect(await mediaTypeValidator('application/fasta')!(fits)).toEqual({ ok: true });
  }, 60_000);

  it('reports a non-ASCII byte at its column in a line spread over chunks', async () => {
    const content = `>a\n${'A'.repeat(200_000)}\u00e9AA\n`;
    await expectInvalid(
      'application/fasta',
      Buffer.from(content, 'latin1'),
      'line 2: non-ASCII byte 0xe9 at column 200001',
    );
  });

  it('fast-check: the verdict is that of checking the lines split whole, wherever chunks end', async () => {
    const piece = fc.constantFrom(
      '>h',
      'ACGT',
      '\n',
      '\r',
      '\r\n',
      '1',
      ' ',
      '\u00e9',
      'A'.repeat(5000),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(piece, { minLength: 1, maxLength: 80 }), async (pieces) => {
        // Padding pushes the interesting part across the 64 KiB chunk boundary.
        const content = `>pad\n${'A'.repeat(65_530)}${pieces.join('')}`;
        const file = fixturePath('property.fa');
        await writeFile(file, Buffer.from(content, 'latin1'));
        const checker = fastaChecker();
        let expected: MediaTypeCheck = { ok: true };
        const rows = content.split(/\r\n|\n|\r/);
        if (rows[rows.length - 1] === '') rows.pop();
        for (let i = 0; i < rows.length && expected.ok; i++) {
          const bad = /[\u0080-\u00ff]/.exec(rows[i]);
          const error = bad
            ? `non-ASCII byte 0x${bad[0].charCodeAt(0).toString(16)} at column ${bad.index + 1}`
            : checker.line(rows[i], i + 1);
          if (error !== undefined)
            expected = { ok: false, reason: `not a FASTA file: line ${i + 1}: ${error}` };
        }
        if (expected.ok) {
          const end = checker.end();
          if (end !== undefined) expected = { ok: false, reason: `not a FASTA file: ${end}` };
        }
        expect(await mediaTypeValidator('application/fasta')!(file)).toEqual(expected);
      }),
      { numRuns: 60 },
    );
  }, 60_000);
});
