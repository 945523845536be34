import { readFile, stat } from 'node:fs/promises';
import { attemptFiles } from './job-script';

export interface JobRecords {
  /** The tool was started (the script got past its set-up). */
  started: boolean;
  /** When the start record was written (the tool's start, by the file's clock). */
  startedAtMs: number | null;
  /** The tool's exit status, or null when it has not ended (or the script was killed first). */
  exitCode: number | null;
}

async function readText(file: string): Promise<string | null> {
  try {
    return await readFile(file, 'utf8');
  } catch {
    return null;
  }
}

/** What the job script wrote about one attempt: the job's own word on how it ran. */
export async function readJobRecords(cwd: string, fencingToken: number): Promise<JobRecords> {
  const files = attemptFiles(cwd, fencingToken);
  const [started, exit] = await Promise.all([
    stat(files.started).catch(() => null),
    readText(files.exit),
  ]);
  const code = exit?.trim() ?? '';
  return {
    started: started !== null || exit !== null,
    startedAtMs: started?.mtimeMs ?? null,
    exitCode: /^\d+$/.test(code) ? Number(code) : null,
  };
}
