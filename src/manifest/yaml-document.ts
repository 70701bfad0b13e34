/**
 * YAML text → documents whose every node keeps its position. Uses the `yaml` package's
 * document API (not `yaml.parse`) so that diagnostics can point at the offending key or
 * value, including inside multi-document files.
 */
import { isAlias, isMap, isPair, isScalar, isSeq, LineCounter, Pair, parseAllDocuments, visit, YAMLMap, type Alias, type Document, type Node } from 'yaml';
import { createYamlSyntaxDiagnostic, type Diagnostic, type Span } from './diagnostics.js';

/** One YAML document of one file, with what is needed to turn node offsets into positions. */
export interface YamlDocument {
  readonly file: string;
  /** 0-based index of the document in its file. */
  readonly index: number;
  readonly document: Document.Parsed;
  readonly lineCounter: LineCounter;
  /** The document as plain JSON-like data. */
  readonly value: unknown;
  /** The whole file's text, for hints that look at what the parser threw away (comments). */
  readonly source?: string;
}

export interface ParsedYamlFile {
  readonly documents: readonly YamlDocument[];
  readonly diagnostics: readonly Diagnostic[];
}

// Aliases are legal YAML, but a billion-laughs file must not exhaust memory.
const MAX_ALIAS_COUNT = 1000;

/**
 * Parses every document of a file as YAML 1.2 (core schema). A file with any syntax error
 * yields its errors and no documents, so that a broken file is never also reported as an
 * invalid manifest.
 */
export function parseYamlFile(file: string, text: string): ParsedYamlFile {
  const lineCounter = new LineCounter();
  let parsed: ReturnType<typeof parseAllDocuments>;
  try {
    parsed = parseAllDocuments(text, { lineCounter, version: '1.2', schema: 'core', prettyErrors: false, uniqueKeys: true, logLevel: 'error' });
  } catch (error) {
    return { documents: [], diagnostics: [createYamlSyntaxDiagnostic({ file, line: 1, column: 1 }, describeError(error))] };
  }
  if (!Array.isArray(parsed)) return { documents: [], diagnostics: [] };
  const diagnostics: Diagnostic[] = [];
  for (const document of parsed) {
    for (const error of document.errors) {
      const span = spanOfOffsets(file, lineCounter, error.pos[0], error.pos[1]);
      const commented = findCommentedRef(text, span.line);
      diagnostics.push(createYamlSyntaxDiagnostic(span, firstLine(error.message), commented && describeCommentedRef(commented)));
    }
  }
  if (diagnostics.length > 0) return { documents: [], diagnostics: dedupeByPosition(diagnostics) };
  const documents: YamlDocument[] = [];
  parsed.forEach((document, index) => {
    // A document holding nothing (a comment-only file, a trailing `---`) is not a manifest.
    if (document.contents === null || (isScalar(document.contents) && document.contents.value === null)) return;
    // A self-referencing alias makes an infinite (cyclic) value: every later walk would hang.
    const loop = findAliasLoop(document);
    if (loop !== undefined) {
      const range = loop.range ?? [0, 0, 0];
      diagnostics.push(
        createYamlSyntaxDiagnostic(spanOfOffsets(file, lineCounter, range[0], range[1]), `alias \`*${loop.source}\` refers to a node that contains it: the value would be infinite`),
      );
      return;
    }
    try {
      const value: unknown = document.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
      documents.push({ file, index, document: document as Document.Parsed, lineCounter, value, source: text });
    } catch (error) {
      const range = document.contents.range ?? [0, 0, 0];
      diagnostics.push(createYamlSyntaxDiagnostic(spanOfOffsets(file, lineCounter, range[0], range[0]), describeError(error)));
    }
  });
  return { documents, diagnostics };
}

/** An unquoted `$ref: #/…`: YAML reads `#` after a space as the start of a comment. */
const COMMENTED_REF = /(?:^|[\s{,])(\$ref:\s+)(#\S*?)(?=[\s,}]|$)/;

/**
 * The last line at or before `line` (1-based) holding an unquoted `$ref: #/…`: the parser
 * reports the damage later (an unclosed `{`, an odd indentation), the cause is there.
 */
export function findCommentedRef(text: string, line: number): { readonly line: number; readonly ref: string } | undefined {
  const lines = text.split(/\r?\n/);
  for (let i = Math.min(line, lines.length) - 1; i >= 0; i--) {
    const match = COMMENTED_REF.exec(lines[i]!);
    if (match) return { line: i + 1, ref: match[2]!.replace(/[}\],]+$/, '') };
  }
  return undefined;
}

export function describeCommentedRef(found: { readonly line: number; readonly ref: string }): string {
  return `line ${found.line}: \`$ref: ${found.ref}\` is not quoted, and YAML reads \`#\` as the start of a comment; quote it: \`$ref: '${found.ref}'\``;
}

/** The first alias that points at one of its own ancestors (YAML allows it; JSON cannot hold it). */
function findAliasLoop(document: Document): Alias | undefined {
  let found: Alias | undefined;
  visit(document, {
    Alias(_, node, path) {
      const target = node.resolve(document);
      if (target !== undefined && (path as readonly unknown[]).includes(target)) {
        found = node;
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return found;
}

function describeError(error: unknown): string {
  return firstLine(error instanceof Error ? error.message : String(error));
}

function firstLine(message: string): string {
  const line = message.split('\n')[0] ?? message;
  return line.replace(/ at line \d+, column \d+:?$/, '').trim();
}

/**
 * One diagnostic per place, the first kept. The parser sometimes reports one mistake twice
 * at the same place (two views of one bad indent); a schema check can too (a commented-out
 * `$ref` is both "not text" and, for the meta-schema, "must be string").
 */
export function dedupeByPosition(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return diagnostics.filter((d) => {
    const key = `${d.line}:${d.column}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** 1-based span of [start, end) offsets; the end column is kept only when on the start's line. */
export function spanOfOffsets(file: string, lineCounter: LineCounter, start: number, end: number): Span {
  const from = lineCounter.linePos(start);
  const to = lineCounter.linePos(Math.max(start, end));
  const base = { file, line: from.line, column: from.col };
  return to.line === from.line && to.col > from.col ? { ...base, endColumn: to.col } : base;
}

/** The span of a node's value (or, for a collection, of its first line). */
export function spanOfNode(doc: YamlDocument, node: Node | null | undefined): Span {
  const range = node?.range ?? doc.document.contents?.range ?? doc.document.range;
  return spanOfOffsets(doc.file, doc.lineCounter, range[0], isScalar(node) || isAlias(node) ? range[1] : range[0]);
}

/** Where a key and its value stand inside a mapping. */
export interface YamlEntry {
  readonly key: Node | null;
  readonly value: Node | null;
}

function resolve(doc: YamlDocument, node: unknown): Node | null {
  let current = node;
  // Aliases may chain; bounded so a malformed cycle can never loop forever.
  for (let i = 0; i < 100 && isAlias(current); i++) current = current.resolve(doc.document) ?? null;
  return (current as Node | null) ?? null;
}

/** A mapping entry, aliases resolved, with its key as a string. */
export interface YamlNamedEntry extends YamlEntry {
  readonly name: string;
}

/** The entries of a mapping node, keys as strings (mostly as `toJS` turns them into object keys). */
export function entriesOf(doc: YamlDocument, node: Node | null | undefined): YamlNamedEntry[] {
  const map = resolve(doc, node);
  if (!isMap(map)) return [];
  return map.items.filter((pair) => isPair(pair)).map((pair) => entryOf(doc, pair));
}

function entryOf(doc: YamlDocument, pair: { key: unknown; value: unknown }): YamlNamedEntry {
  const key = resolve(doc, pair.key);
  const name = isScalar(key) ? String(key.value) : String(key);
  return { name, key, value: resolve(doc, pair.value) };
}

/**
 * The entries of a mapping whose key `toJS` turns into `jsKey`, the name a JSON Schema
 * validator reports (`entriesOf` names some keys otherwise: `null` is `''` to `toJS`, an
 * alias of a collection `*x`). Named and placed as `entriesOf` does.
 */
export function entriesWithJsKey(doc: YamlDocument, node: Node | null | undefined, jsKey: string): YamlNamedEntry[] {
  const map = resolve(doc, node);
  if (!isMap(map)) return [];
  return map.items.filter((pair) => isPair(pair) && jsKeyOf(doc, pair.key as Node | null) === jsKey).map((pair) => entryOf(doc, pair));
}

function jsKeyOf(doc: YamlDocument, key: Node | null): string {
  const target = resolve(doc, key);
  if (target === null || isScalar(target)) return target?.value == null ? '' : String(target.value);
  // A collection (or an alias of one): yaml writes the key out as `toJS` did, in a map of its own.
  const probe = new YAMLMap();
  probe.items.push(new Pair(key, null));
  try {
    return Object.keys(probe.toJS(doc.document) as object)[0] ?? '';
  } catch {
    return '';
  }
}

/**
 * Follows a path of keys/indices (a JSON pointer's segments) from `root` and returns the
 * deepest entry reached: the key and value nodes of the last segment that exists.
 */
export function findEntry(doc: YamlDocument, root: Node | null | undefined, path: readonly string[]): YamlEntry & { complete: boolean } {
  let entry: YamlEntry = { key: null, value: resolve(doc, root) };
  for (const segment of path) {
    const node = entry.value;
    if (isMap(node)) {
      const found = entriesOf(doc, node).find((e) => e.name === segment);
      if (!found) return { ...entry, complete: false };
      entry = { key: found.key, value: found.value };
    } else if (isSeq(node)) {
      const index = Number(segment);
      const item = Number.isInteger(index) ? node.items[index] : undefined;
      if (item === undefined) return { ...entry, complete: false };
      entry = { key: null, value: resolve(doc, item) };
    } else {
      return { ...entry, complete: false };
    }
  }
  return { ...entry, complete: true };
}

/** Splits a JSON pointer (`/a/b~1c`, or `#/a` URI fragment form) into segments. */
export function splitJsonPointer(pointer: string): string[] {
  let p = pointer.startsWith('#') ? safeDecode(pointer.slice(1)) : pointer;
  if (p === '' || p === '/') return p === '/' ? [''] : [];
  if (p.startsWith('/')) p = p.slice(1);
  return p.split('/').map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
