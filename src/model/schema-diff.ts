/**
 * Two versions of a domain's `state` schema → the changes between them, each classified
 * in both directions of a rolling upgrade (docs/manifest.md, "Evolving a schema"):
 *
 * - `oldReadsNew`: does every state the NEW schema accepts pass the OLD schema?
 *   (a reader still on the old code receiving what the upgraded owner publishes)
 * - `newReadsOld`: does every state the OLD schema accepts pass the NEW schema?
 *   (an upgraded reader receiving what the old owner published, the retained state included)
 *
 * Verdicts are about sets of valid states, never about what an owner happens to publish.
 * The walk is conservative: whatever it cannot prove (two different patterns, a changed
 * `oneOf`, a keyword it does not know) is `unclassifiable` and breaks both directions.
 * Pure: schemas in, data out; positions are the caller's (see locate-change.ts).
 */
import type { JsonSchema } from './types.js';

export type Verdict = 'ok' | 'breaks';

export type SchemaChangeKind =
  /** A property only the new schema names (its values are compared with the old `additionalProperties`). */
  | 'property-added'
  /** A property only the old schema names (its values are compared with the new `additionalProperties`). */
  | 'property-removed'
  | 'property-made-required'
  | 'property-made-optional'
  /** The new schema accepts more than the old one through this keyword. */
  | 'widened'
  /** The new schema accepts less. */
  | 'narrowed'
  /** Each accepts something the other does not (e.g. `type: string` → `type: number`). */
  | 'changed'
  /** Cannot be compared (two patterns, a changed `oneOf`, …): treated as breaking both ways. */
  | 'unclassifiable'
  /** A `$defs` entry no longer or newly defined; where it is used, the use is compared. */
  | 'definition-added'
  | 'definition-removed'
  /** `description`, `title`, `examples`, …: no effect on which states are valid. */
  | 'annotation-changed';

export interface SchemaChange {
  readonly kind: SchemaChangeKind;
  /** The keyword concerned (`maximum`, `type`, `additionalProperties`, …), when there is one. */
  readonly keyword?: string;
  /** One line for people, e.g. `maximum 100 → 50`. */
  readonly message: string;
  /** Where it stands in the new `state` (segments below `state`); a removal names the place it was, which the locator shortens to what exists. */
  readonly path: readonly string[];
  /** The part of the state concerned: a JSON Pointer, `*` for any item or key. */
  readonly instancePath: string;
  readonly oldReadsNew: Verdict;
  readonly newReadsOld: Verdict;
}

type Schema = JsonSchema | boolean;

interface Place {
  /** Below `state` in the new schema. */
  readonly path: readonly string[];
  readonly instance: string;
}

interface Walk {
  readonly oldRoot: JsonSchema;
  readonly newRoot: JsonSchema;
  readonly changes: SchemaChange[];
  /** `$ref` pairs already compared (recursive definitions end here). */
  readonly visited: Set<string>;
}

const ANNOTATIONS = new Set(['description', 'title', 'examples', 'default', 'deprecated', 'readOnly', 'writeOnly', '$comment', 'contentMediaType', 'contentEncoding', 'contentSchema']);
const LOWER_BOUNDS = new Set(['minimum', 'exclusiveMinimum', 'minLength', 'minItems', 'minProperties', 'minContains']);
const UPPER_BOUNDS = new Set(['maximum', 'exclusiveMaximum', 'maxLength', 'maxItems', 'maxProperties', 'maxContains']);
/** Assertions that only ever remove states when added (conjunctive, independent of the others). */
const INDEPENDENT = new Set(['pattern', 'format', 'not', 'dependentRequired', 'uniqueItems', 'multipleOf']);
/** Handled together with another keyword, or by the caller. */
const GROUPED = new Set(['type', 'enum', 'const', 'properties', 'required', 'additionalProperties', 'patternProperties', '$ref', '$defs', 'items', 'prefixItems', 'anyOf', 'allOf']);

const WIDENED = { oldReadsNew: 'breaks', newReadsOld: 'ok' } as const;
const NARROWED = { oldReadsNew: 'ok', newReadsOld: 'breaks' } as const;
const BOTH_BREAK = { oldReadsNew: 'breaks', newReadsOld: 'breaks' } as const;
const BOTH_OK = { oldReadsNew: 'ok', newReadsOld: 'ok' } as const;

const VERDICTS: Record<SchemaChangeKind, { readonly oldReadsNew: Verdict; readonly newReadsOld: Verdict } | undefined> = {
  'property-added': undefined,
  'property-removed': undefined,
  'property-made-required': NARROWED,
  'property-made-optional': WIDENED,
  widened: WIDENED,
  narrowed: NARROWED,
  changed: BOTH_BREAK,
  unclassifiable: BOTH_BREAK,
  'definition-added': BOTH_OK,
  'definition-removed': BOTH_OK,
  'annotation-changed': BOTH_OK,
};

/** Every change between two `state` schemas, in walk order (each place reported once). */
export function diffStateSchemas(oldState: JsonSchema, newState: JsonSchema): SchemaChange[] {
  const walk: Walk = { oldRoot: oldState, newRoot: newState, changes: [], visited: new Set() };
  compareSchemas(walk, oldState, newState, { path: [], instance: '' });
  compareDefinitions(walk);
  return walk.changes;
}

/** True when no change breaks the given direction. */
export function holds(changes: readonly Pick<SchemaChange, 'oldReadsNew' | 'newReadsOld'>[], direction: 'oldReadsNew' | 'newReadsOld'): boolean {
  return changes.every((c) => c[direction] === 'ok');
}

function add(walk: Walk, kind: SchemaChangeKind, place: Place, message: string, keyword?: string, verdicts = VERDICTS[kind]): void {
  const v = verdicts ?? BOTH_BREAK;
  walk.changes.push({ kind, ...(keyword === undefined ? {} : { keyword }), message, path: place.path, instancePath: place.instance === '' ? '/' : place.instance, oldReadsNew: v.oldReadsNew, newReadsOld: v.newReadsOld });
}

function isObject(value: unknown): value is JsonSchema {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function asSchema(value: unknown): Schema {
  return typeof value === 'boolean' ? value : isObject(value) ? value : true;
}

/** A stable text for a JSON value (object keys sorted), for equality and sets. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (isObject(value)) return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson(value[k])}`).join(',')}}`;
  return JSON.stringify(value) ?? 'null';
}

function show(value: unknown): string {
  const text = canonicalJson(value);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}

function compareSchemas(walk: Walk, oldSchema: Schema, newSchema: Schema, place: Place): void {
  if (oldSchema === false || newSchema === false) {
    if (oldSchema === newSchema) return;
    if (oldSchema === false) add(walk, 'widened', place, 'accepted no value, now accepts some', 'false');
    else add(walk, 'narrowed', place, 'accepted values, now accepts none', 'false');
    return;
  }
  const oldNode: JsonSchema = oldSchema === true ? {} : oldSchema;
  const newNode: JsonSchema = newSchema === true ? {} : newSchema;
  // Equal text means equal meaning, unless a `$ref` inside points at a definition that changed.
  if (!hasRef(newNode) && canonicalJson(oldNode) === canonicalJson(newNode)) return;
  if (!compareReferences(walk, oldNode, newNode, place)) return;
  compareTypes(walk, oldNode, newNode, place);
  compareValues(walk, oldNode, newNode, place);
  compareObjects(walk, oldNode, newNode, place);
  compareArrays(walk, oldNode, newNode, place);
  compareKeywords(walk, oldNode, newNode, place);
}

function hasRef(schema: Schema): boolean {
  return typeof schema === 'object' && JSON.stringify(schema).includes('"$ref"');
}

/** The target of a local `$ref` (`#/$defs/X`) and its path, or undefined when it does not resolve. */
function resolveRef(root: JsonSchema, ref: unknown): { schema: Schema; path: string[] } | undefined {
  if (typeof ref !== 'string' || !ref.startsWith('#')) return undefined;
  const path = ref.slice(1).split('/').slice(1).map((s) => decodeURIComponent(s).replace(/~1/g, '/').replace(/~0/g, '~'));
  let node: unknown = root;
  for (const segment of path) {
    if (!isObject(node) || !Object.hasOwn(node, segment)) return undefined;
    node = node[segment];
  }
  return typeof node === 'boolean' || isObject(node) ? { schema: node, path } : undefined;
}

function onlyAnnotations(node: JsonSchema): boolean {
  return Object.keys(node).every((k) => k === '$ref' || ANNOTATIONS.has(k));
}

/**
 * `$ref` on either side. Both: the targets are compared where the new one is defined (once
 * per pair), then the keywords beside them. One side only: an inline schema moved into (or out
 * of) `$defs` compares with the target when nothing but annotations stands beside the `$ref`.
 * Returns false when the node needs no further comparison.
 */
function compareReferences(walk: Walk, oldNode: JsonSchema, newNode: JsonSchema, place: Place): boolean {
  const oldRef = oldNode['$ref'];
  const newRef = newNode['$ref'];
  if (oldRef === undefined && newRef === undefined) return true;
  const oldTarget = oldRef === undefined ? undefined : resolveRef(walk.oldRoot, oldRef);
  const newTarget = newRef === undefined ? undefined : resolveRef(walk.newRoot, newRef);
  if ((oldRef !== undefined && !oldTarget) || (newRef !== undefined && !newTarget)) {
    if (canonicalJson(oldRef) !== canonicalJson(newRef)) add(walk, 'unclassifiable', place, `\`$ref\` ${show(oldRef)} → ${show(newRef)} does not resolve`, '$ref');
    return true;
  }
  if (oldTarget && newTarget) {
    followPair(walk, oldTarget.schema, newTarget, `${String(oldRef)}|${String(newRef)}`, place);
    return true;
  }
  const refSide = oldTarget ? oldNode : newNode;
  if (!onlyAnnotations(refSide)) {
    add(walk, 'unclassifiable', place, oldTarget ? `inline schema replaced the \`$ref\` ${show(oldRef)} it stood beside` : `\`$ref\` ${show(newRef)} added beside other keywords`, '$ref');
    return false;
  }
  if (oldTarget) {
    compareSchemas(walk, oldTarget.schema, newNode, place);
  } else {
    compareAnnotations(walk, oldNode, newNode, place);
    followPair(walk, oldNode, newTarget!, `inline:${place.path.join('/')}|${String(newRef)}`, place);
  }
  return false;
}

function followPair(walk: Walk, oldSchema: Schema, newTarget: { schema: Schema; path: string[] }, key: string, place: Place): void {
  if (walk.visited.has(key)) return;
  walk.visited.add(key);
  compareSchemas(walk, oldSchema, newTarget.schema, { path: newTarget.path, instance: place.instance });
}

/** `$defs` entries only one side has (renames show as one removed and one added; their uses are compared through `$ref`). */
function compareDefinitions(walk: Walk): void {
  const oldDefs = isObject(walk.oldRoot['$defs']) ? walk.oldRoot['$defs'] : {};
  const newDefs = isObject(walk.newRoot['$defs']) ? walk.newRoot['$defs'] : {};
  for (const name of Object.keys(newDefs).sort()) {
    if (!Object.hasOwn(oldDefs, name)) add(walk, 'definition-added', { path: ['$defs', name], instance: '' }, `definition \`${name}\` added`, '$defs');
  }
  for (const name of Object.keys(oldDefs).sort()) {
    if (!Object.hasOwn(newDefs, name)) add(walk, 'definition-removed', { path: ['$defs'], instance: '' }, `definition \`${name}\` removed`, '$defs');
  }
}

const JSON_TYPES = ['array', 'boolean', 'integer', 'null', 'number', 'object', 'string'];

function typeSet(node: JsonSchema): string[] {
  const t = node['type'];
  if (t === undefined) return JSON_TYPES;
  return (Array.isArray(t) ? t : [t]).filter((x): x is string => typeof x === 'string');
}

/** Does `outer` accept every type `inner` does? (`number` includes `integer`.) */
function coversTypes(outer: readonly string[], inner: readonly string[]): boolean {
  return inner.every((t) => outer.includes(t) || (t === 'integer' && outer.includes('number')));
}

function compareTypes(walk: Walk, oldNode: JsonSchema, newNode: JsonSchema, place: Place): void {
  const before = typeSet(oldNode);
  const after = typeSet(newNode);
  const widened = coversTypes(after, before);
  const narrowed = coversTypes(before, after);
  if (widened && narrowed) return;
  const message = `type ${describeTypes(oldNode)} → ${describeTypes(newNode)}`;
  add(walk, widened ? 'widened' : narrowed ? 'narrowed' : 'changed', { ...place, path: [...place.path, 'type'] }, message, 'type');
}

function describeTypes(node: JsonSchema): string {
  const t = node['type'];
  return t === undefined ? '(any)' : Array.isArray(t) ? `[${t.join(', ')}]` : String(t);
}

/** `enum` and `const` together: the allowed values as canonical texts, or undefined for any value. */
function valueSet(node: JsonSchema): Set<string> | undefined {
  const values = Array.isArray(node['enum']) ? new Set(node['enum'].map(canonicalJson)) : undefined;
  if (!Object.hasOwn(node, 'const')) return values;
  const only = canonicalJson(node['const']);
  return values === undefined || values.has(only) ? new Set([only]) : new Set();
}

function compareValues(walk: Walk, oldNode: JsonSchema, newNode: JsonSchema, place: Place): void {
  const before = valueSet(oldNode);
  const after = valueSet(newNode);
  if (before === undefined && after === undefined) return;
  const keyword = Object.hasOwn(newNode, 'const') || Object.hasOwn(oldNode, 'const') ? 'const' : 'enum';
  const widened = after === undefined || (before !== undefined && [...before].every((v) => after.has(v)));
  const narrowed = before === undefined || (after !== undefined && [...after].every((v) => before.has(v)));
  if (widened && narrowed) return;
  const added = after === undefined ? [] : [...after].filter((v) => before === undefined || !before.has(v));
  const removed = before === undefined ? [] : [...before].filter((v) => after === undefined || !after.has(v));
  const parts = [
    before === undefined ? `${keyword} added` : after === undefined ? `${keyword} removed` : '',
    added.length > 0 && before !== undefined ? `+ ${added.join(', ')}` : '',
    removed.length > 0 && after !== undefined ? `− ${removed.join(', ')}` : '',
  ].filter((p) => p !== '');
  add(walk, widened ? 'widened' : narrowed ? 'narrowed' : 'changed', { ...place, path: [...place.path, keyword] }, `${keyword}: ${parts.join(' ')}`, keyword);
}

/** Regular expressions of `patternProperties` (a pattern that does not compile matches every name: conservative). */
function propertyPatterns(node: JsonSchema): ((name: string) => boolean)[] {
  const patterns = isObject(node['patternProperties']) ? Object.keys(node['patternProperties']) : [];
  return patterns.map((p) => {
    try {
      const re = new RegExp(p, 'u');
      return (name: string) => re.test(name);
    } catch {
      return () => true;
    }
  });
}

function requiredSet(node: JsonSchema): Set<string> {
  return new Set(Array.isArray(node['required']) ? node['required'].filter((r): r is string => typeof r === 'string') : []);
}

function propertiesOf(node: JsonSchema): JsonSchema {
  return isObject(node['properties']) ? node['properties'] : {};
}

/** The changes of comparing two sub-schemas, folded into the two verdicts (nothing is recorded). */
function foldedVerdicts(walk: Walk, oldSchema: Schema, newSchema: Schema): { oldReadsNew: Verdict; newReadsOld: Verdict } {
  const scratch: Walk = { ...walk, changes: [], visited: new Set(walk.visited) };
  compareSchemas(scratch, oldSchema, newSchema, { path: [], instance: '' });
  return { oldReadsNew: holds(scratch.changes, 'oldReadsNew') ? 'ok' : 'breaks', newReadsOld: holds(scratch.changes, 'newReadsOld') ? 'ok' : 'breaks' };
}

function compareObjects(walk: Walk, oldNode: JsonSchema, newNode: JsonSchema, place: Place): void {
  const oldProps = propertiesOf(oldNode);
  const newProps = propertiesOf(newNode);
  const oldRequired = requiredSet(oldNode);
  const newRequired = requiredSet(newNode);
  const patterns = [...propertyPatterns(oldNode), ...propertyPatterns(newNode)];
  if (canonicalJson(oldNode['patternProperties']) !== canonicalJson(newNode['patternProperties'])) {
    add(walk, 'unclassifiable', { ...place, path: [...place.path, 'patternProperties'] }, '`patternProperties` changed', 'patternProperties');
  }
  const oldRest = asSchema(oldNode['additionalProperties']);
  const newRest = asSchema(newNode['additionalProperties']);
  const names = [...new Set([...Object.keys(oldProps), ...Object.keys(newProps), ...oldRequired, ...newRequired])].sort();
  for (const name of names) {
    const at: Place = { path: [...place.path, 'properties', name], instance: `${place.instance}/${name}` };
    const inOld = Object.hasOwn(oldProps, name);
    const inNew = Object.hasOwn(newProps, name);
    if (inOld && inNew) {
      compareSchemas(walk, asSchema(oldProps[name]), asSchema(newProps[name]), at);
      comparePresence(walk, oldRequired.has(name), newRequired.has(name), name, at);
    } else if (inOld || inNew) {
      if (patterns.some((matches) => matches(name))) {
        add(walk, 'unclassifiable', at, `property \`${name}\` ${inNew ? 'added' : 'removed'} where \`patternProperties\` may match it`, 'properties');
      } else {
        // Its values compare with what the other side allowed under that name (its `additionalProperties`).
        const v = inNew ? foldedVerdicts(walk, oldRest, asSchema(newProps[name])) : foldedVerdicts(walk, asSchema(oldProps[name]), newRest);
        const wasRequired = oldRequired.has(name);
        const isRequired = newRequired.has(name);
        const verdicts = { oldReadsNew: wasRequired && !isRequired ? 'breaks' : v.oldReadsNew, newReadsOld: isRequired && !wasRequired ? 'breaks' : v.newReadsOld } as const;
        const required = inNew ? isRequired : wasRequired;
        add(walk, inNew ? 'property-added' : 'property-removed', at, `${required ? 'required' : 'optional'} property \`${name}\` ${inNew ? 'added' : 'removed'}`, 'properties', verdicts);
      }
    } else {
      comparePresence(walk, oldRequired.has(name), newRequired.has(name), name, at);
    }
  }
  compareRest(walk, oldRest, newRest, { path: [...place.path, 'additionalProperties'], instance: `${place.instance}/*` });
}

function comparePresence(walk: Walk, before: boolean, after: boolean, name: string, place: Place): void {
  if (before === after) return;
  add(walk, after ? 'property-made-required' : 'property-made-optional', place, `property \`${name}\` made ${after ? 'required' : 'optional'}`, 'required');
}

/** `additionalProperties`: true/false/absent are whole answers; two schemas are compared like any. */
function compareRest(walk: Walk, oldRest: Schema, newRest: Schema, place: Place): void {
  if (canonicalJson(oldRest) === canonicalJson(newRest) && !hasRef(newRest)) return;
  if (typeof oldRest === 'boolean' || typeof newRest === 'boolean') {
    const v = foldedVerdicts(walk, oldRest, newRest);
    if (v.oldReadsNew === 'ok' && v.newReadsOld === 'ok') return;
    const kind = v.oldReadsNew === 'ok' ? 'narrowed' : v.newReadsOld === 'ok' ? 'widened' : 'changed';
    add(walk, kind, place, `additionalProperties ${show(oldRest)} → ${show(newRest)}`, 'additionalProperties');
    return;
  }
  compareSchemas(walk, oldRest, newRest, place);
}

function compareArrays(walk: Walk, oldNode: JsonSchema, newNode: JsonSchema, place: Place): void {
  if (oldNode['items'] !== undefined || newNode['items'] !== undefined) {
    compareSchemas(walk, asSchema(oldNode['items']), asSchema(newNode['items']), { path: [...place.path, 'items'], instance: `${place.instance}/*` });
  }
  compareEach(walk, 'prefixItems', oldNode, newNode, place, (i) => `${place.instance}/${i}`);
  compareEach(walk, 'anyOf', oldNode, newNode, place, () => place.instance);
  compareEach(walk, 'allOf', oldNode, newNode, place, () => place.instance);
}

/**
 * A list of schemas compared position by position (sound for `anyOf`, `allOf` and
 * `prefixItems`: each side is the union/intersection of its items). Lists of different
 * lengths are unclassifiable.
 */
function compareEach(walk: Walk, keyword: string, oldNode: JsonSchema, newNode: JsonSchema, place: Place, instance: (i: number) => string): void {
  const before = oldNode[keyword];
  const after = newNode[keyword];
  if (before === undefined && after === undefined) return;
  if (!Array.isArray(before) || !Array.isArray(after) || before.length !== after.length) {
    if (canonicalJson(before) !== canonicalJson(after)) add(walk, 'unclassifiable', { ...place, path: [...place.path, keyword] }, `\`${keyword}\` changed its number of schemas`, keyword);
    return;
  }
  before.forEach((item, i) => compareSchemas(walk, asSchema(item), asSchema(after[i]), { path: [...place.path, keyword, String(i)], instance: instance(i) }));
}

function compareAnnotations(walk: Walk, oldNode: JsonSchema, newNode: JsonSchema, place: Place): void {
  const changed = [...ANNOTATIONS].filter((k) => canonicalJson(oldNode[k]) !== canonicalJson(newNode[k]));
  if (changed.length > 0) add(walk, 'annotation-changed', { ...place, path: [...place.path, changed[0]!] }, `${changed.join(', ')} changed`, changed[0]);
}

/** Every other keyword: annotations, bounds, independent assertions; anything else must be equal. */
function compareKeywords(walk: Walk, oldNode: JsonSchema, newNode: JsonSchema, place: Place): void {
  compareAnnotations(walk, oldNode, newNode, place);
  const keywords = [...new Set([...Object.keys(oldNode), ...Object.keys(newNode)])].sort();
  for (const keyword of keywords) {
    if (ANNOTATIONS.has(keyword) || GROUPED.has(keyword)) continue;
    const before = oldNode[keyword];
    const after = newNode[keyword];
    if (canonicalJson(before) === canonicalJson(after)) continue;
    const at: Place = { ...place, path: [...place.path, keyword] };
    const kind = classifyKeyword(keyword, before, after);
    if (kind === undefined) continue;
    const message = before === undefined ? `${keyword} ${show(after)} added` : after === undefined ? `${keyword} ${show(before)} removed` : `${keyword} ${show(before)} → ${show(after)}`;
    add(walk, kind, at, kind === 'unclassifiable' ? `${message}: cannot tell which states each accepts` : message, keyword);
  }
}

/** How one keyword's change moves the set of valid states; undefined when it does not (e.g. `uniqueItems: false` added). */
function classifyKeyword(keyword: string, before: unknown, after: unknown): SchemaChangeKind | undefined {
  const lower = LOWER_BOUNDS.has(keyword);
  if (lower || UPPER_BOUNDS.has(keyword)) {
    if (before === undefined) return 'narrowed';
    if (after === undefined) return 'widened';
    if (typeof before !== 'number' || typeof after !== 'number') return 'unclassifiable';
    return (after > before) === lower ? 'narrowed' : 'widened';
  }
  if (keyword === 'uniqueItems') return (after === true) === (before === true) ? undefined : after === true ? 'narrowed' : 'widened';
  if (INDEPENDENT.has(keyword)) {
    if (before === undefined) return 'narrowed';
    if (after === undefined) return 'widened';
    if (keyword === 'multipleOf' && typeof before === 'number' && typeof after === 'number') {
      if (Number.isInteger(after / before)) return 'narrowed';
      if (Number.isInteger(before / after)) return 'widened';
    }
  }
  return 'unclassifiable';
}
