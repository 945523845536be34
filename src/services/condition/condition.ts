import type { Node } from './ast';
import { evaluate, truthy } from './evaluator';
import { parse } from './parser';
import { checkTypes, paramStaticType, type StaticType } from './type-checker';
import { ConditionError, type ConditionValue, type ParamTypeInfo } from './types';

export { ConditionError };
export type { ConditionValue, ParamKind, ParamTypeInfo } from './types';

/** The name that refers to the parameter owning the condition; it shadows a parameter so named. */
const SELF = 'self';

export interface CompiledCondition {
  source: string;
  /** Distinct identifiers in order of first use, as written (so `self` appears as `self`). */
  identifiers: string[];
  /**
   * Never throws. `values` holds the validated value of every parameter (missing or undefined
   * means unset); `self` is the owning parameter's value.
   */
  evaluate(
    values: Record<string, ConditionValue | undefined>,
    self: ConditionValue | undefined,
  ): boolean;
}

/**
 * Parses and checks at load time. Throws ConditionError for syntax errors, unknown identifiers
 * (message names it and lists nothing else), and type errors that can be determined statically
 * (e.g. `#` applied to a number, arithmetic on a flag, comparing a text with `<` to a number).
 * `params` maps every parameter id to its type; `selfId` is the id of the parameter owning the
 * condition (so `self` has its type).
 *
 * Grammar quirk kept from slivka: a number literal may start with `-`, and it is matched before
 * the `-` operator, so `a -3` is two operands and rejected ("multiple expressions"); write `a - 3`.
 */
export function compileCondition(
  source: string,
  params: Record<string, ParamTypeInfo>,
  selfId: string,
): CompiledCondition {
  if (!Object.hasOwn(params, selfId)) {
    // A caller bug rather than a mistake in the service file, hence not a ConditionError.
    throw new Error(`compileCondition: parameter '${selfId}' is not among the parameters`);
  }
  const ast = parse(source);
  const identifiers = collectIdentifiers(ast);
  const env = new Map<string, StaticType>();
  for (const { name, column } of identifiers) {
    if (name === SELF) {
      env.set(name, paramStaticType(params[selfId]));
    } else if (Object.hasOwn(params, name)) {
      env.set(name, paramStaticType(params[name]));
    } else {
      throw new ConditionError(`unknown identifier '${name}' (column ${column})`, column);
    }
  }
  checkTypes(ast, env);

  return {
    source,
    identifiers: identifiers.map((id) => id.name),
    evaluate(values, self) {
      const lookup = (name: string): ConditionValue => {
        if (name === SELF) return self ?? null;
        return Object.hasOwn(values, name) ? (values[name] ?? null) : null;
      };
      return truthy(evaluate(ast, lookup));
    },
  };
}

/** In source order, because the first unknown name is the one the author should see first. */
function collectIdentifiers(root: Node): { name: string; column: number }[] {
  const seen = new Map<string, number>();
  const visit = (node: Node): void => {
    if (node.type === 'identifier') {
      if (!seen.has(node.name)) seen.set(node.name, node.column);
    } else if (node.type === 'unary') {
      visit(node.operand);
    } else if (node.type === 'binary') {
      visit(node.left);
      visit(node.right);
    }
  };
  visit(root);
  return [...seen].map(([name, column]) => ({ name, column }));
}
