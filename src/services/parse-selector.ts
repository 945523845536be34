import { existsSync } from 'node:fs';
import path from 'node:path';
import type { ConfigError } from '../errors';
import { compileCondition, ConditionError, type ParamTypeInfo } from './condition/condition';
import type { SelectorSpec } from './service';
import { commentHint, type ServiceLocator } from './service-locator';

type Raw = Record<string, unknown>;

const MODULE_PATH = /(^\.{0,2}\/)|\.(c|m)?js$/;
const PYTHON_PATH = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$/;
const EXTENSIONS = ['.js', '.cjs', '.mjs'];
/** Stands for the selector in compileCondition, which wants an owner for `self`. */
const NO_OWNER = '\u0000selector';

function moduleSpec(
  locator: ServiceLocator,
  keyPath: string[],
  modulePath: string,
  exportName: string,
): SelectorSpec {
  const resolved = path.resolve(path.dirname(locator.file), modulePath);
  if (!existsSync(resolved)) {
    throw locator.error(
      keyPath,
      `selector module '${modulePath}' not found (looked for ${resolved})`,
      true,
    );
  }
  return { kind: 'module', modulePath: resolved, exportName };
}

/**
 * slivka names a Python function (`scripts.selectors.example_selector`). Damson runs the same
 * name from a JavaScript file at the same place (`scripts/selectors.js` beside or above the
 * services directory) when there is one; otherwise the default selector, with a warning.
 */
function pythonSelector(
  locator: ServiceLocator,
  dotted: string,
  warnings: ConfigError[],
): SelectorSpec {
  const parts = dotted.split('.');
  const exportName = parts.pop() as string;
  const servicesDir = path.dirname(locator.file);
  for (const base of [path.dirname(servicesDir), servicesDir]) {
    for (const extension of EXTENSIONS) {
      const candidate = path.join(base, ...parts) + extension;
      if (existsSync(candidate)) return { kind: 'module', modulePath: candidate, exportName };
    }
  }
  warnings.push(
    locator.error(
      ['execution', 'selector'],
      `the Python selector '${dotted}' cannot run in Damson (it is Python code) and no ` +
        `${parts.join('/')}.js was found; the default selector is used (the runner named ` +
        "'default', else the first). Instead, write it as rules (selector: {rules: [{when: " +
        `<condition>, runner: <id>}], default: <id>}) or as a JavaScript function exported as ` +
        `'${exportName}' from ${parts.join('/')}.js`,
      true,
    ),
  );
  return { kind: 'default' };
}

function ruleSelector(
  locator: ServiceLocator,
  raw: Raw,
  runnerIds: Set<string>,
  types: Record<string, ParamTypeInfo>,
): SelectorSpec {
  const known = [...runnerIds].join(', ');
  const rules = ((raw.rules as Raw[] | undefined) ?? []).map((rule, i) => {
    const keyPath = ['execution', 'selector', 'rules', String(i)];
    const runner = String(rule.runner);
    if (!runnerIds.has(runner)) {
      throw locator.error(
        [...keyPath, 'runner'],
        `unknown runner '${runner}'; expected one of: ${known}`,
        true,
      );
    }
    try {
      const condition = compileCondition(
        String(rule.when),
        { ...types, [NO_OWNER]: { kind: 'text', array: false } },
        NO_OWNER,
      );
      return { condition, runner };
    } catch (error) {
      if (!(error instanceof ConditionError)) throw error;
      const reason = `invalid condition: ${error.message}${commentHint(locator, [...keyPath, 'when'])}`;
      if (error.column === undefined) throw locator.error([...keyPath, 'when'], reason, true);
      throw locator.errorInValue([...keyPath, 'when'], reason, error.column - 1);
    }
  });
  const fallback = raw.default === undefined ? undefined : (raw.default as string | null);
  if (fallback !== undefined && fallback !== null && !runnerIds.has(fallback)) {
    throw locator.error(
      ['execution', 'selector', 'default'],
      `unknown runner '${fallback}'; expected one of: ${known}`,
      true,
    );
  }
  return {
    kind: 'rules',
    rules,
    fallback: fallback === undefined ? defaultRunner(runnerIds) : fallback,
  };
}

function defaultRunner(runnerIds: Set<string>): string | null {
  return runnerIds.has('default') ? 'default' : ([...runnerIds][0] ?? null);
}

/** `execution.selector`: absent, a module path, a Python path, or a mapping of rules or a module. */
export function parseSelector(
  locator: ServiceLocator,
  raw: unknown,
  runnerIds: Set<string>,
  types: Record<string, ParamTypeInfo>,
  warnings: ConfigError[],
): SelectorSpec {
  const keyPath = ['execution', 'selector'];
  if (raw === undefined || raw === null) return { kind: 'default' };
  if (typeof raw === 'string') {
    if (MODULE_PATH.test(raw)) return moduleSpec(locator, keyPath, raw, 'default');
    if (PYTHON_PATH.test(raw)) return pythonSelector(locator, raw, warnings);
    throw locator.error(
      keyPath,
      `expected a module path such as ./select.js, a mapping {rules, default}, or a dotted Python name; got '${raw}'`,
      true,
    );
  }
  const spec = raw as Raw;
  if (spec.module !== undefined) {
    if (spec.rules !== undefined) {
      throw locator.error(
        [...keyPath, 'module'],
        "a selector has either 'module' or 'rules', not both",
      );
    }
    return moduleSpec(
      locator,
      [...keyPath, 'module'],
      String(spec.module),
      String(spec.function ?? 'default'),
    );
  }
  if (spec.function !== undefined)
    throw locator.error([...keyPath, 'function'], "'function' needs 'module'");
  return ruleSelector(locator, spec, runnerIds, types);
}
