import { ScimError, type ScimErrorType } from './scim-error.js';

/**
 * SCIM filters (RFC 7644 section 3.4.2.2) to an AST. Precedence: `not` binds tighter than
 * `and`, which binds tighter than `or`; parentheses group. Operators, logical words and
 * `true`/`false`/`null` are case-insensitive.
 */

export interface AttributePath {
  /** The schema URI prefix, when given (`urn:ietf:params:scim:schemas:core:2.0:User:userName`). */
  readonly uri: string | undefined;
  readonly name: string;
  readonly sub: string | undefined;
}

export const COMPARE_OPERATORS = ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le'] as const;
export type CompareOperator = (typeof COMPARE_OPERATORS)[number];
export type FilterValue = string | number | boolean | null;

export type FilterNode =
  | {
      readonly kind: 'compare';
      readonly op: CompareOperator;
      readonly path: AttributePath;
      readonly value: FilterValue;
    }
  | { readonly kind: 'present'; readonly path: AttributePath }
  | { readonly kind: 'and' | 'or'; readonly left: FilterNode; readonly right: FilterNode }
  | { readonly kind: 'not'; readonly operand: FilterNode }
  /** `emails[type eq "work"]`: some entry of the multi-valued attribute matches `filter`. */
  | { readonly kind: 'valuePath'; readonly path: AttributePath; readonly filter: FilterNode };

export const MAX_FILTER_LENGTH = 4096;
const MAX_DEPTH = 32;

const ATTRIBUTE_NAME = /^[A-Za-z$][A-Za-z0-9_$-]*$/;

/** `[uri:]name[.sub]`; the URI is everything before the last colon. */
export const parseAttributePath = (text: string, errorType: ScimErrorType): AttributePath => {
  const invalid = (): ScimError => ScimError.badRequest(errorType, `Invalid attribute path "${clip(text)}".`);
  const colon = text.lastIndexOf(':');
  const uri = colon >= 0 ? text.slice(0, colon) : undefined;
  if (uri === '') throw invalid();
  const parts = text.slice(colon + 1).split('.');
  if (parts.length > 2) throw invalid();
  const [name, sub] = parts;
  if (name === undefined || !ATTRIBUTE_NAME.test(name)) throw invalid();
  if (sub !== undefined && !ATTRIBUTE_NAME.test(sub)) throw invalid();
  return { uri, name, sub };
};

/** Quotes user input in error details without echoing kilobytes back. */
export const clip = (text: string, max = 80): string => (text.length > max ? `${text.slice(0, max)}…` : text);

type Token =
  | { readonly kind: '(' | ')' | '[' | ']' | '.'; readonly at: number }
  | { readonly kind: 'word'; readonly text: string; readonly at: number }
  | { readonly kind: 'string'; readonly value: string; readonly at: number }
  | { readonly kind: 'number'; readonly value: number; readonly at: number };

const WHITESPACE = /\s+/y;
const WORD = /[A-Za-z_$][A-Za-z0-9_$:.-]*/y;
const NUMBER = /-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
// JSON string literals, which cannot hold raw control characters.
// eslint-disable-next-line no-control-regex
const STRING = /"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/y;

const invalidFilter = (detail: string): ScimError => ScimError.badRequest('invalidFilter', detail);

const matchAt = (pattern: RegExp, text: string, at: number): string | undefined => {
  pattern.lastIndex = at;
  return pattern.exec(text)?.[0];
};

const tokenize = (text: string): Token[] => {
  const tokens: Token[] = [];
  let at = 0;
  while (at < text.length) {
    const space = matchAt(WHITESPACE, text, at);
    if (space !== undefined) {
      at += space.length;
      continue;
    }
    const char = text[at];
    if (char === '(' || char === ')' || char === '[' || char === ']' || char === '.') {
      tokens.push({ kind: char, at });
      at += 1;
      continue;
    }
    const string = matchAt(STRING, text, at);
    if (string !== undefined) {
      tokens.push({ kind: 'string', value: JSON.parse(string) as string, at });
      at += string.length;
      continue;
    }
    const number = matchAt(NUMBER, text, at);
    if (number !== undefined) {
      tokens.push({ kind: 'number', value: Number(number), at });
      at += number.length;
      continue;
    }
    const word = matchAt(WORD, text, at);
    if (word !== undefined) {
      tokens.push({ kind: 'word', text: word, at });
      at += word.length;
      continue;
    }
    throw invalidFilter(
      char === '"'
        ? `Unterminated or invalid string at position ${at + 1}.`
        : `Unexpected character at position ${at + 1}.`,
    );
  }
  return tokens;
};

const isWord = (token: Token | undefined, word: string): boolean =>
  token?.kind === 'word' && token.text.toLowerCase() === word;

const describe = (token: Token | undefined): string => {
  if (token === undefined) return 'the end of the filter';
  switch (token.kind) {
    case 'word':
      return `"${clip(token.text, 40)}" at position ${token.at + 1}`;
    case 'string':
      return `a string at position ${token.at + 1}`;
    case 'number':
      return `a number at position ${token.at + 1}`;
    case '(':
    case ')':
    case '[':
    case ']':
    case '.':
      return `"${token.kind}" at position ${token.at + 1}`;
  }
};

class Parser {
  readonly #tokens: readonly Token[];
  #index = 0;
  #depth = 0;

  constructor(tokens: readonly Token[]) {
    this.#tokens = tokens;
  }

  parse(): FilterNode {
    const node = this.#or(false);
    const rest = this.#peek();
    if (rest !== undefined) throw invalidFilter(`Unexpected ${describe(rest)}.`);
    return node;
  }

  #peek(): Token | undefined {
    return this.#tokens[this.#index];
  }

  #next(): Token | undefined {
    const token = this.#tokens[this.#index];
    this.#index += 1;
    return token;
  }

  #expect(kind: Token['kind']): void {
    const token = this.#next();
    if (token?.kind !== kind) throw invalidFilter(`Expected "${kind}" but found ${describe(token)}.`);
  }

  #nested<T>(work: () => T): T {
    this.#depth += 1;
    if (this.#depth > MAX_DEPTH) throw invalidFilter(`The filter nests deeper than ${MAX_DEPTH} levels.`);
    try {
      return work();
    } finally {
      this.#depth -= 1;
    }
  }

  #or(inValuePath: boolean): FilterNode {
    let left = this.#and(inValuePath);
    while (isWord(this.#peek(), 'or')) {
      this.#next();
      left = { kind: 'or', left, right: this.#and(inValuePath) };
    }
    return left;
  }

  #and(inValuePath: boolean): FilterNode {
    let left = this.#unary(inValuePath);
    while (isWord(this.#peek(), 'and')) {
      this.#next();
      left = { kind: 'and', left, right: this.#unary(inValuePath) };
    }
    return left;
  }

  #unary(inValuePath: boolean): FilterNode {
    const token = this.#peek();
    if (isWord(token, 'not')) {
      this.#next();
      return this.#nested(() => ({ kind: 'not', operand: this.#unary(inValuePath) }));
    }
    if (token?.kind === '(') {
      this.#next();
      const inner = this.#nested(() => this.#or(inValuePath));
      this.#expect(')');
      return inner;
    }
    return this.#attributeExpression(inValuePath);
  }

  #attributeExpression(inValuePath: boolean): FilterNode {
    const token = this.#next();
    if (token?.kind !== 'word' || ['and', 'or', 'not'].includes(token.text.toLowerCase())) {
      throw invalidFilter(`Expected an attribute but found ${describe(token)}.`);
    }
    if (this.#peek()?.kind === '[') {
      if (inValuePath) throw invalidFilter('Value filters cannot nest.');
      this.#next();
      const path = parseAttributePath(token.text, 'invalidFilter');
      if (path.sub !== undefined) throw invalidFilter(`Invalid value path "${clip(token.text)}".`);
      const filter = this.#nested(() => this.#or(true));
      this.#expect(']');
      if (this.#peek()?.kind !== '.') return { kind: 'valuePath', path, filter };
      // `emails[type eq "work"].value eq "x"` (sent by Microsoft Entra): an entry that matches both.
      this.#next();
      const sub = this.#next();
      if (sub?.kind !== 'word') throw invalidFilter(`Expected a sub-attribute but found ${describe(sub)}.`);
      const condition = this.#condition(parseAttributePath(sub.text, 'invalidFilter'));
      if (condition.kind === 'compare' || condition.kind === 'present') {
        if (condition.path.uri !== undefined || condition.path.sub !== undefined) {
          throw invalidFilter(`Invalid sub-attribute "${clip(sub.text)}".`);
        }
      }
      return { kind: 'valuePath', path, filter: { kind: 'and', left: filter, right: condition } };
    }
    return this.#condition(parseAttributePath(token.text, 'invalidFilter'));
  }

  #condition(path: AttributePath): FilterNode {
    const operator = this.#next();
    if (operator?.kind !== 'word')
      throw invalidFilter(`Expected an operator but found ${describe(operator)}.`);
    const op = operator.text.toLowerCase();
    if (op === 'pr') return { kind: 'present', path };
    if (!(COMPARE_OPERATORS as readonly string[]).includes(op)) {
      throw invalidFilter(`Unknown operator "${clip(operator.text, 20)}".`);
    }
    const value = this.#next();
    let compared: FilterValue;
    if (value?.kind === 'string' || value?.kind === 'number') compared = value.value;
    else if (isWord(value, 'true')) compared = true;
    else if (isWord(value, 'false')) compared = false;
    else if (isWord(value, 'null')) compared = null;
    else throw invalidFilter(`Expected a value after "${op}" but found ${describe(value)}.`);
    return { kind: 'compare', op: op as CompareOperator, path, value: compared };
  }
}

/** Parses a filter; throws `ScimError` 400 `invalidFilter` with the reason. */
export const parseFilter = (text: string): FilterNode => {
  if (text.length > MAX_FILTER_LENGTH) {
    throw invalidFilter(`The filter is longer than ${MAX_FILTER_LENGTH} characters.`);
  }
  if (text.trim() === '') throw invalidFilter('The filter is empty.');
  return new Parser(tokenize(text)).parse();
};

/** Parses the filter inside a PATCH value path (`members[value eq "x"]`), reporting `invalidPath`. */
export const parseValueFilter = (text: string): FilterNode => {
  try {
    const node = parseFilter(text);
    if (containsValuePath(node)) throw invalidFilter('Value filters cannot nest.');
    return node;
  } catch (error) {
    if (error instanceof ScimError) throw ScimError.badRequest('invalidPath', error.message);
    throw error;
  }
};

const containsValuePath = (node: FilterNode): boolean => {
  switch (node.kind) {
    case 'valuePath':
      return true;
    case 'and':
    case 'or':
      return containsValuePath(node.left) || containsValuePath(node.right);
    case 'not':
      return containsValuePath(node.operand);
    case 'compare':
    case 'present':
      return false;
  }
};
