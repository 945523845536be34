import { stat } from 'node:fs/promises';
import path from 'node:path';
import { isWellFormedId } from '../jobs';
import type { FileResolver, ResolvedFile } from '../services/form/form';
import type { JobRecords, UploadRecords } from '../store/job-store';
import { confinedFile, isAgentRecord } from './job-outputs';

/**
 * File ids in submissions: an upload id, or `jobId/path` naming another job's output, which must
 * stay inside that job's directory (no `..`, no absolute paths, no symlink escapes) and is never
 * one of the agents' own records (`.damson-exit-N`, `.damson/...`), which are not outputs.
 */
export class StoreFileResolver implements FileResolver {
  constructor(
    private readonly store: JobRecords & UploadRecords,
    private readonly jobsDirectory: string,
    /** With private jobs, the submitter: only its own jobs' outputs resolve (others' are unknown). */
    private readonly reader?: { owner: string | null },
  ) {}

  async resolve(ref: string): Promise<ResolvedFile | null> {
    const slash = ref.indexOf('/');
    if (slash < 0) {
      if (!isWellFormedId(ref)) return null;
      const upload = await this.store.getUpload(ref);
      if (!upload) return null;
      const exists = await stat(upload.path).then(
        (s) => s.isFile(),
        () => false,
      );
      return exists ? { path: upload.path, id: upload.id } : null;
    }
    const jobId = ref.slice(0, slash);
    const relative = ref.slice(slash + 1);
    if (!isWellFormedId(jobId) || relative.split('/').some(isAgentRecord)) return null;
    const job = await this.store.getJob(jobId);
    if (!job) return null;
    if (this.reader && (job.owner === null || job.owner !== this.reader.owner)) return null;
    const real = await confinedFile(path.join(this.jobsDirectory, job.workDir), relative);
    return real ? { path: real, id: ref } : null;
  }
}
