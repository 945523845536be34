import path from 'node:path';
import { readdirSync } from 'node:fs';
import { loadPipelineDirectory, pipelinesDirectoryFor } from '../../src/services/pipeline-template';
import { loadServiceDirectory } from '../../src/services/service-catalog';

const FIXTURES = path.join(__dirname, '../fixtures');
const { services } = loadServiceDirectory(path.join(FIXTURES, 'pipeline-services'));
const lookup = (id: string) => services.find((s) => s.id === id);

test('a good template: steps, fixed values, references and inputs', () => {
  const { templates, errors } = loadPipelineDirectory(
    path.join(FIXTURES, 'pipeline-templates/good'),
    lookup,
  );
  expect(errors).toEqual([]);
  expect(templates).toHaveLength(1);
  const [t] = templates;
  expect([t.id, t.name]).toEqual(['two-steps', 'Label then collect']);
  expect(t.steps.map((s) => [s.name, s.service, s.inputs])).toEqual([
    ['first', 'step', ['label']],
    ['second', 'step', ['sleep']],
  ]);
  expect(Object.fromEntries(t.steps[1].fixed)).toEqual({
    label: ['second'],
    single: [{ from: 'first', output: 'out' }],
  });
});

const expected: Record<string, [string, RegExp]> = {
  'bad-yaml': ['', /invalid YAML/],
  'fixed-and-input': ['steps/0/inputs/0', /fixed in parameters/],
  'later-step': ['steps/0/parameters/single', /'b' is not an earlier step/],
  'one-value': ['steps/1/parameters/single', /takes one value/],
  'required-missing': ['steps/0', /required parameter 'label'/],
  'unknown-input': ['steps/0/inputs/1', /no parameter 'nosuch'/],
  'unknown-key': ['steps/0/colour', /unknown key 'colour'/],
  'unknown-output': ['steps/1/parameters/single', /has no output 'nosuch'/],
  'unknown-service': ['steps/0/service', /no service 'nosuch'/],
};

test('each broken template: one error naming its file, line and key', () => {
  const dir = path.join(FIXTURES, 'pipeline-templates/broken');
  const { templates, errors } = loadPipelineDirectory(dir, lookup);
  expect(templates).toEqual([]);
  const files = readdirSync(dir).sort();
  expect(errors.map((e) => path.basename(e.file))).toEqual(files);
  for (const error of errors) {
    const id = path.basename(error.file).replace('.pipeline.yaml', '');
    const [key, reason] = expected[id];
    expect([id, error.key]).toEqual([id, key]);
    expect(error.reason).toMatch(reason);
    expect(error.line).toBeGreaterThan(0);
  }
});

test('a missing directory is no templates; the directory sits next to services', () => {
  expect(loadPipelineDirectory('/nonexistent/pipelines', lookup)).toEqual({
    templates: [],
    errors: [],
  });
  expect(pipelinesDirectoryFor('/srv/project/services')).toBe('/srv/project/pipelines');
});
