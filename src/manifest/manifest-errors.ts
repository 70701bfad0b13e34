/**
 * A manifest checked against schemas/manifest.schema.json with ajv, and ajv's structured
 * errors turned into `manifest-invalid` diagnostics at the YAML key or value they are
 * about (STYLE.md 6). The schema alone decides what is wrong; this file only places each
 * error and writes its sentence, in the words users of MANIFEST.md know.
 */
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import { isMap, isScalar, isSeq, type Node } from 'yaml';
import { createManifestInvalidDiagnostic, type Diagnostic } from './diagnostics.js';
import { DEPENDENCY_KEYS, MANIFEST_KEYS, MANIFEST_SCHEMA, NAME_MAX_LENGTH, NAME_PATTERN, VERSION_MAX } from './manifest-schema.js';
import { suggestClosest } from './suggest.js';
import { entriesWithJsKey, findEntry, spanOfNode, splitJsonPointer, type YamlDocument } from './yaml-document.js';

let compiled: ValidateFunction | undefined;

/** Compiled on first use, not at import (`chinook init` imports the format's constants only), then kept: the schema never changes. */
export function manifestValidator(): ValidateFunction {
  // unicode: false — lengths in UTF-16 units (`.length`), as names were always measured;
  // the option is deprecated in ajv 8, and `logger: false` keeps its notice off stderr.
  // validateSchema: false — checking the schema against draft-07 doubled the cost (~10 ms
  // more); the schema is fixed, and a test checks it against the meta-schema instead.
  compiled ??= new Ajv({ allErrors: true, strict: true, unicode: false, validateSchema: false, logger: false }).compile(MANIFEST_SCHEMA);
  return compiled;
}

/** A diagnostic and the place in the manifest it is about (a JSON pointer's segments). */
export interface ManifestProblem {
  readonly path: readonly string[];
  readonly diagnostic: Diagnostic;
}

/** Every way one YAML document fails the manifest format, in ajv's order. */
export function findManifestProblems(doc: YamlDocument): ManifestProblem[] {
  const validate = manifestValidator();
  if (validate(doc.value)) return [];
  return selectErrors(doc.value, validate.errors ?? []).flatMap((placed) => describeError(doc, placed));
}

interface PlacedError {
  readonly error: ErrorObject;
  readonly path: readonly string[];
}

/** Keywords about a mapping's keys, one error per key: all of them are reported. */
const KEY_KEYWORDS = new Set(['additionalProperties', 'required']);

/** The errors worth a sentence: one per value (its `type` first, else its first bound), every one about keys. */
export function selectErrors(value: unknown, errors: readonly ErrorObject[]): PlacedError[] {
  const described = new Set<string>();
  const out: PlacedError[] = [];
  for (const error of errors) {
    const path = splitJsonPointer(error.instancePath);
    if (isStateContent(error, path) || !isWrittenForm(value, error, path)) continue;
    if (!KEY_KEYWORDS.has(error.keyword)) {
      if (described.has(error.instancePath)) continue;
      described.add(error.instancePath);
    }
    out.push({ error, path });
  }
  return out;
}

/**
 * What `state` holds is a JSON Schema, checked by check-state-schema.ts and reported as
 * `schema-invalid` (MANIFEST.md), its root `type: object` included; here only whether
 * `state` is a mapping at all.
 */
function isStateContent(error: ErrorObject, path: readonly string[]): boolean {
  return path[0] === 'state' && (path.length > 1 || error.keyword !== 'type');
}

/** Where ajv reports the failures of a `dependsOn` entry's short form: the `name` definition it refers to. */
const SHORT_FORM_SCHEMA_PATH = '#/definitions/name/';

/**
 * A `dependsOn` entry is a name or a mapping (`anyOf`), and ajv says why it fails both.
 * Only the form it is written in is meant: a mapping is the long form, any other scalar
 * a name; a list is neither, and gets the `anyOf` error.
 */
function isWrittenForm(value: unknown, error: ErrorObject, path: readonly string[]): boolean {
  if (path[0] !== 'dependsOn' || path.length < 2) return true;
  const item = (value as { dependsOn: readonly unknown[] }).dependsOn[Number(path[1])];
  const written = Array.isArray(item) ? 'neither' : typeof item === 'object' && item !== null ? 'long' : 'short';
  const reported = error.keyword === 'anyOf' ? 'neither' : path.length === 2 && error.schemaPath.startsWith(SHORT_FORM_SCHEMA_PATH) ? 'short' : 'long';
  return written === reported;
}

interface Sentence {
  readonly message: string;
  readonly hint?: string;
}

/** A path with list indices as `*`: the key of the tables below. */
function patternOf(path: readonly string[]): string {
  return path.map((segment) => (/^\d+$/.test(segment) ? '*' : segment)).join('/');
}

function describeError(doc: YamlDocument, { error, path }: PlacedError): ManifestProblem[] {
  const pattern = patternOf(path);
  const node = findEntry(doc, doc.document.contents, [...path]).value;
  const place = (span: Node | null, sentence: Sentence): ManifestProblem => ({
    path,
    diagnostic: createManifestInvalidDiagnostic(spanOfNode(doc, span), sentence.message, sentence.hint),
  });
  const mapping = MAPPINGS[pattern];
  if (mapping !== undefined && error.keyword === 'additionalProperties') {
    const name = (error.params as { additionalProperty: string }).additionalProperty;
    const keys = entriesWithJsKey(doc, node, name);
    // Not found only for a key yaml prints otherwise than `toJS` names it: still reported, at the mapping.
    if (keys.length === 0) return [place(node, unknownKey(mapping, name))];
    return keys.map((entry) => place(entry.key, unknownKey(mapping, entry.name)));
  }
  if (mapping !== undefined && error.keyword === 'required') {
    return [place(node, mapping.missing((error.params as { missingProperty: string }).missingProperty))];
  }
  const say = VALUES[pattern];
  return [place(node, say === undefined ? { message: `\`${path.join('.')}\` ${error.message ?? 'is invalid'}` } : say(node, error))];
}

/** Mappings of the format: what the sentences call them, and what goes missing from them. */
interface MappingWords {
  readonly where: string;
  readonly known: readonly string[];
  missing(key: string): Sentence;
}

const REQUIRED_HINTS: Readonly<Record<string, string>> = {
  domain: 'name the slice of state this manifest describes, e.g. `domain: lighting`',
  owner: 'name the one service that publishes it, e.g. `owner: lighting-service`',
  version: 'start at `version: 1`',
  state: 'describe the state as a JSON Schema with `type: object`',
};

const MAPPINGS: Readonly<Record<string, MappingWords>> = {
  '': {
    where: 'a manifest',
    known: MANIFEST_KEYS,
    missing: (key) => ({ message: `missing required key \`${key}\``, ...hintOf(REQUIRED_HINTS[key]) }),
  },
  'dependsOn/*': {
    where: 'a dependsOn entry',
    known: DEPENDENCY_KEYS,
    missing: () => ({ message: 'a dependsOn entry in long form needs `domain`', hint: 'write `- domain: power` (and `optional: true` if the owner should not wait for it)' }),
  },
};

function hintOf(hint: string | undefined): { hint?: string } {
  return hint === undefined ? {} : { hint };
}

function unknownKey(mapping: MappingWords, name: string): Sentence {
  const suggestion = suggestClosest(name, mapping.known);
  return {
    message: `unknown key \`${name}\` in ${mapping.where}`,
    hint: suggestion === undefined ? `known keys: ${mapping.known.join(', ')}; keys starting with \`x-\` are ignored` : `did you mean \`${suggestion}\`?`,
  };
}

type SayValue = (node: Node | null, error: ErrorObject) => Sentence;

/** The sentence for a value the schema refuses, by where it stands. */
const VALUES: Readonly<Record<string, SayValue>> = {
  '': (node) => ({ message: `a manifest must be a mapping with \`domain\`, \`owner\`, \`version\` and \`state\`, got ${describeValue(node)}` }),
  domain: sayName('domain'),
  owner: sayName('owner'),
  version: (node) => ({
    message: `\`version\` must be an integer from 1 to ${VERSION_MAX}, got ${describeWritten(node)}`,
    hint: 'start at `version: 1`; bump it on a breaking change of `state`',
  }),
  description: (node) => ({ message: `\`description\` must be text, got ${describeValue(node)}` }),
  dependsOn: (node) => ({ message: `\`dependsOn\` must be a list of domains, got ${describeValue(node)}`, hint: 'write `dependsOn: [power]` or one `- power` per line' }),
  'dependsOn/*': (node, error) =>
    error.keyword === 'anyOf'
      ? { message: `a dependsOn entry must be a domain name or a mapping with \`domain\` and \`optional\`, got ${describeValue(node)}` }
      : sayName('dependsOn entry')(node, error),
  'dependsOn/*/domain': sayName('dependsOn entry `domain`'),
  'dependsOn/*/optional': (node) => ({ message: `\`optional\` must be \`true\` or \`false\`, got ${describeValue(node)}` }),
  state: (node) => ({ message: `\`state\` must be a JSON Schema mapping (with \`type: object\`), got ${describeValue(node)}` }),
};

/** A name that is not text, too long, or not of the pattern (ajv's `type`, `maxLength`, `pattern`). */
function sayName(key: string): SayValue {
  return (node, error) => {
    const name = isScalar(node) ? node.value : undefined;
    if (error.keyword === 'type' || typeof name !== 'string') {
      return { message: `\`${key}\` must be a name like \`lighting-service\`, got ${describeValue(node)}` };
    }
    if (error.keyword === 'maxLength') {
      return { message: `\`${key}\` ${describeValue(node)} is ${name.length} characters long: a name has at most ${NAME_MAX_LENGTH}`, hint: 'use a shorter name' };
    }
    const fixed = name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^[^a-z]+|-+$/g, '');
    return {
      message: `\`${key}\` \`${name}\` is not a valid name: use lowercase letters and digits, words joined by single dashes, starting with a letter`,
      ...hintOf(fixed !== '' && NAME_PATTERN.test(fixed) ? `for example \`${fixed}\`` : undefined),
    };
  };
}

function describeValue(node: Node | null): string {
  if (node === null || (isScalar(node) && node.value === null)) return 'nothing';
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) {
    const v = node.value;
    if (typeof v === 'string') return `the text \`${truncate(v)}\``;
    return `\`${String(v)}\``;
  }
  return 'an unsupported value';
}

/** A number as written: 9007199254740993 reads as …992, 1e40 as a float. */
function describeWritten(node: Node | null): string {
  return isScalar(node) && typeof node.value === 'number' && typeof node.source === 'string' ? `\`${truncate(node.source)}\`` : describeValue(node);
}

function truncate(text: string): string {
  return text.length > 40 ? text.slice(0, 40) + '…' : text;
}
