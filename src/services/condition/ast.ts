export type UnaryOp = '-' | 'not' | '#';

export type BinaryOp =
  'or' | 'xor' | 'and' | '==' | '!=' | '<' | '>' | '<=' | '>=' | '+' | '-' | '*' | '/';

/** `column` is 1-based; for operators it points at the operator, so errors can name it. */
export type Node =
  | { type: 'number'; value: number; column: number }
  | { type: 'string'; value: string; column: number }
  | { type: 'null'; column: number }
  | { type: 'identifier'; name: string; column: number }
  | { type: 'unary'; op: UnaryOp; operand: Node; column: number }
  | { type: 'binary'; op: BinaryOp; left: Node; right: Node; column: number };
