import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  validateSubmission,
  type FileResolver,
  type Submission,
} from '../../src/services/form/form';
import type { Service } from '../../src/services/service';
import { serviceOf } from './service-definition';

// Form submissions for the form suites: fields as a client sends them, files as uploaded ids.

const dir = mkdtempSync(path.join(tmpdir(), 'damson-form-'));
const files: Record<string, string> = {};

/** An uploaded file of this id and content; returns the id. */
export function file(id: string, content: string): string {
  const at = path.join(dir, id);
  writeFileSync(at, content);
  files[id] = at;
  return id;
}
/** Where the upload of this id is (what the command sees instead of the id). */
export const uploadedPath = (id: string): string => files[id];

/** Resolves ids to files in a temporary directory; the store-backed resolver has its own test. */
const resolver: FileResolver = {
  resolve: async (ref) => (files[ref] ? { path: files[ref], id: ref } : null),
};

export const form = (parameters: Record<string, unknown>) => serviceOf({ parameters });

export const submit = (service: Service, fields: Record<string, string | string[]>) => {
  const submission: Submission = { fields: new Map(), files: new Map() };
  for (const [k, v] of Object.entries(fields)) submission.fields.set(k, Array.isArray(v) ? v : [v]);
  return validateSubmission(service, submission, resolver);
};

/** The errors of a submission that must fail, as [parameter, errorCode, message]. */
export async function errorOf(service: Service, fields: Record<string, string | string[]>) {
  const result = await submit(service, fields);
  if (result.ok) throw new Error(`expected an error, got ${JSON.stringify(result.values)}`);
  return result.errors.map((e) => [e.parameter, e.errorCode, e.message]);
}

/** The value of parameter `id` of a submission that must pass. */
export async function valueOf(
  service: Service,
  fields: Record<string, string | string[]>,
  id = 'x',
) {
  const result = await submit(service, fields);
  if (!result.ok) throw new Error(`unexpected errors ${JSON.stringify(result.errors)}`);
  return result.values[id];
}
