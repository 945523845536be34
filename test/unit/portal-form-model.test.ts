import path from 'node:path';
import { FormModel, constraintText, type RawValues } from '../../public/src/form-model';
import type { ParameterResource } from '../../public/src/api';
import { parameterResource } from '../../src/http/resources';
import { validateSubmission, type FileResolver } from '../../src/services/form/form';
import { loadService } from '../../src/services/load-service';
import type { Service } from '../../src/services/service';

const REPO = path.resolve(__dirname, '../..');
const words = loadService(path.join(REPO, 'services/words.service.yaml'));
const conditions = loadService(
  path.join(REPO, 'test/fixtures/portal-services/conditions.service.yaml'),
);

const complete = loadService(
  path.join(REPO, 'test/fixtures/services/complete/all-parameters.service.yaml'),
);

// The submissions below give no file, so the server never asks for one., so the server never asks for a file.
const noFiles: FileResolver = {
  resolve: () => Promise.reject(new Error('no file parameter in these services')),
};

/** As the browser receives it: through JSON. */
const wire = (p: Service['parameters'][number]): ParameterResource =>
  JSON.parse(JSON.stringify(parameterResource(p)));

function modelOf(service: Service): FormModel {
  return new FormModel(service.parameters.map((p) => wire(p)));
}

function texts(values: Record<string, string[]>): RawValues {
  const raw: RawValues = {};
  for (const [id, list] of Object.entries(values))
    raw[id] = list.map((text) => ({ kind: 'text', text }));
  return raw;
}

/** What the browser sends: every enabled field's non-empty values. */
function sent(values: Record<string, string[]>, disabled: Set<string>): Record<string, string[]> {
  return Object.fromEntries(Object.entries(values).filter(([id]) => !disabled.has(id)));
}

async function serverErrors(service: Service, fields: Record<string, string[]>) {
  const submission = { fields: new Map(Object.entries(fields)), files: new Map() };
  const result = await validateSubmission(service, submission, noFiles);
  return result.ok ? [] : result.errors;
}

/** A small deterministic generator, so a failure names a reproducible case. */
function* cases(pools: Record<string, string[][]>, count: number) {
  let seed = 12345;
  const next = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  for (let i = 0; i < count; i++) {
    const values: Record<string, string[]> = {};
    for (const [id, pool] of Object.entries(pools)) {
      const pick = pool[next(pool.length)];
      if (pick.length) values[id] = pick;
    }
    yield values;
  }
}

describe('the portal form model agrees with the server', () => {
  it.each([
    ['words', words],
    ['conditions', conditions],
    ['all-parameters', complete],
  ])('gives the same errors as the server for many %s submissions', async (_name, service) => {
    const pools: Record<string, Record<string, string[][]>> = {
      words: {
        words: [[], ['a'], ['a', 'b'], ['x'.repeat(101)], ['ok', '']],
        repeat: [[], ['1'], ['5'], ['6'], ['0'], ['2.5'], ['abc'], ['1e3']],
        case: [[], ['upper'], ['lower'], ['unchanged'], ['UPPER']],
        numbered: [[], ['true'], ['false'], ['yes']],
        separator: [[], [': '], ['toolong'], ['-']],
      },
      'all-parameters': {
        count: [[], ['1'], ['10'], ['11'], ['6'], ['x']],
        copies: [[], ['0'], ['-3'], ['1.0']],
        ratio: [[], ['0'], ['0.5'], ['1'], ['1.01'], ['inf']],
        weight: [[], ['2'], ['-1e-3'], ['abc']],
        title: [[], ['t'], ['a title'], ['x'.repeat(41)]],
        label: [[], ['-x'], ['ok'], ['far too long for the title']],
        verbose: [[], ['true'], ['no']],
        quiet: [[], ['yes'], ['off']],
        method: [[], ['fast'], ['auto'], ['slow']],
        words: [[], ['a'], ['a', 'b'], ['x'.repeat(11)]],
        numbers: [[], ['1'], ['1', '2', '3', '4', '5'], ['-1'], ['1', 'x']],
        scales: [[], ['0.5'], ['1e400'], ['.5', '2']],
        modes: [[], ['a'], ['a', 'b'], ['c']],
        switches: [[], ['true'], ['true', 'false'], ['x', '']],
      },
      conditions: {
        mode: [[], ['fast'], ['thorough'], ['slow']],
        iterations: [[], ['1'], ['10'], ['11'], ['x']],
        threshold: [[], ['0'], ['0.0001'], ['1'], ['1.5'], ['nan'], ['.5']],
        label: [[], ['a'], ['bad'], ['good'], ['waytoolong']],
        tags: [[], ['a'], ['a', 'b', 'c'], ['a', 'b', 'c', 'd']],
        verbose: [[], ['on'], ['off']],
        level: [[], ['3'], ['z']],
      },
    };
    const model = modelOf(service);
    let agreed = 0;
    for (const values of cases(pools[service.id], 300)) {
      const client = model.evaluate(texts(values));
      const server = await serverErrors(service, sent(values, client.disabled));
      const summary = (list: { parameter: string; errorCode: string; message: string }[]) =>
        list.map((e) => `${e.parameter}:${e.errorCode}:${e.message}`).sort();
      expect({ values, errors: summary(client.errors) }).toEqual({
        values,
        errors: summary(server),
      });
      agreed++;
    }
    expect(agreed).toBe(300);
  });

  it('disables a field while its condition is false and enables it when it becomes true', () => {
    const model = modelOf(words);
    expect(model.evaluate(texts({ words: ['a'] })).disabled.has('separator')).toBe(true);
    expect(
      model.evaluate(texts({ words: ['a'], numbered: ['true'] })).disabled.has('separator'),
    ).toBe(false);
  });

  it('never disables a field whose condition reads its own value; reports it instead', () => {
    const model = modelOf(conditions);
    const state = model.evaluate(texts({ label: ['bad'] }));
    expect(state.disabled.has('label')).toBe(false);
    expect(state.errors).toEqual([
      { parameter: 'label', errorCode: 'condition', message: 'Additional condition not met' },
    ]);
  });

  it('follows chains: a field switched off counts as unset for the others', () => {
    const model = modelOf(conditions);
    // level needs verbose and no iterations; iterations needs thorough mode.
    const fast = model.evaluate(texts({ verbose: ['on'], iterations: ['3'] }));
    expect([...fast.disabled].sort()).toEqual(['iterations']);
    const thorough = model.evaluate(
      texts({ mode: ['thorough'], verbose: ['on'], iterations: ['3'] }),
    );
    expect([...thorough.disabled].sort()).toEqual(['level']);
  });

  it('treats a chosen file or a file id as a given value', () => {
    const model = new FormModel([
      {
        type: 'file',
        id: 'input',
        name: 'Input',
        description: '',
        required: true,
        array: false,
        default: null,
      },
    ]);
    expect(model.evaluate({}).errors).toEqual([
      { parameter: 'input', errorCode: 'required', message: 'Field is required' },
    ]);
    expect(model.evaluate({ input: [{ kind: 'upload', name: 'a.txt' }] }).errors).toEqual([]);
    expect(model.evaluate({ input: [{ kind: 'ref', id: 'abc/stdout' }] }).errors).toEqual([]);
  });

  it('describes bounds, lengths, defaults and conditions in words', () => {
    const resources = conditions.parameters.map((p) => wire(p));
    const byId = Object.fromEntries(resources.map((r) => [r.id, constraintText(r)]));
    expect(byId.threshold).toEqual(['A number, greater than 0 and at most 1.', 'Default: 0.5.']);
    expect(byId.label).toEqual(['2 to 8 characters.', 'Applies when: self != "bad"']);
    expect(byId.tags).toContain('Several values may be given.');
  });
});
