import {
  knownMediaTypes,
  mediaTypeValidator,
} from '../../src/services/media-types/media-type-validator';
import { lines, mediaTypeFixtures } from '../helpers/media-type-fixtures';

// What each media type accepts and refuses, and with which words. How files are read (chunks,
// long lines) is in media-types-line-reading.test.ts; JSON and YAML off the event loop in
// media-types-structured-text.test.ts.
const { fixturePath, expectValid, expectInvalid } = mediaTypeFixtures();

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
    await expect(validator?.(fixturePath('missing'))).rejects.toThrow(/ENOENT/);
    await expect(mediaTypeValidator('text/plain')?.(fixturePath('missing'))).rejects.toThrow();
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
