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
    return {
      services: [],
      errors: [
        new ConfigError(
          directory,
          '',
          `cannot read the services directory (${(error as Error).message})`,
        ),
      ],
    };
  }
  const services: Service[] = [];
  const errors: ConfigError[] = [];
  for (const name of names) {
    try {
      services.push(loadService(path.join(directory, name)));
    } catch (error) {
      if (error instanceof ConfigError) errors.push(error);
      else errors.push(new ConfigError(path.join(directory, name), '', (error as Error).message));
    }
  }
  return { services, errors };
}

/** The current services by id. Reloading keeps the last good version of a file that broke. */
export class ServiceCatalog {
  private byId = new Map<string, Service>();

  constructor(readonly directory: string) {}

  reload(): ConfigError[] {
    const { services, errors } = loadServiceDirectory(this.directory);
    const next = new Map(services.map((s) => [s.id, s]));
    for (const error of errors) {
      const id = SERVICE_FILE.exec(path.basename(error.file))?.[1];
      const previous = id ? this.byId.get(id) : undefined;
      if (id && previous) next.set(id, previous);
    }
    this.byId = new Map([...next.entries()].sort(([a], [b]) => a.localeCompare(b)));
    return errors;
  }

  get(id: string): Service | undefined {
    return this.byId.get(id);
  }

  list(): Service[] {
    return [...this.byId.values()];
  }
}
