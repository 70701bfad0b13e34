/**
 * The manifest format's one definition: schemas/manifest.schema.json. Editors read it
 * (`# yaml-language-server: $schema=…`), `checkManifest` validates every manifest with it,
 * and the few numbers and key lists the rest of the toolchain needs are read from it here,
 * so that no second copy of the format exists. No ajv here: `chinook init` needs only
 * the name pattern.
 */
import { createRequire } from 'node:module';

interface NameSchema {
  readonly type: 'string';
  readonly maxLength: number;
  readonly pattern: string;
}

/** The parts of schemas/manifest.schema.json this file reads (the file itself is the whole truth). */
export interface ManifestSchema {
  readonly required: readonly string[];
  readonly properties: {
    readonly version: { readonly maximum: number };
    readonly dependsOn: { readonly items: { readonly anyOf: readonly [unknown, { readonly properties: object }] } };
  } & { readonly [key: string]: unknown };
  readonly definitions: { readonly name: NameSchema };
}

// A JSON file of this package (shipped with it, see package.json `files`), one folder up from src/ and dist/.
export const MANIFEST_SCHEMA = createRequire(import.meta.url)('../../schemas/manifest.schema.json') as ManifestSchema;

/** MANIFEST.md: lowercase words joined by single dashes, starting with a letter. */
export const NAME_PATTERN = new RegExp(MANIFEST_SCHEMA.definitions.name.pattern);
/** MANIFEST.md: names at most 64 characters (they become topics, type names and file names). */
export const NAME_MAX_LENGTH = MANIFEST_SCHEMA.definitions.name.maxLength;
/** MANIFEST.md: `version` 1 .. 2147483647, so every version survives JSON and the envelope's checks exactly. */
export const VERSION_MAX = MANIFEST_SCHEMA.properties.version.maximum;

/** The top-level keys, in the schema's order (the order hints list them in). */
export const MANIFEST_KEYS: readonly string[] = Object.keys(MANIFEST_SCHEMA.properties);
/** The keys of a `dependsOn` entry in long form. */
export const DEPENDENCY_KEYS: readonly string[] = Object.keys(MANIFEST_SCHEMA.properties.dependsOn.items.anyOf[1].properties);
