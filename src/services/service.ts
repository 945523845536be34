import type { ConfigError } from '../errors';
import type { CachePolicy } from './cache-policy';
import type { CompiledCondition, ParamKind } from './condition/condition';

/**
 * How a runner is picked for a job. `default`: the runner named `default` (else the first).
 * `rules`: the first rule whose condition holds over the job's values names the runner.
 * `module`: a JavaScript function `(inputs, context) => runnerId | null`.
 */
export type SelectorSpec =
  | { kind: 'default' }
  | { kind: 'rules'; rules: SelectorRule[]; fallback: string | null }
  | { kind: 'module'; modulePath: string; exportName: string };

export interface SelectorRule {
  condition: CompiledCondition;
  runner: string;
}

/** A service as loaded from its service file: everything the server and scheduler need. */
export interface Service {
  id: string;
  file: string;
  /** A digest of the definition: jobs record it and run with the definition they were submitted with. */
  revision: string;
  /** The file's content after `!include`s, as JSON: enough to rebuild this Service later. */
  definition: Record<string, unknown>;
  /** Things that load but probably are mistakes (slivka accepted them silently). */
  warnings: ConfigError[];
  /** Files read through `!include`; a change to one reloads the service too. */
  includes: string[];
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
  selector: SelectorSpec;
  /** Scheduling policy from `execution` (Damson extensions); null: the settings' defaults. */
  scheduling: SchedulingPolicy;
  /** Damson's result cache; absent or null: never cached. */
  cache?: CachePolicy | null;
  tests: ServiceTest[];
  /** Damson extension: where a running job's progress comes from; null: it reports none. */
  progress: ProgressSpec | null;
}

export interface Parameter {
  id: string;
  name: string;
  description: string;
  kind: ParamKind;
  array: boolean;
  required: boolean;
  default: unknown;
  /**
   * The default as slivka passes it to the command: Python's `str()` of the YAML value, which
   * keeps an integer written for a decimal (`default: 10` gives `10`, not `10.0`). Set when it
   * differs from the value's usual command form.
   */
  defaultCommand?: string | string[];
  condition: CompiledCondition | null;
  min?: number;
  max?: number;
  minExclusive: boolean;
  maxExclusive: boolean;
  minLength?: number;
  maxLength?: number;
  /** Damson's addition for text: the whole value must match (slivka had no pattern). */
  pattern?: string;
  /**
   * Damson's addition for text: a value may begin with `-` where it starts a command-line word
   * (refused otherwise, since the tool would read it as an option).
   */
  allowLeadingDash?: boolean;
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

export interface SchedulingPolicy {
  /** Wall-clock limit of one run, in seconds. */
  timeoutSeconds: number | null;
  /** Attempts that may be retried after being lost to infrastructure (capped by settings). */
  retries: number | null;
  /** Share of slots when services compete (default 1). */
  weight: number;
}

/**
 * Where a job's progress comes from (the service file's Damson key `progress`): the last line of
 * a text output that matches `pattern`, or a small JSON file `{percent, message}` the tool writes.
 */
export type ProgressSpec =
  | { kind: 'pattern'; output: string; file: string; pattern: RegExp }
  | { kind: 'json'; file: string };
