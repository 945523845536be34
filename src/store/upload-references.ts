import { FINISHED_STATES, JOB_STATES, type JobInputs } from '../jobs';

/** States of jobs that may still read their input files: every state but the finished ones. */
export const UNFINISHED_STATES = JOB_STATES.filter((state) => !FINISHED_STATES.has(state));

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
