import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { YamlSource } from '../../src/config/yaml-source';
import { ConfigError } from '../../src/errors';
import { buildCommand } from '../../src/services/command/build-command';
import { validateSubmission, type Submission } from '../../src/services/form/form';
import { jobInputs } from '../../src/services/form/job-inputs';
import { includeTag } from '../../src/services/include-tag';
import { loadService } from '../../src/services/load-service';
import type { Parameter, Service } from '../../src/services/service';
import { REPO_ROOT } from '../helpers/damson-home';

/**
 * Differential test against slivka 0.8.5b7 itself (installed by scripts/slivka.sh): for a corpus
 * of service files written for this, slivka (test/differential/slivka_oracle.py, slivka's own
 * loader, forms and Runner.build_args) and Damson must agree on the parsed document, on
 * accepting or refusing the file, on the verdict and error codes of generated submissions, and
 * on the argv of the accepted ones. A difference must be one of the deliberate improvements
 * listed in docs/service-files.md ("Deliberate differences from slivka"); any other fails.
 */
const CORPUS = path.join(REPO_ROOT, 'test/fixtures/slivka-differential');
const ORACLE = path.join(__dirname, 'slivka_oracle.py');
const cacheRoot = process.env.DAMSON_CACHE || path.join(homedir(), '.cache', 'damson');
const PYTHON = path.join(cacheRoot, 'slivka-0.8.5b7', 'venv', 'bin', 'python');
const SUBMISSIONS_PER_SERVICE = 40;

const inCi = process.env.CI === 'true' || process.env.CI === '1';
const installed = spawnSync(PYTHON, ['-c', 'import slivka'], { stdio: 'ignore' }).status === 0;
if (!installed && !inCi) {
  console.log(
    'SKIPPED slivka differential test: run scripts/slivka.sh install (CI always runs it).',
  );
}
const suite = installed || inCi ? describe : describe.skip;

type Pairs = [string, string][];
interface SlivkaForm {
  valid: boolean;
  errors: Record<string, string | null>;
  argv: string[] | null;
  crash: string | null;
}
interface SlivkaFile {
  document: unknown;
  accepted: boolean;
  error: string | null;
  forms: SlivkaForm[];
}

/** JSON as the oracle writes it: NaN, infinities and dates tagged. */
function tagged(value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) {
    return { $float: Number.isNaN(value) ? 'nan' : value > 0 ? 'inf' : '-inf' };
  }
  if (value instanceof Date) return { $date: value.toISOString().slice(0, 10) };
  if (Array.isArray(value)) return value.map(tagged);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, tagged(v)]));
  }
  return value;
}

const SAFE_TEXT = fc.stringMatching(/^[A-Za-z0-9 _.,:/]{0,10}$/);

/** Raw form values for one parameter: valid, invalid and odd ones, as a client could send. */
function valueFor(p: Parameter): fc.Arbitrary<string> {
  switch (p.kind) {
    case 'integer':
      return fc.oneof(
        fc.integer({ min: -8, max: 20 }).map(String),
        fc.constantFrom(' 7 ', '1.5', 'abc', '0x1F', '1e3', '+3', '007', '1_0', '', '-0'),
      );
    case 'decimal':
      return fc.oneof(
        fc.integer({ min: -40, max: 200 }).map((n) => String(n / 4)),
        fc.constantFrom('.5', '1e3', '2.', ' 4.0 ', 'abc', '3', '0', '90', '-1e-5', 'nan', 'inf'),
      );
    case 'flag':
      return fc.constantFrom('true', 'false', 'yes', 'no', '0', '1', 'off', 'null', 'x', 'N', '');
    case 'choice':
      return fc.constantFrom(...Object.keys(p.choices ?? {}), 'A', 'other', '');
    default:
      return SAFE_TEXT;
  }
}

function submissionsFor(service: Service, seed: number): Pairs[] {
  // File values need slivka's MongoDB to resolve; file parameters are left unset.
  const perParameter = service.parameters.map((p) =>
    p.kind === 'file'
      ? fc.constant([] as Pairs)
      : fc.oneof(
          { weight: 2, arbitrary: fc.constant([] as Pairs) },
          {
            weight: 5,
            arbitrary: fc
              .array(valueFor(p), { minLength: 1, maxLength: p.array ? 3 : 1 })
              .map((values) => values.map((v): [string, string] => [p.id, v])),
          },
        ),
  );
  return fc.sample(
    fc.tuple(...perParameter).map((lists) => lists.flat()),
    { numRuns: SUBMISSIONS_PER_SERVICE, seed },
  );
}

interface DamsonForm {
  valid: boolean;
  errors: Record<string, string>;
  argv: string[] | null;
}

async function damsonForm(service: Service, pairs: Pairs): Promise<DamsonForm> {
  const submission: Submission = { fields: new Map(), files: new Map() };
  for (const [k, v] of pairs) submission.fields.set(k, [...(submission.fields.get(k) ?? []), v]);
  const result = await validateSubmission(service, submission, {
    resolve: () => Promise.resolve(null),
  });
  if (!result.ok) {
    const errors: Record<string, string> = {};
    for (const e of result.errors) errors[e.parameter] = e.errorCode;
    return { valid: false, errors, argv: null };
  }
  const { inputs } = jobInputs(service, result.values, result.defaulted);
  const runner = service.runners.find((r) => r.id === 'default') ?? service.runners[0];
  const host = { processEnv: { PATH: process.env.PATH }, home: REPO_ROOT };
  return { valid: true, errors: {}, argv: buildCommand(service, runner, inputs, host).argv };
}

/**
 * Why a difference is deliberate, or undefined when it is not explained. Each reason is one of
 * the rows of "Deliberate differences from slivka" in docs/service-files.md.
 */
function formExplanation(pairs: Pairs, slivka: SlivkaForm, damson: DamsonForm): string | undefined {
  if (slivka.crash) return 'conditions slivka crashes on are answered';
  const values = pairs.map(([, v]) => v.trim().toLowerCase());
  const damsonCodes = Object.values(damson.errors);
  if (values.some((v) => /^[+-]?(nan|inf|infinity)$/.test(v)) && damsonCodes.includes('invalid'))
    return 'nan and inf are not numbers';
  if (damsonCodes.includes('leading_dash')) return 'values that would be read as options';
  const chosenOddKey = pairs.some(
    ([k, v]) => slivka.errors[k] === 'invalid' && /^(True|False|None|\d+(\.\d+)?)$/.test(v),
  );
  if (chosenOddKey) return 'choice keys YAML reads as booleans or numbers can be chosen';
  const emptyInArray = Object.entries(slivka.errors).some(
    ([id, code]) =>
      code === 'required' &&
      damson.errors[id] === undefined &&
      pairs.some(([k, v]) => k === id && v === '') &&
      pairs.some(([k, v]) => k === id && v !== ''),
  );
  if (emptyInArray) return 'empty values in an array are dropped, even when it is required';
  return undefined;
}

function fileExplanation(slivka: SlivkaFile, damson: { error: string | null }): string | undefined {
  if (!slivka.accepted) return undefined;
  if (/expected true or false/.test(damson.error ?? '')) return 'booleans must be booleans';
  if (/expected a finite number/.test(damson.error ?? '')) return 'bounds must be numbers';
  return undefined;
}

interface Tally {
  compared: number;
  differing: number;
  explained: Map<string, number>;
  unexplained: string[];
}
const tally = (): Tally => ({ compared: 0, differing: 0, explained: new Map(), unexplained: [] });

suite('slivka 0.8.5b7 and Damson agree on service files and submissions', () => {
  const files = readdirSync(CORPUS)
    .filter((f) => f.endsWith('.service.yaml'))
    .sort();
  const categories = {
    document: tally(),
    accept: tally(),
    form: tally(),
    argv: tally(),
  };

  test('every case agrees, or differs as documented', async () => {
    const damsonSide = files.map((name, i) => {
      const file = path.join(CORPUS, name);
      let document: unknown = null;
      let service: Service | null = null;
      let error: string | null = null;
      try {
        document = tagged(YamlSource.read(file, [includeTag(file)]).toJS());
      } catch (e) {
        error = (e as Error).message;
      }
      try {
        service = loadService(file);
      } catch (e) {
        if (!(e instanceof ConfigError)) throw e;
        error = e.message;
      }
      const submissions = service ? submissionsFor(service, 1000 + i) : [];
      return { name, file, document, service, error, submissions };
    });
    const request = {
      files: damsonSide.map((d) => ({
        path: d.file,
        id: d.name.replace(/\.service\.yaml$/, ''),
        submissions: d.submissions,
      })),
    };
    const run = spawnSync(PYTHON, [ORACLE], {
      input: JSON.stringify(request),
      encoding: 'utf8',
      timeout: 30_000,
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', SLIVKA_HOME: REPO_ROOT },
    });
    if (run.status !== 0) throw new Error(`the slivka oracle failed:\n${run.stderr}`);
    const answers = (JSON.parse(run.stdout) as { files: SlivkaFile[] }).files;

    const note = (t: Tally, same: boolean, why: string | undefined, what: string): void => {
      t.compared++;
      if (same) return;
      t.differing++;
      if (why) t.explained.set(why, (t.explained.get(why) ?? 0) + 1);
      else t.unexplained.push(what);
    };
    for (const [i, d] of damsonSide.entries()) {
      const s = answers[i];
      if (s.document !== null || d.document !== null) {
        note(
          categories.document,
          JSON.stringify(s.document) === JSON.stringify(d.document) ||
            ((s.document === null) === (d.document === null) &&
              JSON.stringify(sortKeys(s.document)) === JSON.stringify(sortKeys(d.document))),
          undefined,
          `${d.name}: slivka ${JSON.stringify(s.document)}\n  damson ${JSON.stringify(d.document)}`,
        );
      }
      const accepted = d.service !== null;
      note(
        categories.accept,
        s.accepted === accepted,
        fileExplanation(s, d),
        `${d.name}: slivka ${s.accepted ? 'accepts' : `refuses (${s.error})`}, damson ${accepted ? 'accepts' : `refuses (${d.error})`}`,
      );
      if (!d.service || !s.accepted) continue;
      for (const [j, pairs] of d.submissions.entries()) {
        const sf = s.forms[j];
        const df = await damsonForm(d.service, pairs);
        const sameVerdict =
          !sf.crash &&
          sf.valid === df.valid &&
          JSON.stringify(sortKeys(sf.errors)) === JSON.stringify(sortKeys(df.errors));
        note(
          categories.form,
          sameVerdict,
          formExplanation(pairs, sf, df),
          `${d.name} ${JSON.stringify(pairs)}: slivka ${JSON.stringify(sf)}, damson ${JSON.stringify(df)}`,
        );
        if (sf.valid && df.valid) {
          note(
            categories.argv,
            JSON.stringify(sf.argv) === JSON.stringify(df.argv),
            undefined,
            `${d.name} ${JSON.stringify(pairs)}: slivka ${JSON.stringify(sf.argv)}, damson ${JSON.stringify(df.argv)}`,
          );
        }
      }
    }
    const report = Object.entries(categories).map(([name, t]) => {
      const explained = [...t.explained].map(([why, n]) => `${n} ${why}`).join('; ');
      return `${name}: ${t.compared} compared, ${t.differing} differing (${t.unexplained.length} unexplained${explained ? `; explained: ${explained}` : ''})`;
    });
    console.log(`slivka differential test\n${report.join('\n')}`);
    const unexplained = Object.entries(categories).flatMap(([name, t]) =>
      t.unexplained.map((u) => `[${name}] ${u}`),
    );
    expect(unexplained).toEqual([]);
    // The corpus exercises every category.
    for (const t of Object.values(categories)) expect(t.compared).toBeGreaterThan(0);
  }, 60_000);
});

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}
