import type { JobInputs } from '../jobs';

/**
 * Every value of a job's command inputs. A file input is the absolute path of its upload, so an
 * upload whose path is among them is in use; other values only ever keep an upload longer.
 */
export function inputValues(inputs: JobInputs): string[] {
  const values: string[] = [];
  for (const value of Object.values(inputs)) {
    if (typeof value === 'string') values.push(value);
    else if (Array.isArray(value)) for (const item of value) values.push(item);
  }
  return values;
}
