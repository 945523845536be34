import type { CompiledCondition, ParamKind } from './condition/condition';

/** A service as loaded from its service file: everything the server and scheduler need. */
export interface Service {
  id: string;
  file: string;
  name: string;
  description: string;
  author: string;
  version: string;
  license: string;
  classifiers: string[];
  parameters: Parameter[];
  /** A string is split like a POSIX shell would; a list is used as written. */
  command: string | string[];
  args: ArgTemplate[];
  env: Record<string, string>;
  outputs: OutputSpec[];
  runners: RunnerSpec[];
  selector: string | null;
  tests: ServiceTest[];
}

export interface Parameter {
  id: string;
  name: string;
  description: string;
  kind: ParamKind;
  array: boolean;
  required: boolean;
  default: unknown;
  condition: CompiledCondition | null;
  min?: number;
  max?: number;
  minExclusive: boolean;
  maxExclusive: boolean;
  minLength?: number;
  maxLength?: number;
  /** choice key → command-line value (null drops the argument). */
  choices?: Record<string, string | null>;
  mediaType?: string;
  mediaTypeParameters?: Record<string, unknown>;
  extensions?: string[];
}

export interface ArgTemplate {
  id: string;
  /** The `arg` template as written; split and expanded per runner. */
  template: string;
  symlink: string | null;
  join: string | null;
  default: string | null;
}

export interface OutputSpec {
  id: string;
  path: string;
  name: string;
  mediaType: string;
}

export interface RunnerSpec {
  id: string;
  type: string;
  parameters: Record<string, unknown>;
  consts: Record<string, string>;
  env: Record<string, string>;
  selectorOptions: Record<string, unknown>;
}

export interface ServiceTest {
  applicableRunners: string[];
  parameters: Record<string, string | string[]>;
  timeoutSeconds: number;
  intervalSeconds: number;
}
