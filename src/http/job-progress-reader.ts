import type { Settings } from '../config/settings';
import type { ServiceCatalog } from '../services/service-catalog';
import { ProgressReader } from './job-progress';

/** The app's ProgressReader: a job's progress key is its service's, as the catalog has it now. */
export function progressReader(settings: Settings, catalog: ServiceCatalog): ProgressReader {
  return new ProgressReader(
    settings.directories.jobs,
    (job) => catalog.get(job.service)?.progress ?? null,
    settings.api.progressIntervalMs,
  );
}
