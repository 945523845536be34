import type { BinaryOp, Node } from './ast';
import type { ConditionValue } from './types';

type Ordering = '<' | '>' | '<=' | '>=';

/*
 * Python semantics where they are total, and a defined answer where Python would raise (slivka
 * turned those into HTTP 500): arithmetic that cannot be done yields null, and an ordering between
 * null or mismatched values is false. Nothing in here throws.
 */

export function evaluate(node: Node, lookup: (name: string) => ConditionValue): ConditionValue {
  switch (node.type) {
    case 'number':
    case 'string':
      return node.value;
    case 'null':
      return null;
    case 'identifier':
      return lookup(node.name);
    case 'unary': {
      const operand = evaluate(node.operand, lookup);
      if (node.op === 'not') return !truthy(operand);
      if (node.op === '-') return typeof operand === 'number' ? -operand : null;
      return length(operand);
    }
    case 'binary':
      return binary(node.op, evaluate(node.left, lookup), evaluate(node.right, lookup));
  }
}

/** Python's bool(): 0, '', [] and None are false; NaN and files are true. */
export function truthy(value: ConditionValue): boolean {
  if (value === null) return false;
  if (typeof value === 'number') return value !== 0;
  if (typeof value === 'string' || Array.isArray(value)) return value.length > 0;
  return value !== false;
}

function length(value: ConditionValue): ConditionValue {
  if (value === null) return 0;
  // Python's len() counts code points, not UTF-16 units.
  if (typeof value === 'string') return [...value].length;
  if (Array.isArray(value)) return value.length;
  return null;
}

function binary(op: BinaryOp, a: ConditionValue, b: ConditionValue): ConditionValue {
  switch (op) {
    case 'and':
      return truthy(a) && truthy(b);
    case 'or':
      return truthy(a) || truthy(b);
    case 'xor':
      return truthy(a) !== truthy(b);
    case '==':
      return equals(a, b);
    case '!=':
      return !equals(a, b);
    case '<':
    case '>':
    case '<=':
    case '>=':
      return compare(op, a, b);
    default:
      return arithmetic(op, a, b);
  }
}

function equals(a: ConditionValue, b: ConditionValue): boolean {
  if (a === null || b === null) return a === b;
  // Python's bool is an int: True == 1.
  if (typeof a === 'boolean' && typeof b === 'number') return Number(a) === b;
  if (typeof a === 'number' && typeof b === 'boolean') return a === Number(b);
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => equals(item, b[i]));
  }
  // Files compare by identity, as slivka's file proxies did.
  return a === b;
}

function compare(op: Ordering, a: ConditionValue, b: ConditionValue): boolean {
  if (typeof a === 'number' && typeof b === 'number') return ordered(op, a, b);
  if (typeof a === 'string' && typeof b === 'string') return ordered(op, a, b);
  return false;
}

function ordered<T extends number | string>(op: Ordering, a: T, b: T): boolean {
  switch (op) {
    case '<':
      return a < b;
    case '>':
      return a > b;
    case '<=':
      return a <= b;
    case '>=':
      return a >= b;
  }
}

function arithmetic(
  op: '+' | '-' | '*' | '/',
  a: ConditionValue,
  b: ConditionValue,
): ConditionValue {
  if (op === '+' && typeof a === 'string' && typeof b === 'string') return a + b;
  if (typeof a !== 'number' || typeof b !== 'number') return null;
  switch (op) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
      return b === 0 ? null : a / b;
  }
}
