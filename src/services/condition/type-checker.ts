import type { BinaryOp, Node } from './ast';
import { ConditionError, type ParamTypeInfo } from './types';

type ElementType = 'number' | 'string' | 'boolean' | 'file';

/**
 * What an expression yields when it is not null. Every parameter may be unset, so null is always
 * possible at run time; 'null' here means the `null` literal (or arithmetic on it) only.
 */
export type StaticType = ElementType | `${ElementType}[]` | 'null';

const KIND_TO_TYPE: Readonly<Record<ParamTypeInfo['kind'], ElementType>> = {
  integer: 'number',
  decimal: 'number',
  text: 'string',
  choice: 'string',
  flag: 'boolean',
  file: 'file',
};

export function paramStaticType(info: ParamTypeInfo): StaticType {
  const element = KIND_TO_TYPE[info.kind];
  return info.array ? `${element}[]` : element;
}

/**
 * Rejects what would always be wrong whatever the user submits: Python would raise on it (slivka
 * answered HTTP 500) or it can never be meaningful. `==` and `!=` stay permissive because Python
 * accepts any pair there, and existing service files may rely on it.
 */
export function checkTypes(node: Node, env: ReadonlyMap<string, StaticType>): StaticType {
  switch (node.type) {
    case 'number':
    case 'string':
      return node.type;
    case 'null':
      return 'null';
    case 'identifier':
      return env.get(node.name) ?? 'null';
    case 'unary': {
      const operand = checkTypes(node.operand, env);
      if (node.op === 'not') return 'boolean';
      if (node.op === '-') {
        if (!isNumeric(operand)) fail(node, `'-' needs a number, but got ${describe(operand)}`);
        return 'number';
      }
      if (operand !== 'string' && operand !== 'null' && !operand.endsWith('[]')) {
        fail(node, `'#' needs a text or an array, but got ${describe(operand)}`);
      }
      return 'number';
    }
    case 'binary':
      return checkBinary(node.op, checkTypes(node.left, env), checkTypes(node.right, env), node);
  }
}

function checkBinary(op: BinaryOp, left: StaticType, right: StaticType, node: Node): StaticType {
  const pair = `${describe(left)} and ${describe(right)}`;
  switch (op) {
    case 'and':
    case 'or':
    case 'xor':
      return 'boolean';
    case '==':
    case '!=':
      if ((isFile(left) && right !== 'null') || (isFile(right) && left !== 'null')) {
        fail(node, `'${op}' can only compare a file with null, but got ${pair}`);
      }
      return 'boolean';
    case '<':
    case '>':
    case '<=':
    case '>=':
      if (!(isNumeric(left) && isNumeric(right)) && !(isText(left) && isText(right))) {
        fail(node, `'${op}' needs two numbers or two texts, but got ${pair}`);
      }
      return 'boolean';
    case '+':
      if (left === 'null' && right === 'null') return 'null';
      if (isNumeric(left) && isNumeric(right)) return 'number';
      if (isText(left) && isText(right)) return 'string';
      return fail(node, `'+' needs two numbers or two texts, but got ${pair}`);
    case '-':
    case '*':
    case '/':
      if (!isNumeric(left) || !isNumeric(right)) {
        fail(node, `'${op}' needs two numbers, but got ${pair}`);
      }
      return 'number';
  }
}

const isNumeric = (t: StaticType): boolean => t === 'number' || t === 'null';
const isText = (t: StaticType): boolean => t === 'string' || t === 'null';
const isFile = (t: StaticType): boolean => t === 'file' || t === 'file[]';

const NAMES: Readonly<Record<ElementType, readonly [string, string]>> = {
  number: ['a number', 'numbers'],
  string: ['a text', 'texts'],
  boolean: ['a flag or boolean', 'flags'],
  file: ['a file', 'files'],
};

function describe(t: StaticType): string {
  if (t === 'null') return 'null';
  if (t.endsWith('[]')) return `an array of ${NAMES[t.slice(0, -2) as ElementType][1]}`;
  return NAMES[t as ElementType][0];
}

function fail(node: Node, message: string): never {
  throw new ConditionError(`type error: ${message} (column ${node.column})`, node.column);
}
