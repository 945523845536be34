import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { loadService, serviceFromDefinition } from '../../src/services/load-service';
import type { Service } from '../../src/services/service';
import { plainLocator } from '../../src/services/service-locator';

/** The smallest valid service definition; tests override what they exercise. */
export function minimalDefinition(
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    'slivka-version': '0.8.3',
    name: 'Test service',
    parameters: {},
    command: 'example',
    args: {},
    outputs: {},
    execution: { runners: { default: { type: 'ShellRunner' } } },
    ...overrides,
  };
}

/** A Service from a definition object, as if loaded from `<id>.service.yaml`. */
export function serviceOf(overrides: Record<string, unknown> = {}, id = 'test'): Service {
  return serviceFromDefinition(
    id,
    minimalDefinition(overrides),
    plainLocator(`/nowhere/${id}.service.yaml`),
  );
}

/** Writes YAML text to a fresh directory as `<id>.service.yaml` and loads it like the server does. */
export function loadServiceText(text: string, id = 'test', directory?: string): Service {
  const dir = directory ?? mkdtempSync(path.join(tmpdir(), 'damson-service-'));
  const file = path.join(dir, `${id}.service.yaml`);
  writeFileSync(file, text);
  return loadService(file);
}
