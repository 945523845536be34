import type { ConfigError } from '../errors';
import { loadPipelineDirectory, type PipelineTemplate } from './pipeline-template';
import type { Service } from './service';

/** How long a directory read serves requests before the files are read again. */
const FRESH_MS = 2000;

/**
 * The published templates, read again at most every FRESH_MS so an administrator's edit shows
 * without a restart and a burst of requests reads the files once. Broken files are left out
 * (`damson check` names their errors).
 */
export class PipelineTemplateCatalog {
  private loaded: PipelineTemplate[] = [];
  private errors: ConfigError[] = [];
  private readAt = -Infinity;

  constructor(
    readonly directory: string,
    private readonly services: (id: string) => Service | undefined,
    private readonly now: () => number = () => Date.now(),
  ) {}

  private refresh(): void {
    if (this.now() - this.readAt < FRESH_MS) return;
    const { templates, errors } = loadPipelineDirectory(this.directory, this.services);
    this.loaded = templates;
    this.errors = errors;
    this.readAt = this.now();
  }

  list(): PipelineTemplate[] {
    this.refresh();
    return this.loaded;
  }

  get(id: string): PipelineTemplate | undefined {
    return this.list().find((t) => t.id === id);
  }

  problems(): ConfigError[] {
    this.refresh();
    return this.errors;
  }
}
