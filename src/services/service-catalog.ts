import { readdirSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../errors';
import { loadService, SERVICE_FILE } from './load-service';
import type { Service } from './service';

export interface CatalogLoad {
  services: Service[];
  errors: ConfigError[];
}

/** Loads every `*.service.yaml` of a directory, in file-name order; bad files are reported, not fatal. */
export function loadServiceDirectory(directory: string): CatalogLoad {
  let names: string[];
  try {
    names = readdirSync(directory)
      .filter((name) => SERVICE_FILE.test(name))
      .sort();
  } catch (error) {
    const reason = `cannot read the services directory (${(error as Error).message})`;
    return { services: [], errors: [new ConfigError(directory, '', reason)] };
  }
  const services: Service[] = [];
  const errors: ConfigError[] = [];
  const seen = new Map<string, string>();
  for (const name of names) {
    const file = path.join(directory, name);
    const id = SERVICE_FILE.exec(name)?.[1] as string;
    const twin = seen.get(id);
    if (twin) {
      errors.push(new ConfigError(file, '', `service id '${id}' is already defined by ${twin}`));
      continue;
    }
    seen.set(id, name);
    try {
      services.push(loadService(file));
    } catch (error) {
      if (error instanceof ConfigError) errors.push(error);
      else errors.push(new ConfigError(file, '', (error as Error).message));
    }
  }
  return { services, errors };
}

export interface FileProblem {
  error: ConfigError;
  /** When this error was first seen. */
  since: Date;
}

export function serviceIdOf(file: string): string | undefined {
  return SERVICE_FILE.exec(path.basename(file))?.[1];
}

/**
 * The current services by id. Reloading keeps the last good version of a file that broke and
 * remembers the error, which the service's status shows until the file is fixed.
 */
export class ServiceCatalog {
  private byId = new Map<string, Service>();
  private problems = new Map<string, FileProblem>();
  private readonly byRevision = new Map<string, Service>();
  /** The directory itself could not be read at the last reload. */
  private directoryProblem = false;

  constructor(readonly directory: string) {}

  reload(): ConfigError[] {
    const { services, errors } = loadServiceDirectory(this.directory);
    const next = new Map(services.map((s) => [s.id, s]));
    const problems = new Map<string, FileProblem>();
    this.directoryProblem = false;
    for (const error of errors) {
      const id = serviceIdOf(error.file);
      if (error.file === this.directory) this.directoryProblem = true;
      if (!id) continue;
      const before = this.problems.get(id);
      const since = before?.error.message === error.message ? before.since : new Date();
      problems.set(id, { error, since });
      const previous = this.byId.get(id);
      if (previous && !next.has(id)) next.set(id, previous);
    }
    for (const service of services)
      this.byRevision.set(`${service.id}@${service.revision}`, service);
    this.byId = new Map([...next.entries()].sort(([a], [b]) => a.localeCompare(b)));
    this.problems = problems;
    return errors;
  }

  get(id: string): Service | undefined {
    return this.byId.get(id);
  }

  /** A revision this process has loaded, current or not. */
  getRevision(id: string, revision: string): Service | undefined {
    return this.byRevision.get(`${id}@${revision}`);
  }

  /** The error of the service's file when its last edit did not load (the old version serves). */
  problem(id: string): FileProblem | undefined {
    return this.problems.get(id);
  }

  /**
   * What keeps services from being offered (readiness): an unreadable directory, and the files
   * that failed with no earlier version serving in their place.
   */
  loadFailures(): string[] {
    // No message or path: this is shown to whoever asks /readyz; the log has the details.
    const failures = this.directoryProblem ? ['the services directory cannot be read'] : [];
    for (const id of this.problems.keys())
      if (!this.byId.has(id)) failures.push(`service '${id}' failed to load`);
    return failures;
  }

  list(): Service[] {
    return [...this.byId.values()];
  }
}
