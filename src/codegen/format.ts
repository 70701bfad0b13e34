/**
 * Formatting fixed in code: generated text never depends on a formatter's version or
 * configuration (and prettier would cost ~4 ms per schema; see docs/codegen.md).
 */

/** A string as a single-quoted TypeScript literal. */
export function quote(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n').replace(/\r/g, '\\r').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029')}'`;
}

/** An object key: bare when it is an identifier, quoted otherwise. */
export function propertyKey(name: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(name) ? name : quote(name);
}

/** Text safe inside a `/** … *\/` doc comment. */
export function docText(text: string): string {
  return text.replace(/\*\//g, '*\\/').trim();
}

/** A doc comment block at the given indent. */
export function docComment(lines: readonly string[], indent = ''): string {
  const body = lines.flatMap((l) => docText(l).split('\n'));
  if (body.length === 1) return `${indent}/** ${body[0]} */`;
  return [`${indent}/**`, ...body.map((l) => (l === '' ? `${indent} *` : `${indent} * ${l}`)), `${indent} */`].join('\n');
}

/**
 * Indents json-schema-to-typescript's unformatted output (`format: false` puts every
 * member on its own line, unindented) by bracket depth, two spaces a level.
 * Brackets inside string literals and comments do not count.
 */
export function indentTypeScript(code: string): string {
  const out: string[] = [];
  let depth = 0;
  let inComment = false;
  for (const raw of code.split('\n')) {
    const line = raw.trim();
    if (line === '') {
      out.push('');
      continue;
    }
    if (inComment || line.startsWith('/*')) {
      const text = line.startsWith('*') ? ` ${line}` : line;
      out.push('  '.repeat(depth) + text);
      inComment = !line.includes('*/');
      continue;
    }
    const { closesFirst, net } = countBrackets(line);
    const level = Math.max(0, depth - closesFirst);
    out.push('  '.repeat(level) + line);
    depth = Math.max(0, depth + net);
  }
  return out.join('\n');
}

function countBrackets(line: string): { closesFirst: number; net: number } {
  let net = 0;
  let closesFirst = 0;
  let leading = true;
  let quoteChar: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoteChar) {
      if (c === '\\') i++;
      else if (c === quoteChar) quoteChar = undefined;
      continue;
    }
    if (c === '"' || c === "'" || c === '`') {
      quoteChar = c;
      leading = false;
    } else if (c === '{' || c === '(' || c === '[') {
      net++;
      leading = false;
    } else if (c === '}' || c === ')' || c === ']') {
      net--;
      if (leading) closesFirst++;
    } else if (c !== ' ') {
      leading = false;
    }
  }
  return { closesFirst, net };
}
