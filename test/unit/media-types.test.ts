import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { fastaChecker } from '../../src/services/media-types/fasta';
import { MAX_JSON_DEPTH } from '../../src/services/media-types/json-syntax';
import { MAX_LINE_BYTES } from '../../src/services/media-types/line-checker';
import {
  checkJson,
  checkYaml,
  MAX_YAML_BYTES,
  stopYamlWorker,
} from '../../src/services/media-types/structured-text';
import { YAML_TIMEOUT_MS, YamlWorkerPool } from '../../src/services/media-types/yaml-worker';
import {
  knownMediaTypes,
  mediaTypeValidator,
  type MediaTypeCheck,
} from '../../src/services/media-types/media-type-validator';

let dir: string;
let counter = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'damson-media-types-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function check(mediaType: string, content: string | Buffer): Promise<MediaTypeCheck> {
  const validator = mediaTypeValidator(mediaType);
  if (validator === undefined) throw new Error(`no validator for ${mediaType}`);
  const file = join(dir, `fixture-${counter++}`);
  await writeFile(file, content);
  const fromDisk = await validator(file);
  // Held in memory (a small uploaded part), the same bytes must get the same verdict.
  expect(await validator(Buffer.from(content))).toEqual(fromDisk);
  return fromDisk;
}

async function expectValid(mediaType: string, content: string | Buffer): Promise<void> {
  expect(await check(mediaType, content)).toEqual({ ok: true });
}

async function expectInvalid(mediaType: string, content: string | Buffer, reason: string | RegExp) {
  const result = await check(mediaType, content);
  expect(result.ok).toBe(false);
  if (!result.ok) expect(result.reason).toMatch(reason);
}

const lines = (...rows: string[]): string => rows.join('\n') + '\n';

describe('registry', () => {
  it('knows the slivka media types', () => {
    const known = knownMediaTypes();
    expect(known).toHaveLength(4 + 6 * 3);
    for (const type of ['text/plain', 'application/json', 'application/yaml', 'application/x-yaml'])
      expect(known).toContain(type);
    for (const name of ['fasta', 'clustal', 'genbank', 'embl', 'stockholm', 'pfam']) {
      for (const prefix of ['application/', 'application/x-', 'text/'])
        expect(known).toContain(prefix + name);
    }
  });

  it('has no validator for other types, so anything is accepted', () => {
    expect(mediaTypeValidator('image/png')).toBeUndefined();
    expect(mediaTypeValidator('text/x-fasta')).toBeUndefined();
  });

  it('ignores case and parameters', () => {
    expect(mediaTypeValidator('Application/JSON; charset=utf-8')).toBeDefined();
  });

  it('rejects the promise on I/O errors', async () => {
    const validator = mediaTypeValidator('application/x-fasta');
    await expect(validator?.(join(dir, 'missing'))).rejects.toThrow(/ENOENT/);
    await expect(mediaTypeValidator('text/plain')?.(join(dir, 'missing'))).rejects.toThrow();
  });
});

describe('text/plain', () => {
  it('accepts printable text, UTF-8 and whitespace controls', async () => {
    await expectValid('text/plain', 'héllo\tworld\r\n\f\v ✓\n');
    await expectValid('text/plain', '');
  });

  it('rejects NUL, other control bytes and DEL, naming the line', async () => {
    await expectInvalid(
      'text/plain',
      'abc\ndef\0',
      'not a plain text file: line 2: control byte 0x00',
    );
    await expectInvalid('text/plain', 'colour \x1b[31m', /control byte 0x1b/);
    await expectInvalid('text/plain', Buffer.from([0x41, 0x7f]), /control byte 0x7f/);
  });
});

describe('application/json', () => {
  it('accepts JSON', async () => {
    await expectValid('application/json', '{"a": [1, 2.5, "x", null]}');
  });

  it('rejects malformed, empty and non-UTF-8 files', async () => {
    await expectInvalid('application/json', '{"a": }', /^not a JSON file: /);
    await expectInvalid('application/json', '', /^not a JSON file/);
    await expectInvalid('application/json', Buffer.from([0x22, 0xff, 0x22]), /not valid UTF-8/);
  });
});

const CLUSTAL_HEADER = 'CLUSTAL W (1.83) multiple sequence alignment';
const CLUSTAL = lines(
  CLUSTAL_HEADER,
  '',
  '',
  'seq1      MKV-LAGG 7',
  'seq2      MKVALA-G 7',
  '          ***.**  ',
  '',
  'seq1      TTW 10',
  'seq2      TTW 10',
  '          ***',
);

const GENBANK = lines(
  'LOCUS       TEST1                     20 bp    DNA     linear   SYN 01-JAN-2000',
  'DEFINITION  Test record.',
  'ACCESSION   TEST1',
  'SOURCE      synthetic construct',
  '  ORGANISM  synthetic construct',
  'FEATURES             Location/Qualifiers',
  '     source          1..20',
  '                     /organism="synthetic construct"',
  'ORIGIN',
  '        1 acgtacgtac gtacgtacgt',
  '//',
);

const EMBL = lines(
  'ID   TEST1; SV 1; linear; genomic DNA; STD; SYN; 20 BP.',
  'XX',
  'AC   TEST1;',
  'XX',
  'DE   Test record.',
  'FH   Key             Location/Qualifiers',
  'FT   source          1..20',
  'FT                   /organism="synthetic construct"',
  'SQ   Sequence 20 BP; 5 A; 5 C; 5 G; 5 T; 0 other;',
  '     acgtacgtac gtacgtacgt                                                 20',
  '//',
);

const STOCKHOLM = lines(
  '# STOCKHOLM 1.0',
  '#=GF ID test',
  '#=GS seq1/1-10 AC P12345',
  '',
  'seq1/1-10   MKV-LA..GG',
  'seq2        MKVALA--GG',
  '#=GC SS_cons ..HHHH....',
  '',
  'seq1/1-10   TTW',
  'seq2        TTW',
  '#=GC SS_cons ...',
  '//',
);

const FASTA = lines('', '>seq1 a description', 'MKV-LA*', 'acgt. ac', '', '>seq2', 'ACGT');

describe.each([
  ['application/yaml', 'a: 1\na: 2\n---\n- x\n- y\n'], // duplicate keys pass, as in PyYAML
  ['application/x-yaml', 'key: value\n'],
  ['application/fasta', FASTA],
  ['application/x-fasta', FASTA],
  ['text/fasta', FASTA],
  ['text/fasta', '>a\r\nACGT\r\n>b\r\n'], // CRLF, and a header without sequence
  ['application/x-clustal', CLUSTAL],
  ['text/clustal', lines('MUSCLE (3.8) multiple sequence alignment', '', 'a  AC-', 'b  ACG')],
  ['application/clustal', CLUSTAL + '\n' + CLUSTAL], // concatenated alignments
  ['text/genbank', GENBANK],
  ['application/x-genbank', GENBANK + '\n' + GENBANK],
  ['application/embl', EMBL],
  ['text/embl', EMBL + EMBL],
  ['application/x-stockholm', STOCKHOLM],
  ['text/stockholm', STOCKHOLM + STOCKHOLM],
  ['text/pfam', STOCKHOLM],
])('%s', (mediaType, content) => {
  it(`accepts ${JSON.stringify(content.slice(0, 30))}...`, async () => {
    await expectValid(mediaType, content);
  });
});

const X = {
  yaml: 'application/yaml',
  fasta: 'application/x-fasta',
  clustal: 'application/x-clustal',
  genbank: 'text/genbank',
  embl: 'application/embl',
  stockholm: 'application/x-stockholm',
  pfam: 'text/pfam',
};

const STOCKHOLM_ERRORS: [string, RegExp][] = [
  [
    STOCKHOLM.replace('seq2        TTW', 'seq2        TT'),
    /file: line 12: sequence 'seq2' has 12 columns, the first one has 13/,
  ],
  [STOCKHOLM.replace('//\n', ''), /missing '\/\/' at the end of the alignment from line 1/],
  [STOCKHOLM.replace('# STOCKHOLM 1.0\n', ''), /line 1: expected a '# STOCKHOLM 1.0' header/],
  [STOCKHOLM.replace('SS_cons ...', 'SS_cons ..'), /'#=GC SS_cons' has 12 columns/],
  [STOCKHOLM.replace('seq1/1-10 AC P12345', 'seq1 AC'), /line 3: incomplete '#=GS' line/],
  [lines('# STOCKHOLM 1.0', '//'), /line 2: the alignment starting at line 1 has no sequences/],
];

it.each<[string, string, string | RegExp]>([
  [X.yaml, 'a: [1, 2\nb: 3\n', /^not a YAML file: line 2, column 1: Flow sequence/],
  ['application/x-yaml', 'x: 1\n---\n- a\nb: c\n', /line 4/],
  [X.fasta, lines('hello', '>s', 'AC'), "not a FASTA file: line 1: expected a '>' header"],
  [X.fasta, lines('>s', 'ACGT', 'AC1T'), "line 3: unexpected character '1'"],
  [X.fasta, '', /no records found/],
  [X.fasta, lines('>s é', 'ACGT'), /line 1: non-ASCII byte 0xc3/],
  [X.clustal, lines('seq1 MKV'), /^not a Clustal file: line 1: expected a header/],
  [
    X.clustal,
    lines(CLUSTAL_HEADER, '', 'a  ACG', 'b  ACG', '', 'b  TT', 'a  TT'),
    "line 6: expected sequence 'a' (same order as the first block), found 'b'",
  ],
  [X.clustal, lines(CLUSTAL_HEADER, '', 'a  ACG', 'b  AC'), /line 4: sequence 'b' has 2 columns/],
  [X.clustal, lines(CLUSTAL_HEADER, '', 'a  AC-G 4'), /count '4' does not match the 3 residues/],
  [
    X.clustal,
    lines(CLUSTAL_HEADER, '', 'a  ACG', 'b  ACG', '', 'a  TT'),
    /at end of file: a block has 1 sequences but the first block has 2/,
  ],
  [X.clustal, lines(CLUSTAL_HEADER, '', 'a  ACG', 'x  ACG 3 4'), /line 4: expected 'name sequence/],
  [X.clustal, lines(CLUSTAL_HEADER, '', 'a  ACG', '   *x'), /line 4: conservation lines may/],
  [X.clustal, lines(CLUSTAL_HEADER, ''), /alignment has no sequences/],
  [X.genbank, GENBANK.replace('//\n', ''), /missing '\/\/' at the end of the record from line 1/],
  [
    X.genbank,
    GENBANK.replace('        1 acgt', 'acgt'),
    /^not a GenBank file: line 10: expected a sequence line/,
  ],
  [X.genbank, 'hello\n' + GENBANK, 'line 1: expected a LOCUS line'],
  [X.genbank, GENBANK.replace(/ORIGIN\n.*\n/, ''), /line 9: the record from line 1 has no seq/],
  [X.genbank, GENBANK.replace('DEFINITION', 'definition'), /line 2: expected a keyword/],
  [X.genbank, GENBANK.replace('//\n', '') + GENBANK, /line 11: a new record starts before '\/\/'/],
  [X.genbank, '\n\n', /no records found \(expected a LOCUS line\)/],
  [X.embl, EMBL.replace(/SQ.*\n.*\n/, ''), /^not an EMBL file: line 9: the record from line 1/],
  [X.embl, EMBL.replace('DE   Test', 'Test'), /line 5: expected a two-character line code/],
  [X.embl, EMBL.replace('acgtacgtac', 'acgt1cgtac'), /line 10: expected a sequence line/],
  [X.embl, GENBANK, /line 1: expected an ID line/],
  ...STOCKHOLM_ERRORS.map(([c, r]): [string, string, RegExp] => [X.stockholm, c, r]),
  ...STOCKHOLM_ERRORS.map(([c, r]): [string, string, RegExp] => [X.pfam, c, r]),
  [X.stockholm, lines('>s', 'ACGT'), /^not a Stockholm file: line 1:/],
  [X.pfam, lines('>s', 'ACGT'), /^not a Pfam \(Stockholm\) file: line 1:/],
])('%s rejects fixture %#', async (mediaType, content, reason) => {
  await expectInvalid(mediaType, content, reason);
});

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
    const file = join(dir, name);
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
        const file = join(dir, 'property.fa');
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

describe('audit F5: structured text never holds the event loop', () => {
  const MIB = 1024 * 1024;
  afterAll(() => stopYamlWorker());

  /** Runs `work` while measuring how late a 10 ms interval fires: the event loop's longest stall. */
  async function withLagProbe<T>(work: () => Promise<T>): Promise<{ result: T; maxLagMs: number }> {
    let maxLagMs = 0;
    let last = performance.now();
    const probe = setInterval(() => {
      const now = performance.now();
      maxLagMs = Math.max(maxLagMs, now - last - 10);
      last = now;
    }, 10);
    try {
      const result = await work();
      return { result, maxLagMs };
    } finally {
      clearInterval(probe);
    }
  }

  it('fast-check: the streaming JSON check agrees with JSON.parse, wherever pieces end', async () => {
    const mutated = fc
      .tuple(
        fc.json(),
        fc.array(
          fc.tuple(
            fc.nat(),
            fc.constantFrom(
              '',
              '"',
              ',',
              ':',
              '[',
              ']',
              '{',
              '}',
              '-',
              '0',
              '1',
              '.',
              'e',
              'E',
              '+',
              '\\',
              'u',
              'n',
              't',
              ' ',
              '\u0001',
              '\n',
              'x',
            ),
          ),
          { maxLength: 3 },
        ),
      )
      .map(([json, edits]) => {
        let text = json;
        for (const [at, insert] of edits) {
          const i = at % (text.length + 1);
          text =
            insert === ''
              ? text.slice(0, i) + text.slice(i + 1)
              : text.slice(0, i) + insert + text.slice(i);
        }
        return text;
      });
    await fc.assert(
      fc.asyncProperty(mutated, fc.boolean(), async (text, padded) => {
        // Padding puts the document across the 64 KiB piece boundary.
        const content = Buffer.from((padded ? ' '.repeat(65_530) : '') + text);
        let parses = true;
        try {
          JSON.parse(text);
        } catch {
          parses = false;
        }
        expect((await checkJson(content)).ok).toBe(parses);
      }),
      { numRuns: 400 },
    );
  });

  it('JSON: depth is capped, and a 24 MiB array is checked a piece at a time', async () => {
    expect(
      await checkJson(Buffer.from('['.repeat(MAX_JSON_DEPTH) + ']'.repeat(MAX_JSON_DEPTH))),
    ).toEqual({ ok: true });
    const deep = await checkJson(Buffer.from('['.repeat(MAX_JSON_DEPTH + 1)));
    expect(deep).toEqual({
      ok: false,
      reason: `not a JSON file: line 1, column ${MAX_JSON_DEPTH + 1}: nested deeper than ${MAX_JSON_DEPTH} levels`,
    });
    const file = join(dir, 'large.json');
    await writeFile(file, `[${'1,'.repeat(12 * MIB)}1]`);
    const { result, maxLagMs } = await withLagProbe(() => checkJson(file));
    expect(result).toEqual({ ok: true });
    expect(maxLagMs).toBeLessThan(200);
  }, 120_000);

  it('YAML: a file over MAX_YAML_BYTES is refused unread, naming the limit', async () => {
    const file = join(dir, 'large.yaml');
    // The audit's 30 MiB YAML crashed the server.
    await writeFile(file, `[${'1, '.repeat(10 * MIB)}1]`);
    const { result, maxLagMs } = await withLagProbe(() => checkYaml(file));
    expect(result).toEqual({
      ok: false,
      reason: `a YAML file of ${30 * MIB + 3} bytes is larger than the 4 MiB limit for YAML validation`,
    });
    expect(maxLagMs).toBeLessThan(200);
    expect(MAX_YAML_BYTES).toBe(4 * MIB);
  });

  it('YAML: a hostile flow sequence under the cap is refused or accepted off the event loop', async () => {
    const file = join(dir, 'flow.yaml');
    await writeFile(file, `[${'1, '.repeat(MAX_YAML_BYTES / 3 - 1)}1]`);
    const started = performance.now();
    const { result, maxLagMs } = await withLagProbe(() => checkYaml(file));
    // Bounded by the worker's time limit, whatever the machine.
    expect(performance.now() - started).toBeLessThan(YAML_TIMEOUT_MS + 5_000);
    expect(maxLagMs).toBeLessThan(200);
    if (!result.ok)
      expect(result.reason).toMatch(
        /^could not be checked as YAML: it (needs more than 128 MiB of memory|takes longer than 15 s)$/,
      );
    // The worker is replaced: the next file is checked as usual.
    expect(await checkYaml(Buffer.from('a: [1, 2]\n'))).toEqual({ ok: true });
  }, 60_000);

  describe('the YAML worker pool', () => {
    const flow = Buffer.from(`[${'1, '.repeat(300_000)}1]`);
    const pools: YamlWorkerPool[] = [];
    const pool = (limits: { heapMb: number; timeoutMs: number; queueLimit: number }) => {
      const made = new YamlWorkerPool(limits);
      pools.push(made);
      return made;
    };
    afterAll(async () => {
      await Promise.all(pools.map((p) => p.close()));
    });

    it('a check that runs out of heap is refused, and the next check gets a new worker', async () => {
      const small = pool({ heapMb: 16, timeoutMs: 60_000, queueLimit: 4 });
      expect(await small.check(flow)).toEqual({
        ok: false,
        detail: 'it needs more than 16 MiB of memory',
        checked: false,
      });
      expect(await small.check(Buffer.from('a: 1\n'))).toEqual({ ok: true });
    }, 60_000);

    it('a check that runs out of time is stopped, and the next check gets a new worker', async () => {
      const hasty = pool({ heapMb: 128, timeoutMs: 100, queueLimit: 4 });
      expect(await hasty.check(flow)).toEqual({
        ok: false,
        detail: 'it takes longer than 0.1 s',
        checked: false,
      });
      hasty['limits'].timeoutMs = 30_000;
      expect(await hasty.check(Buffer.from('- a\n- b\n'))).toEqual({ ok: true });
    }, 60_000);

    it('checks beyond the queue limit are refused at once', async () => {
      const busy = pool({ heapMb: 128, timeoutMs: 30_000, queueLimit: 1 });
      const verdicts = await Promise.all([
        busy.check(Buffer.from('a: 1\n')),
        busy.check(Buffer.from('b: 2\n')),
        busy.check(Buffer.from('c: 3\n')),
      ]);
      expect(verdicts.filter((v) => v.ok)).toHaveLength(2);
      expect(verdicts[2]).toEqual({
        ok: false,
        detail: 'too many YAML files are being checked at the moment; try again shortly',
        checked: false,
      });
    }, 60_000);
  });
});
