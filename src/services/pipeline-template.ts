import { readdirSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../errors';
import { MAX_PIPELINE_STEPS } from '../jobs';
import { YamlSource } from '../config/yaml-source';
import type { Service } from './service';

/** `<id>.pipeline.yaml`; the id is what the API and the portal name the template by. */
export const PIPELINE_FILE = /^([A-Za-z0-9][A-Za-z0-9_.-]{0,63})\.pipeline\.ya?ml$/;
const STEP_NAME = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
const MAX_TEXT = 2000;
/** A file with more than this many templates is refused as a whole (limits the catalogue). */
export const MAX_TEMPLATES = 200;

/** A fixed value as the pipeline JSON takes it: text, or an earlier step's output. */
export type TemplateValue = string | { from: string; output: string };

export interface TemplateStep {
  name: string;
  service: string;
  /** Values the administrator fixed, by parameter id; a user may not change them. */
  fixed: Map<string, TemplateValue[]>;
  /** Parameter ids the user supplies, typed by the step's service's parameter. */
  inputs: string[];
}

export interface PipelineTemplate {
  id: string;
  name: string;
  description: string;
  steps: TemplateStep[];
  file: string;
}

type Lookup = (serviceId: string) => Service | undefined;

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Reads one template file; every problem is a ConfigError naming the file, line and key. */
export function loadPipelineTemplate(file: string, services: Lookup): PipelineTemplate {
  const id = PIPELINE_FILE.exec(path.basename(file))?.[1];
  if (!id) throw new ConfigError(file, '', 'a template file is named <id>.pipeline.yaml');
  const source = YamlSource.read(file);
  const fail = (keyPath: (string | number)[], reason: string): never => {
    const at = source.positionOf(keyPath, true);
    throw new ConfigError(file, keyPath.join('/'), reason, at?.line, at?.col);
  };
  const doc = source.toJS();
  if (!isPlainObject(doc)) return fail([], 'a template is a mapping with name and steps');
  for (const key of Object.keys(doc))
    if (!['name', 'description', 'steps'].includes(key))
      fail([key], `unknown key '${key}' (expected name, description, steps)`);
  const text = (key: string, required: boolean): string => {
    const value = doc[key];
    if (value === undefined && !required) return '';
    if (typeof value !== 'string' || value.length === 0 || value.length > MAX_TEXT)
      return fail([key], `must be text of 1 to ${MAX_TEXT} characters`);
    return value;
  };
  const name = text('name', true);
  const description = text('description', false);
  const rawSteps = doc.steps;
  if (!Array.isArray(rawSteps) || rawSteps.length === 0 || rawSteps.length > MAX_PIPELINE_STEPS)
    fail(['steps'], `must be a list of 1 to ${MAX_PIPELINE_STEPS} steps`);
  const steps: TemplateStep[] = [];
  const earlier = new Map<string, Service>();
  (rawSteps as unknown[]).forEach((raw, index) => {
    const step = loadStep(raw, ['steps', index], earlier, services, fail);
    earlier.set(step.name, services(step.service) as Service);
    steps.push(step);
  });
  if (!steps.some((s) => s.inputs.length > 0))
    fail(['steps'], 'no step has inputs: a template needs at least one value from the user');
  return { id, name, description, steps, file };
}

function loadStep(
  raw: unknown,
  at: (string | number)[],
  earlier: ReadonlyMap<string, Service>,
  services: Lookup,
  fail: (keyPath: (string | number)[], reason: string) => never,
): TemplateStep {
  if (!isPlainObject(raw))
    return fail(at, 'a step is a mapping with name, service, parameters, inputs');
  for (const key of Object.keys(raw))
    if (!['name', 'service', 'parameters', 'inputs'].includes(key))
      fail([...at, key], `unknown key '${key}' (expected name, service, parameters, inputs)`);
  const { name, service: serviceId, parameters, inputs } = raw;
  if (typeof name !== 'string' || !STEP_NAME.test(name))
    fail([...at, 'name'], 'must be a letter then up to 63 letters, digits, - or _');
  const stepName = name as string;
  if (earlier.has(stepName)) fail([...at, 'name'], `another step is named '${stepName}'`);
  if (typeof serviceId !== 'string') return fail([...at, 'service'], 'must be a service id');
  const service = services(serviceId);
  if (!service) return fail([...at, 'service'], `there is no service '${serviceId}'`);
  const known = new Map(service.parameters.map((p) => [p.id, p]));
  if (parameters !== undefined && !isPlainObject(parameters))
    fail([...at, 'parameters'], 'must be a mapping of parameter ids to values');
  const fixed = new Map<string, TemplateValue[]>();
  for (const [id, value] of Object.entries((parameters ?? {}) as Record<string, unknown>)) {
    const where = [...at, 'parameters', id];
    const parameter = known.get(id);
    if (!parameter) fail(where, `service '${serviceId}' has no parameter '${id}'`);
    const items = (Array.isArray(value) ? value : [value]).map((item) =>
      fixedItem(item, where, stepName, earlier, fail),
    );
    const refs = items.filter((i) => typeof i !== 'string');
    if (refs.length && parameter?.kind !== 'file')
      fail(where, 'only a file parameter can take another step’s output');
    if (items.length > 1 && !parameter?.array) fail(where, 'the parameter takes one value');
    fixed.set(id, items);
  }
  if (inputs !== undefined && (!Array.isArray(inputs) || inputs.some((i) => typeof i !== 'string')))
    fail([...at, 'inputs'], 'must be a list of parameter ids');
  const supplied = (inputs ?? []) as string[];
  supplied.forEach((id, i) => {
    if (!known.has(id))
      fail([...at, 'inputs', i], `service '${serviceId}' has no parameter '${id}'`);
    if (fixed.has(id))
      fail([...at, 'inputs', i], `'${id}' is fixed in parameters; it cannot also be an input`);
    if (supplied.indexOf(id) !== i) fail([...at, 'inputs', i], `'${id}' is listed twice`);
  });
  for (const parameter of service.parameters) {
    const given = fixed.has(parameter.id) || supplied.includes(parameter.id);
    if (
      parameter.required &&
      !given &&
      (parameter.default === null || parameter.default === undefined)
    )
      fail(
        at,
        `required parameter '${parameter.id}' of '${serviceId}' is neither in parameters nor in inputs`,
      );
  }
  return { name: stepName, service: serviceId, fixed, inputs: supplied };
}

function fixedItem(
  item: unknown,
  where: (string | number)[],
  stepName: string,
  earlier: ReadonlyMap<string, Service>,
  fail: (keyPath: (string | number)[], reason: string) => never,
): TemplateValue {
  if (typeof item === 'string') return item;
  if (typeof item === 'number' && Number.isFinite(item)) return String(item);
  if (typeof item === 'boolean') return item ? 'true' : 'false';
  if (isPlainObject(item)) {
    const keys = Object.keys(item).sort().join(',');
    const { from, output } = item;
    if (keys !== 'from,output' || typeof from !== 'string' || typeof output !== 'string')
      return fail(where, 'a reference is {from: <earlier step>, output: <output id>}');
    const source = earlier.get(from);
    if (!source)
      return fail(
        where,
        `'${from}' is not an earlier step (steps read the outputs of earlier ones)`,
      );
    if (from === stepName) return fail(where, 'a step cannot read its own output');
    if (!source.outputs.some((o) => o.id === output))
      return fail(where, `service '${source.id}' of step '${from}' has no output '${output}'`);
    return { from, output };
  }
  return fail(where, 'a value is text, a number, a boolean, a list of those, or {from, output}');
}

/** The templates directory: `pipelines` next to the services directory. */
export function pipelinesDirectoryFor(servicesDirectory: string): string {
  return path.join(path.dirname(path.resolve(servicesDirectory)), 'pipelines');
}

export interface TemplateLoad {
  templates: PipelineTemplate[];
  errors: ConfigError[];
}

/**
 * Every `*.pipeline.yaml` of a directory in file-name order; bad files are reported, not fatal.
 * A missing directory is no templates (publishing none is the usual case).
 */
export function loadPipelineDirectory(directory: string, services: Lookup): TemplateLoad {
  let names: string[];
  try {
    names = readdirSync(directory)
      .filter((n) => PIPELINE_FILE.test(n))
      .sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { templates: [], errors: [] };
    const reason = `cannot read the pipelines directory (${(error as Error).message})`;
    return { templates: [], errors: [new ConfigError(directory, '', reason)] };
  }
  const templates: PipelineTemplate[] = [];
  const errors: ConfigError[] = [];
  for (const name of names) {
    const file = path.join(directory, name);
    if (templates.length >= MAX_TEMPLATES) {
      errors.push(
        new ConfigError(file, '', `more than ${MAX_TEMPLATES} templates; this one is ignored`),
      );
      continue;
    }
    if (templates.some((t) => t.id === PIPELINE_FILE.exec(name)?.[1])) {
      errors.push(new ConfigError(file, '', 'another file defines a template with this id'));
      continue;
    }
    try {
      templates.push(loadPipelineTemplate(file, services));
    } catch (error) {
      if (error instanceof ConfigError) errors.push(error);
      else errors.push(new ConfigError(file, '', (error as Error).message));
    }
  }
  return { templates, errors };
}
