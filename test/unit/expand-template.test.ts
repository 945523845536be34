import fc from 'fast-check';
import path from 'node:path';
import { expandTemplate } from '../../src/http/expand-template';
import { loadPipelineDirectory } from '../../src/services/pipeline-template';
import { loadServiceDirectory } from '../../src/services/service-catalog';

const FIXTURES = path.join(__dirname, '../fixtures');
const { services } = loadServiceDirectory(path.join(FIXTURES, 'pipeline-services'));
const [template] = loadPipelineDirectory(path.join(FIXTURES, 'pipeline-templates/good'), (id) =>
  services.find((s) => s.id === id),
).templates;

type Steps = { name: string; service: string; parameters: Record<string, unknown> }[];

test('the fixed values and the user’s inputs make the pipeline body', () => {
  const out = expandTemplate(template, { values: { first: { label: 'a' }, second: { sleep: 1 } } });
  expect(out).toEqual({
    ok: true,
    body: {
      steps: [
        { name: 'first', service: 'step', parameters: { label: 'a' } },
        {
          name: 'second',
          service: 'step',
          parameters: { sleep: 1, label: ['second'], single: [{ from: 'first', output: 'out' }] },
        },
      ],
    },
  });
});

test('any body: never throws; accepted only with input values, fixed values untouched', () => {
  const key = fc.constantFrom('first', 'second', 'label', 'sleep', 'single', 'fail', '__proto__');
  const body = fc.oneof(
    fc.jsonValue(),
    fc.record({ values: fc.dictionary(key, fc.dictionary(key, fc.jsonValue())) }),
  );
  fc.assert(
    fc.property(body, (b) => {
      const out = expandTemplate(template, b);
      if (!out.ok) {
        expect(out.errors.length).toBeGreaterThan(0);
        return;
      }
      const steps = out.body.steps as Steps;
      expect(steps.map((s) => s.name)).toEqual(['first', 'second']);
      expect(Object.keys(steps[0].parameters).every((k) => k === 'label')).toBe(true);
      expect(steps[1].parameters.label).toEqual(['second']);
      expect(steps[1].parameters.single).toEqual([{ from: 'first', output: 'out' }]);
      for (const s of steps)
        for (const v of Object.values(s.parameters).flat())
          if (typeof v === 'object' && v !== null) expect(s.name).toBe('second');
    }),
    { numRuns: 300 },
  );
});
