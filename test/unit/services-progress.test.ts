import { checkPattern } from '../../src/services/progress-spec';
import { progressFromJson, progressFromLines } from '../../src/http/job-progress';
import { serviceOf } from '../helpers/service-definition';

const outputs = {
  log: { path: 'stderr', 'media-type': 'text/plain' },
  many: { path: '*.txt' },
};

describe('the service file key progress (Damson extension)', () => {
  it('loads a pattern over a named output and a JSON file', () => {
    const pattern = serviceOf({ outputs, progress: { output: 'log', pattern: '(\\d+)% done' } });
    expect(pattern.progress).toMatchObject({ kind: 'pattern', output: 'log', file: 'stderr' });
    const json = serviceOf({ outputs, progress: { file: 'progress.json' } });
    expect(json.progress).toEqual({ kind: 'json', file: 'progress.json' });
    expect(serviceOf({ outputs }).progress).toBeNull();
  });

  it.each([
    [{ output: 'nope', pattern: '(\\d+)' }, /progress\/output.*names no output/],
    [{ output: 'many', pattern: '(\\d+)' }, /plain file path, not a glob/],
    [{ output: 'log', pattern: '(a+)+$' }, /may not repeat a group/],
    [{ output: 'log', pattern: '(\\d+)' + '.*'.repeat(3) }, /at most 2/],
    [{ output: 'log', pattern: '(\\d)\\1' }, /backreferences/],
    [{ output: 'log', pattern: '(?=a)(\\d+)' }, /lookahead/],
    [{ output: 'log', pattern: '(' }, /not a valid regular expression/],
    [{ file: '../secret.json' }, /plain relative file name/],
    [{ file: '.damson-exit-1' }, /plain relative file name/],
    [{ file: 'p.json', output: 'log', pattern: 'x' }, /progress/],
    [{ output: 'log' }, /progress/],
  ])('refuses %j, naming the key', (progress, message) => {
    expect(() => serviceOf({ outputs, progress })).toThrow(message);
  });

  it('refuses the classic catastrophic patterns', () => {
    for (const pattern of ['(a|a)*b', '(a*)*b', '(\\w+\\s?)+$', '(.*a){12}', '([a-z]+)*$'])
      expect(checkPattern(pattern)).not.toBeNull();
    for (const pattern of ['(\\d+)% done', '^step (?<percent>[\\d.]+) ?(?<message>.*)$'])
      expect(checkPattern(pattern)).toBeNull();
  });
});

describe('reading progress from text', () => {
  it('takes the last matching line, its named or first group', () => {
    expect(progressFromLines('10% done\n20% done\nnoise\n', /(\d+)% done/)).toEqual({
      percent: 20,
      message: '',
    });
    expect(
      progressFromLines('step 3.5 aligning\n', /^step (?<percent>[\d.]+) (?<message>.*)$/),
    ).toEqual({ percent: 3.5, message: 'aligning' });
    expect(progressFromLines('70 of x: reading\n', /^(\d+) of x: (.*)$/)).toEqual({
      percent: 70,
      message: 'reading',
    });
  });

  it('clamps the percent, cleans the message and ignores what is not a number', () => {
    expect(progressFromLines('250% done', /(\d+)% done/)?.percent).toBe(100);
    expect(progressFromLines('x% done', /(\w+)% done/)).toBeNull();
    const message = progressFromLines(
      `5 \u001b[31mred\u0007 ${'m'.repeat(500)}`,
      /(\d+) (.*)/,
    )?.message;
    expect(message).not.toMatch(/\p{Cc}/u);
    expect(message?.length).toBeLessThanOrEqual(200);
  });

  it('runs the pattern only on the start of each of the last lines', () => {
    const long = `${'9'.repeat(300)}% done`;
    // The "% done" lies past the bounded line length, so the line does not match.
    expect(progressFromLines(long, /(\d+)% done/)).toBeNull();
    const old = `50% done\n${'noise\n'.repeat(40)}`;
    expect(progressFromLines(old, /(\d+)% done/)).toBeNull();
  });

  it('reads a JSON file {percent, message} and refuses anything else', () => {
    expect(progressFromJson('{"percent": 42, "message": "half way"}')).toEqual({
      percent: 42,
      message: 'half way',
    });
    for (const text of ['', '[]', '{"percent": "x"}', '{"message": "m"}', '{', 'null'])
      expect(progressFromJson(text)).toBeNull();
    expect(progressFromJson('{"__proto__": {"percent": 1}, "percent": 3}')?.percent).toBe(3);
  });
});
