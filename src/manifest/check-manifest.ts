/**
 * One YAML document → one manifest, checked against the manifest format of MANIFEST.md.
 * Every problem becomes a `manifest-invalid` diagnostic at the offending key or value;
 * whatever can be recovered (the domain's name above all) is still returned, so that one
 * mistake does not cascade into `unknown-dependency` errors elsewhere.
 */
import { isMap, isScalar, isSeq, type Node } from 'yaml';
import type { JsonSchema } from './source-location.js';
import { createManifestInvalidDiagnostic, type Diagnostic, type Span } from './diagnostics.js';
import { suggestClosest } from './suggest.js';
import { entriesOf, spanOfNode, type YamlDocument } from './yaml-document.js';

export const NAME_PATTERN = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;
/** MANIFEST.md: names at most 64 characters (they become topics, type names and file names). */
export const NAME_MAX_LENGTH = 64;
/** MANIFEST.md: `version` 1 .. 2147483647, so every version survives JSON and the envelope's checks exactly. */
export const VERSION_MAX = 2_147_483_647;

export const MANIFEST_KEYS = ['domain', 'owner', 'version', 'description', 'dependsOn', 'state'] as const;
const DEPENDENCY_KEYS = ['domain', 'optional'] as const;

export interface ManifestDependency {
  readonly domain: string;
  readonly optional: boolean;
  readonly span: Span;
}

/** A manifest as far as it could be read; `valid` is false when any `manifest-invalid` was reported. */
export interface Manifest {
  readonly file: string;
  readonly document: YamlDocument;
  readonly valid: boolean;
  /** The domain's name, when well-formed. */
  readonly domain?: string;
  /** Where the `domain` value stands (else the document start). */
  readonly span: Span;
  /** Where the `domain` key stands (else the document start). */
  readonly keySpan: Span;
  readonly owner?: string;
  readonly version?: number;
  readonly description?: string;
  readonly dependsOn: readonly ManifestDependency[];
  /** The `state` schema as data, when it is a mapping. */
  readonly state?: JsonSchema;
  /** The YAML node of `state`, for positions inside it. */
  readonly stateNode?: Node;
  readonly stateSpan?: Span;
}

export interface CheckedManifest {
  readonly manifest: Manifest;
  readonly diagnostics: readonly Diagnostic[];
}

function describeValue(node: Node | null): string {
  if (node === null || (isScalar(node) && node.value === null)) return 'nothing';
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) {
    const v = node.value;
    if (typeof v === 'string') return `the text \`${v.length > 40 ? v.slice(0, 40) + '…' : v}\``;
    return `\`${String(v)}\``;
  }
  return 'an unsupported value';
}

function checkName(doc: YamlDocument, key: string, node: Node | null, diagnostics: Diagnostic[]): string | undefined {
  if (!isScalar(node) || typeof node.value !== 'string') {
    diagnostics.push(createManifestInvalidDiagnostic(spanOfNode(doc, node), `\`${key}\` must be a name like \`lighting-service\`, got ${describeValue(node)}`));
    return undefined;
  }
  if (node.value.length > NAME_MAX_LENGTH) {
    diagnostics.push(
      createManifestInvalidDiagnostic(
        spanOfNode(doc, node),
        `\`${key}\` ${describeValue(node)} is ${node.value.length} characters long: a name has at most ${NAME_MAX_LENGTH}`,
        'use a shorter name',
      ),
    );
    return undefined;
  }
  if (!NAME_PATTERN.test(node.value)) {
    const fixed = node.value.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^[^a-z]+|-+$/g, '');
    diagnostics.push(
      createManifestInvalidDiagnostic(
        spanOfNode(doc, node),
        `\`${key}\` \`${node.value}\` is not a valid name: use lowercase letters and digits, words joined by single dashes, starting with a letter`,
        fixed !== '' && NAME_PATTERN.test(fixed) ? `for example \`${fixed}\`` : undefined,
      ),
    );
    return undefined;
  }
  return node.value;
}

/** A copy of JSON-like data with every object's keys in sorted order (arrays keep theirs). */
export function sortKeysDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.keys(value)
    .sort()
    .map((key) => [key, sortKeysDeep((value as Record<string, unknown>)[key])] as const);
  return Object.fromEntries(entries);
}

function unknownKey(doc: YamlDocument, where: string, name: string, key: Node | null, known: readonly string[]): Diagnostic {
  const suggestion = suggestClosest(name, known);
  return createManifestInvalidDiagnostic(
    spanOfNode(doc, key),
    `unknown key \`${name}\` in ${where}`,
    suggestion === undefined ? `known keys: ${known.join(', ')}; keys starting with \`x-\` are ignored` : `did you mean \`${suggestion}\`?`,
  );
}

export function checkManifest(doc: YamlDocument): CheckedManifest {
  const diagnostics: Diagnostic[] = [];
  const root = doc.document.contents;
  const startSpan = spanOfNode(doc, root);
  if (!isMap(root)) {
    diagnostics.push(
      createManifestInvalidDiagnostic(startSpan, `a manifest must be a mapping with \`domain\`, \`owner\`, \`version\` and \`state\`, got ${describeValue(root)}`),
    );
    return { manifest: { file: doc.file, document: doc, valid: false, span: startSpan, keySpan: startSpan, dependsOn: [] }, diagnostics };
  }
  const entries = entriesOf(doc, root);
  const byName = new Map(entries.map((e) => [e.name, e]));
  for (const entry of entries) {
    if (entry.name.startsWith('x-') || (MANIFEST_KEYS as readonly string[]).includes(entry.name)) continue;
    diagnostics.push(unknownKey(doc, 'a manifest', entry.name, entry.key, MANIFEST_KEYS));
  }
  for (const required of ['domain', 'owner', 'version', 'state'] as const) {
    if (!byName.has(required)) {
      diagnostics.push(createManifestInvalidDiagnostic(startSpan, `missing required key \`${required}\``, requiredHint(required)));
    }
  }

  const domainEntry = byName.get('domain');
  const domain = domainEntry ? checkName(doc, 'domain', domainEntry.value, diagnostics) : undefined;
  const ownerEntry = byName.get('owner');
  const owner = ownerEntry ? checkName(doc, 'owner', ownerEntry.value, diagnostics) : undefined;

  let version: number | undefined;
  const versionEntry = byName.get('version');
  if (versionEntry) {
    const v = versionEntry.value;
    if (isScalar(v) && typeof v.value === 'number' && Number.isInteger(v.value) && v.value >= 1 && v.value <= VERSION_MAX) version = v.value;
    else {
      // The text as written: 9007199254740993 reads as …992, 1e40 as a float.
      const written = isScalar(v) && typeof v.value === 'number' && typeof v.source === 'string' ? `\`${v.source.length > 40 ? v.source.slice(0, 40) + '…' : v.source}\`` : describeValue(v);
      diagnostics.push(
        createManifestInvalidDiagnostic(spanOfNode(doc, v), `\`version\` must be an integer from 1 to ${VERSION_MAX}, got ${written}`, 'start at `version: 1`; bump it on a breaking change of `state`'),
      );
    }
  }

  let description: string | undefined;
  const descriptionEntry = byName.get('description');
  if (descriptionEntry) {
    const v = descriptionEntry.value;
    if (isScalar(v) && typeof v.value === 'string') description = v.value;
    else diagnostics.push(createManifestInvalidDiagnostic(spanOfNode(doc, v), `\`description\` must be text, got ${describeValue(v)}`));
  }

  const dependsOn: ManifestDependency[] = [];
  const dependsEntry = byName.get('dependsOn');
  if (dependsEntry) checkDependsOn(doc, dependsEntry.value, dependsOn, diagnostics);

  let state: JsonSchema | undefined;
  let stateNode: Node | undefined;
  let stateSpan: Span | undefined;
  const stateEntry = byName.get('state');
  if (stateEntry) {
    const v = stateEntry.value;
    if (isMap(v)) {
      // Keys sorted: key order means nothing in a JSON Schema, so it must change no generated byte.
      state = sortKeysDeep((doc.value as Record<string, unknown>)['state']) as JsonSchema;
      stateNode = v;
      stateSpan = spanOfNode(doc, stateEntry.key);
    } else {
      diagnostics.push(createManifestInvalidDiagnostic(spanOfNode(doc, v), `\`state\` must be a JSON Schema mapping (with \`type: object\`), got ${describeValue(v)}`));
    }
  }

  const span = domainEntry ? spanOfNode(doc, domainEntry.value) : startSpan;
  const manifest: Manifest = {
    file: doc.file,
    document: doc,
    valid: diagnostics.length === 0,
    span,
    keySpan: domainEntry ? spanOfNode(doc, domainEntry.key) : startSpan,
    dependsOn,
    ...(domain === undefined ? {} : { domain }),
    ...(owner === undefined ? {} : { owner }),
    ...(version === undefined ? {} : { version }),
    ...(description === undefined ? {} : { description }),
    ...(state === undefined ? {} : { state }),
    ...(stateNode === undefined ? {} : { stateNode }),
    ...(stateSpan === undefined ? {} : { stateSpan }),
  };
  return { manifest, diagnostics };
}

function requiredHint(key: 'domain' | 'owner' | 'version' | 'state'): string {
  switch (key) {
    case 'domain':
      return 'name the slice of state this manifest describes, e.g. `domain: lighting`';
    case 'owner':
      return 'name the one service that publishes it, e.g. `owner: lighting-service`';
    case 'version':
      return 'start at `version: 1`';
    case 'state':
      return 'describe the state as a JSON Schema with `type: object`';
  }
}

function checkDependsOn(doc: YamlDocument, node: Node | null, out: ManifestDependency[], diagnostics: Diagnostic[]): void {
  if (!isSeq(node)) {
    diagnostics.push(createManifestInvalidDiagnostic(spanOfNode(doc, node), `\`dependsOn\` must be a list of domains, got ${describeValue(node)}`, 'write `dependsOn: [power]` or one `- power` per line'));
    return;
  }
  const seen = new Map<string, Span>();
  for (const item of node.items as Array<Node | null>) {
    let dependency: ManifestDependency | undefined;
    if (isScalar(item)) {
      const name = checkName(doc, 'dependsOn entry', item, diagnostics);
      if (name !== undefined) dependency = { domain: name, optional: false, span: spanOfNode(doc, item) };
    } else if (isMap(item)) {
      const entries = entriesOf(doc, item);
      let bad = false;
      for (const entry of entries) {
        if (entry.name.startsWith('x-') || (DEPENDENCY_KEYS as readonly string[]).includes(entry.name)) continue;
        diagnostics.push(unknownKey(doc, 'a dependsOn entry', entry.name, entry.key, DEPENDENCY_KEYS));
        bad = true;
      }
      const domainEntry = entries.find((e) => e.name === 'domain');
      const optionalEntry = entries.find((e) => e.name === 'optional');
      let optional = false;
      if (optionalEntry) {
        const v = optionalEntry.value;
        if (isScalar(v) && typeof v.value === 'boolean') optional = v.value;
        else {
          diagnostics.push(createManifestInvalidDiagnostic(spanOfNode(doc, v), `\`optional\` must be \`true\` or \`false\`, got ${describeValue(v)}`));
          bad = true;
        }
      }
      if (!domainEntry) {
        diagnostics.push(createManifestInvalidDiagnostic(spanOfNode(doc, item), 'a dependsOn entry in long form needs `domain`', 'write `- domain: power` (and `optional: true` if the owner should not wait for it)'));
      } else {
        const name = checkName(doc, 'dependsOn entry `domain`', domainEntry.value, diagnostics);
        if (name !== undefined && !bad) dependency = { domain: name, optional, span: spanOfNode(doc, domainEntry.value) };
      }
    } else {
      diagnostics.push(createManifestInvalidDiagnostic(spanOfNode(doc, item), `a dependsOn entry must be a domain name or a mapping with \`domain\` and \`optional\`, got ${describeValue(item)}`));
    }
    if (dependency === undefined) continue;
    const previous = seen.get(dependency.domain);
    if (previous) {
      diagnostics.push(createManifestInvalidDiagnostic(dependency.span, `\`${dependency.domain}\` is listed twice in \`dependsOn\` (first at line ${previous.line})`, 'list each dependency once'));
      continue;
    }
    seen.set(dependency.domain, dependency.span);
    out.push(dependency);
  }
}
