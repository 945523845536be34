import { loadServiceDirectory } from './service-catalog';

export interface CheckReport {
  /** One line per problem: `error: file:line:column: at 'key/path': reason` (or `warning: …`). */
  problems: string[];
  summary: string;
  ok: boolean;
}

const oneLine = (text: string): string => text.replace(/\s*\n\s*/g, ' ');

/** What `damson check` prints for a services directory. Warnings do not fail the check. */
export function checkServices(directory: string): CheckReport {
  const { services, errors } = loadServiceDirectory(directory);
  const warnings = services.flatMap((s) => s.warnings);
  const problems = [
    ...errors.map((e) => `error: ${oneLine(e.message)}`),
    ...warnings.map((w) => `warning: ${oneLine(w.message)}`),
  ];
  const total = services.length + errors.length;
  const summary =
    `${total} service file${total === 1 ? '' : 's'} in ${directory}: ${services.length} loaded, ` +
    `${errors.length} with errors, ${warnings.length} warning${warnings.length === 1 ? '' : 's'}`;
  return { problems, summary, ok: errors.length === 0 };
}
