import { validateSubmission, type Submission } from '../../src/services/form/form';
import { jobInputs } from '../../src/services/form/job-inputs';
import type { Service } from '../../src/services/service';
import { loadServiceText } from '../helpers/service-definition';

const noFiles = { resolve: () => Promise.resolve(null) };

function service(parameters: string[]): Service {
  return loadServiceText(
    [
      'slivka-version: "0.8.3"',
      'name: T',
      'parameters:',
      ...parameters.map((p) => `  ${p}`),
      'command: t',
      'args: {}',
      'outputs: {}',
      'execution: {runners: {default: {type: ShellRunner}}}',
      '',
    ].join('\n'),
  );
}

async function inputsOf(s: Service, fields: Record<string, string> = {}) {
  const submission: Submission = { fields: new Map(), files: new Map() };
  for (const [k, v] of Object.entries(fields)) submission.fields.set(k, [v]);
  const result = await validateSubmission(s, submission, noFiles);
  if (!result.ok) throw new Error(JSON.stringify(result.errors));
  return jobInputs(s, result.values, result.defaulted);
}

describe("a default reaches the command as slivka passes it: Python's str() of the YAML value", () => {
  const s = service([
    'd: {type: decimal, name: D, default: 10}',
    'e: {type: decimal, name: E, default: 2.50}',
    'f: {type: decimal, name: F, default: 0x1F}',
    'g: {type: "decimal[]", name: G, default: [1, 1.5, 1:30]}',
    'i: {type: integer, name: I, default: 010}',
    't: {type: text, name: T, default: 1.0}',
  ]);

  test('an integer written for a decimal stays an integer; floats are Python floats', async () => {
    const { inputs, parameters } = await inputsOf(s);
    expect(inputs).toEqual({
      d: '10',
      e: '2.5',
      f: '31',
      g: ['1', '1.5', '90'],
      i: '8',
      t: '1.0',
    });
    expect(parameters).toEqual(inputs);
  });

  test('a submitted value is converted as before: decimal 10 is 10.0', async () => {
    const { inputs } = await inputsOf(s, { d: '10', t: 'x' });
    expect([inputs.d, inputs.t]).toEqual(['10.0', 'x']);
  });
});
