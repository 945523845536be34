import type { Job } from '../jobs';
import type { ServiceRecordStore } from '../store/job-store';
import { restoreService } from './load-service';
import type { Service } from './service';
import type { ServiceCatalog } from './service-catalog';

/**
 * Jobs run with the definition they were submitted with: the server records each revision it
 * accepts jobs for, and the scheduler finds it again even after the file changed or a restart.
 */
export class ServiceRevisions {
  private readonly saved = new Set<string>();
  /** Definitions read back from the store; few, since old revisions only serve queued jobs. */
  private readonly restored = new Map<string, Service>();

  constructor(
    private readonly store: ServiceRecordStore,
    private readonly catalog: ServiceCatalog,
  ) {}

  /** Called before a job referring to `service.revision` is inserted. */
  async remember(service: Service): Promise<string> {
    const key = `${service.id}@${service.revision}`;
    if (!this.saved.has(key)) {
      await this.store.saveServiceRevision({
        service: service.id,
        revision: service.revision,
        file: service.file,
        definition: JSON.stringify(service.definition),
      });
      this.saved.add(key);
    }
    return service.revision;
  }

  /** The definition of a job's service as submitted; undefined when nothing is known of it. */
  async forJob(job: Pick<Job, 'service' | 'serviceRevision'>): Promise<Service | undefined> {
    const current = this.catalog.get(job.service);
    if (!job.serviceRevision || current?.revision === job.serviceRevision) return current;
    const known = this.catalog.getRevision(job.service, job.serviceRevision);
    if (known) return known;
    const key = `${job.service}@${job.serviceRevision}`;
    const cached = this.restored.get(key);
    if (cached) return cached;
    const stored = await this.store.getServiceRevision(job.service, job.serviceRevision);
    if (!stored) return current;
    const service = restoreService(job.service, stored.file, JSON.parse(stored.definition));
    this.restored.set(key, service);
    return service;
  }
}
