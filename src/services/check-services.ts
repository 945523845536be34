import { loadPipelineDirectory, pipelinesDirectoryFor } from './pipeline-template';
import { loadServiceDirectory } from './service-catalog';

export interface CheckReport {
  /** One line per problem: `error: file:line:column: at 'key/path': reason` (or `warning: …`). */
  problems: string[];
  summary: string;
  ok: boolean;
}

const oneLine = (text: string): string => text.replace(/\s*\n\s*/g, ' ');

/**
 * What `damson check` prints for a services directory and the pipeline templates next to it.
 * Warnings do not fail the check.
 */
export function checkServices(
  directory: string,
  pipelinesDirectory = pipelinesDirectoryFor(directory),
): CheckReport {
  const { services, errors: serviceErrors } = loadServiceDirectory(directory);
  const byId = new Map(services.map((s) => [s.id, s]));
  const pipelines = loadPipelineDirectory(pipelinesDirectory, (id) => byId.get(id));
  const errors = [...serviceErrors, ...pipelines.errors];
  const warnings = services.flatMap((s) => s.warnings);
  const problems = [
    ...errors.map((e) => `error: ${oneLine(e.message)}`),
    ...warnings.map((w) => `warning: ${oneLine(w.message)}`),
  ];
  const total = services.length + serviceErrors.length;
  const summary =
    `${total} service file${total === 1 ? '' : 's'} in ${directory}: ${services.length} loaded, ` +
    `${serviceErrors.length} with errors, ${warnings.length} warning${warnings.length === 1 ? '' : 's'}; ` +
    `${pipelines.templates.length} pipeline template${pipelines.templates.length === 1 ? '' : 's'} loaded, ` +
    `${pipelines.errors.length} with errors`;
  return { problems, summary, ok: errors.length === 0 };
}
