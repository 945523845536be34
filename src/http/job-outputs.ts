import { globToRegExp, walkFiles } from '../services/output-files';
import type { OutputSpec } from '../services/service';
import type { OutputFile } from './resources';

export { confinedFile, globToRegExp, isAgentRecord } from '../services/output-files';

export async function listOutputs(workDir: string, outputs: OutputSpec[]): Promise<OutputFile[]> {
  const files = await walkFiles(workDir);
  const matchers = outputs.map((o) => ({ spec: o, re: globToRegExp(o.path) }));
  const result: OutputFile[] = [];
  for (const { spec, re } of matchers) {
    for (const file of files) {
      if (re.test(file)) result.push({ path: file, label: spec.name, mediaType: spec.mediaType });
    }
  }
  return result;
}
