import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { loadSettings } from '../config/load-settings';
import { selectRunner } from '../services/selectors/select-runner';
import { dryRunCommand } from '../services/command/dry-run-command';
import { emptySubmission, type Submission } from '../services/form/form';
import type { Service } from '../services/service';
import { ServiceCatalog } from '../services/service-catalog';

/** Most pairs one command line may give; a service has far fewer parameters. */
const MAX_PAIRS = 1000;

function submissionOf(service: Service, pairs: string[]): Submission | string {
  if (pairs.length > MAX_PAIRS) return `at most ${MAX_PAIRS} key=value pairs`;
  const submission = emptySubmission();
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at < 1) return `'${pair}' is not key=value`;
    const [key, value] = [pair.slice(0, at), pair.slice(at + 1)];
    const parameter = service.parameters.find((p) => p.id === key);
    if (parameter?.kind === 'file') {
      // A file parameter takes a local file, as an upload would bring it.
      const file = path.resolve(value);
      if (!existsSync(file) || !statSync(file).isFile()) return `${key}: no file ${file}`;
      const list = submission.files.get(key) ?? [];
      list.push({ tempPath: file, size: statSync(file).size });
      submission.files.set(key, list);
    } else {
      submission.fields.set(key, [...(submission.fields.get(key) ?? []), value]);
    }
  }
  return submission;
}

/**
 * `damson check --argv SERVICE key=value ...`: validates the values as a submission would be and
 * prints (JSON, on stdout) the argv, environment and input links the job would get, built as the
 * scheduler builds them. For administrators: paths and environment values are shown in full.
 * Returns the exit status: 0, or 1 with one `error:` line per problem.
 */
export async function checkArgv(serviceId: string, pairs: string[]): Promise<number> {
  const out = (line: string): boolean => process.stdout.write(`${line}\n`);
  const settings = loadSettings();
  const catalog = new ServiceCatalog(settings.directories.services);
  for (const error of catalog.reload()) out(`warning: ${error.message.replace(/\s*\n\s*/g, ' ')}`);
  const service = catalog.get(serviceId);
  if (!service) {
    out(`error: no service '${serviceId}' in ${settings.directories.services}`);
    return 1;
  }
  const submission = submissionOf(service, pairs);
  if (typeof submission === 'string') {
    out(`error: ${submission}`);
    return 1;
  }
  // Upload ids and job outputs live in the store, which this offline check does not open.
  const resolver = { resolve: async () => null };
  const host = { processEnv: { ...process.env }, home: settings.home };
  const outcome = await dryRunCommand(service, submission, resolver, host, selectRunner);
  if (!outcome.ok) {
    for (const e of outcome.errors) out(`error: ${e.parameter}: ${e.message} (${e.errorCode})`);
    return 1;
  }
  const { parameters, runner, rejection, argv, env, links, files } = outcome;
  const shown = { service: service.id, runner, rejection, argv, env, links, files, parameters };
  out(JSON.stringify(shown, null, 2));
  return 0;
}
