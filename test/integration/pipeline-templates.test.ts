import { symlinkSync } from 'node:fs';
import path from 'node:path';
import { ApiClient } from '../helpers/api-client';
import { makeDamsonHome, REPO_ROOT, type DamsonHome } from '../helpers/damson-home';
import { startDamson, type RunningDamson } from '../helpers/damson-process';

jest.setTimeout(90_000);

const SERVICES = path.join(REPO_ROOT, 'test/fixtures/pipeline-services');
const TEMPLATES = path.join(REPO_ROOT, 'test/fixtures/pipeline-templates/good');

interface PipelineBody {
  '@url': string;
  id: string;
  status: string;
  finished: boolean;
  steps: { name: string; job: { id: string }; status: string | null }[];
}
interface ErrorBody {
  errors: { step: string | null; parameter: string | null; errorCode: string }[];
}

let home: DamsonHome;
let damson: RunningDamson;
let api: ApiClient;

beforeAll(async () => {
  home = await makeDamsonHome(
    { 'scheduler.poll-interval': 200 } as unknown as Record<string, string>,
    SERVICES,
  );
  // Published next to the services, as an administrator would.
  symlinkSync(TEMPLATES, path.join(home.home, 'pipelines'));
  damson = await startDamson(home);
  api = new ApiClient(home.baseUrl);
});

afterAll(async () => {
  await damson?.stop();
});

const post = (id: string, body: unknown) =>
  api.json<PipelineBody & ErrorBody>(`/api/pipeline-templates/${id}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });

test('the list and one template describe each input with its service parameter', async () => {
  const { status, body } = await api.json<{ templates: Record<string, unknown>[] }>(
    '/api/pipeline-templates',
  );
  expect(status).toBe(200);
  expect(body.templates).toHaveLength(1);
  const one = await api.json<Record<string, unknown>>('/api/pipeline-templates/two-steps');
  expect(one.body).toEqual(body.templates[0]);
  expect(one.body).toMatchObject({
    '@url': expect.stringMatching(/\/api\/pipeline-templates\/two-steps$/),
    id: 'two-steps',
    name: 'Label then collect',
    steps: [
      { name: 'first', service: 'step' },
      { name: 'second', service: 'step' },
    ],
    inputs: [
      { step: 'first', parameter: { id: 'label', type: 'text', required: true, maxLength: 100 } },
      { step: 'second', parameter: { id: 'sleep', type: 'decimal', required: false } },
    ],
  });
});

test('a submission expands to a pipeline that runs to the end with the user’s value', async () => {
  const res = await post('two-steps', { values: { first: { label: 'hello' } } });
  expect(res.status).toBe(202);
  expect(res.headers.get('location')).toBe(res.body['@url']);
  let pipeline: PipelineBody = res.body;
  const deadline = Date.now() + 60_000;
  while (!pipeline.finished && Date.now() < deadline) {
    const next = await api.json<PipelineBody>(
      `/api/pipelines/${pipeline.id}?wait=5&status=${pipeline.status}`,
    );
    pipeline = next.body;
  }
  expect(pipeline.status).toBe('COMPLETED');
  const second = pipeline.steps.find((s) => s.name === 'second');
  const files = await api.files(second?.job.id as string);
  const out = files.find((f) => f.label === 'out');
  expect(await api.bytes(out?.['@content'] as string)).toBe('second\nhello\n');
});

test.each([
  [
    'a fixed value',
    { values: { second: { label: 'mine' } } },
    'second',
    'label',
    'fixed_parameter',
  ],
  ['an unknown step', { values: { third: { label: 'x' } } }, 'third', null, 'unknown_step'],
  [
    'a parameter not an input',
    { values: { first: { fail: true } } },
    'first',
    'fail',
    'not_an_input',
  ],
  [
    'a reference from the user',
    { values: { first: { label: 'x' }, second: { sleep: { from: 'first', output: 'out' } } } },
    'second',
    'sleep',
    'invalid_value',
  ],
  [
    'a prototype key',
    JSON.parse('{"values": {"__proto__": {"label": "x"}}}'),
    '__proto__',
    null,
    'unknown_step',
  ],
  [
    'a value the service refuses',
    { values: { first: { label: 'x'.repeat(101) } } },
    'first',
    'label',
    null,
  ],
  ['no value for a required input', { values: {} }, 'first', 'label', null],
  ['values not an object', { values: [1] }, null, null, 'invalid'],
])('%s: 422 naming the step and parameter', async (_, body, step, parameter, code) => {
  const res = await post('two-steps', body);
  expect(res.status).toBe(422);
  expect(res.body.errors[0]).toMatchObject({ step, parameter });
  if (code) expect(res.body.errors[0].errorCode).toBe(code);
});

test('an unknown template is 404; a body that is not JSON is 400; neither leaks a path', async () => {
  for (const id of ['nosuch', '..%2F..%2Fetc', 'x'.repeat(300)]) {
    const res = await post(id, { values: {} });
    expect(res.status).toBe(404);
    expect(JSON.stringify(res.body)).not.toContain(home.home);
  }
  const bad = await post('two-steps', '{not json');
  expect(bad.status).toBe(400);
});
