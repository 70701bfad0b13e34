/**
 * Where a change stands in a manifest file: a path of keys from the manifest's root
 * (`['state', '$defs', 'Lamp', 'properties', 'brightness', 'maximum']`) → line and column,
 * in the document of that file that declares the domain. A path that no longer exists
 * (a removed property) ends at the deepest part that does. Pure: texts in, positions out.
 */
import type { Span } from '../manifest/diagnostics.js';
import { entriesOf, findEntry, parseYamlFile, spanOfNode, type YamlDocument } from '../manifest/yaml-document.js';
import type { SourceLocation } from './types.js';

export type ChangeLocator = (file: string, domain: string, path: readonly string[], fallback: SourceLocation) => Span;

/** A locator over manifest texts by file (each file parsed once, on first use). */
export function createChangeLocator(sources: ReadonlyMap<string, string>): ChangeLocator {
  const parsed = new Map<string, readonly YamlDocument[]>();
  const documentsOf = (file: string): readonly YamlDocument[] => {
    let documents = parsed.get(file);
    if (documents === undefined) {
      const text = sources.get(file);
      documents = text === undefined ? [] : parseYamlFile(file, text).documents;
      parsed.set(file, documents);
    }
    return documents;
  };
  return (file, domain, path, fallback) => {
    const document = documentsOf(file).find((d) => entriesOf(d, d.document.contents).some((e) => e.name === 'domain' && String((e.value as { value?: unknown } | null)?.value) === domain));
    if (document === undefined) return fallback;
    const entry = findEntry(document, document.document.contents, path);
    const node = entry.key ?? entry.value;
    return node === null ? fallback : spanOfNode(document, node);
  };
}
