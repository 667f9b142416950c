/**
 * Where a JSON text first goes wrong, as line and column. JSON.parse's own
 * messages differ between Node versions and often carry no position (Node 20:
 * `Unexpected token '}', "{"a": }" is not valid JSON`), so a config error could
 * not point at the line. This scanner follows RFC 8259 and runs only after
 * JSON.parse has failed.
 */

export interface JsonErrorLocation {
  /** UTF-16 offset into the text. */
  offset: number;
  /** 1-based. */
  line: number;
  column: number;
  reason: string;
}

class Stop {
  constructor(
    readonly offset: number,
    readonly reason: string,
  ) {}
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/** The first error in `text`, or undefined when it is valid JSON. */
export function locateJsonError(text: string): JsonErrorLocation | undefined {
  let i = 0;
  const n = text.length;
  const stop = (reason: string, at = i): never => {
    throw new Stop(at, reason);
  };
  const ws = () => {
    while (i < n && (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r')) i++;
  };
  const describe = (at: number) => (at >= n ? 'end of input' : `character ${JSON.stringify(text[at])}`);
  const string = () => {
    const start = i;
    i++; // opening quote
    while (i < n) {
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return;
      }
      if (c === 0x5c) {
        const e = text[i + 1];
        if (e !== undefined && '"\\/bfnrt'.includes(e)) i += 2;
        else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) i += 6;
        else stop('bad escape sequence in string');
        continue;
      }
      if (c < 0x20) stop('control character in string (escape it, e.g. \\n)');
      i++;
    }
    stop('unterminated string', start);
  };
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      object();
      return;
    }
    if (c === '[') {
      array();
      return;
    }
    if (c === '"') {
      string();
      return;
    }
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) {
      NUMBER.lastIndex = i;
      if (!NUMBER.test(text)) stop('bad number');
      i = NUMBER.lastIndex;
      return;
    }
    for (const lit of ['true', 'false', 'null']) {
      if (text.startsWith(lit, i)) {
        i += lit.length;
        return;
      }
    }
    stop(
      i >= n ? 'unexpected end of input, expected a value' : `unexpected ${describe(i)}, expected a value`,
    );
  };
  const object = () => {
    i++;
    ws();
    if (text[i] === '}') {
      i++;
      return;
    }
    for (;;) {
      ws();
      if (text[i] !== '"') stop(`expected a property name in double quotes, got ${describe(i)}`);
      string();
      ws();
      if (text[i] !== ':') stop(`expected ':' after property name, got ${describe(i)}`);
      i++;
      value();
      ws();
      if (text[i] === ',') {
        i++;
        ws();
        if (text[i] === '}') stop('trailing comma before }');
        continue;
      }
      if (text[i] === '}') {
        i++;
        return;
      }
      stop(`expected ',' or '}' after property value, got ${describe(i)}`);
    }
  };
  const array = () => {
    i++;
    ws();
    if (text[i] === ']') {
      i++;
      return;
    }
    for (;;) {
      value();
      ws();
      if (text[i] === ',') {
        i++;
        ws();
        if (text[i] === ']') stop('trailing comma before ]');
        continue;
      }
      if (text[i] === ']') {
        i++;
        return;
      }
      stop(`expected ',' or ']' after array element, got ${describe(i)}`);
    }
  };
  try {
    value();
    ws();
    if (i < n) stop(`unexpected ${describe(i)} after the JSON value`);
    return undefined;
  } catch (e) {
    if (!(e instanceof Stop)) throw e;
    return { offset: e.offset, ...lineColumn(text, e.offset), reason: e.reason };
  }
}

export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let k = 0; k < offset && k < text.length; k++) {
    if (text.charCodeAt(k) === 0x0a) {
      line++;
      lineStart = k + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}
