/**
 * Manifest texts → the resolved system model, plus every diagnostic. Pure: no file system.
 * The model exists only when no error does; the graph is built from whatever could be read
 * so that `chinook graph` can still draw a system whose only problem is a loop.
 */
import type { Ajv2020 } from 'ajv/dist/2020.js';
import { checkManifest, type Manifest } from '../manifest/check-manifest.js';
import { checkStateSchema, createStateAjv } from '../manifest/check-state-schema.js';
import { createStateSchemaCompiler, type StateSchemaCompiler } from '../manifest/compile-state-schema.js';
import {
  compareDiagnostics,
  createDuplicateDomainDiagnostic,
  createNoManifestsDiagnostic,
  createSelfDependencyDiagnostic,
  createUnknownDependencyDiagnostic,
  type Diagnostic,
} from '../manifest/diagnostics.js';
import { suggestClosest } from '../manifest/suggest.js';
import { parseYamlFile } from '../manifest/yaml-document.js';
import { sortGraphEdges, type DependencyGraph, type GraphEdge } from './dependency-graph.js';
import { compareStrings as cmp } from './compare.js';
import type { DependencyModel, DomainModel, ServiceModel, SystemModel, WaitForEdge } from './types.js';
import { diagnoseLoops, findServiceLoops } from './wait-for-graph.js';

export interface ManifestFile {
  /** Relative to the current directory, `/`-separated. */
  readonly path: string;
  readonly text: string;
}

export interface BuildOptions {
  /** The system's name. */
  readonly system: string;
  /** The manifest folder as the user named it (reported by `no-manifests`). */
  readonly folder: string;
  /** The ajv that checks schemas against the meta-schema, reused across builds (benchmarks); a fresh one otherwise. */
  readonly ajv?: Ajv2020;
  /**
   * Compiles each `state` strictly. Pass the same one to `createGenerateContext` and
   * codegen reuses those compiled validators instead of compiling every schema again.
   */
  readonly compiler?: StateSchemaCompiler;
}

export interface BuildResult {
  /** Present iff no diagnostic is an error. */
  readonly model: SystemModel | undefined;
  /** Sorted by file, line, column. */
  readonly diagnostics: readonly Diagnostic[];
  /** Services, edges and loops of whatever could be read. */
  readonly graph: DependencyGraph;
  /** Manifests found (documents that hold something), valid or not. */
  readonly manifestCount: number;
}

interface ReadManifests {
  readonly manifests: Manifest[];
  /** Nothing parsed and nothing failed to parse: the folder holds no manifest. */
  readonly empty: boolean;
  /** Domains declared in files that do not parse: a dependency on them is not also an error. */
  readonly unparsedDomains: ReadonlySet<string>;
}

interface ResolvedEdges {
  readonly waitEdges: WaitForEdge[];
  readonly graphEdges: GraphEdge[];
}

export function buildSystem(files: readonly ManifestFile[], options: BuildOptions): BuildResult {
  const diagnostics: Diagnostic[] = [];
  const { manifests, empty, unparsedDomains } = readManifests(files, options, diagnostics);
  if (empty) diagnostics.push(createNoManifestsDiagnostic(options.folder));
  const byDomain = registerDomains(manifests, diagnostics);
  const { waitEdges, graphEdges } = resolveDependencies(manifests, byDomain, unparsedDomains, diagnostics);
  const owners = domainsByOwner(byDomain);
  const serviceNames = [...owners.keys()].sort(cmp);
  const loops = findServiceLoops(serviceNames, waitEdges);
  diagnostics.push(...diagnoseLoops(loops));
  diagnostics.sort(compareDiagnostics);

  const graph: DependencyGraph = {
    system: options.system,
    services: serviceNames.map((name) => ({ name, owns: [...owners.get(name)!].sort(cmp) })),
    edges: sortGraphEdges(graphEdges),
    loops,
  };
  const hasError = diagnostics.some((d) => d.severity === 'error');
  const model = hasError ? undefined : createModel(options.system, [...byDomain.values()], waitEdges, serviceNames);
  return { model, diagnostics, graph, manifestCount: manifests.length };
}

/** Parse and check every file, in path order; their diagnostics go to `diagnostics`. */
function readManifests(files: readonly ManifestFile[], options: BuildOptions, diagnostics: Diagnostic[]): ReadManifests {
  const sorted = [...files].sort((a, b) => cmp(a.path, b.path));
  const manifests: Manifest[] = [];
  // checkStateSchema runs the meta-schema check itself (to map its errors); compile need not repeat it.
  const ajv = options.ajv ?? createStateAjv({ validateSchema: false });
  const compiler = options.compiler ?? createStateSchemaCompiler();
  let syntaxErrors = 0;
  const unparsedDomains = new Set<string>();
  for (const file of sorted) {
    const parsed = parseYamlFile(file.path, file.text);
    diagnostics.push(...parsed.diagnostics);
    syntaxErrors += parsed.diagnostics.length;
    if (parsed.diagnostics.length > 0) for (const name of guessDomainNames(file.text)) unparsedDomains.add(name);
    for (const document of parsed.documents) {
      const checked = checkManifest(document);
      diagnostics.push(...checked.diagnostics);
      diagnostics.push(...checkStateSchema(checked.manifest, ajv, compiler));
      manifests.push(checked.manifest);
    }
  }
  return { manifests, empty: manifests.length === 0 && syntaxErrors === 0, unparsedDomains };
}

/** Each domain's manifest: the first declaration in sorted path order wins; later ones are the error. */
function registerDomains(manifests: readonly Manifest[], diagnostics: Diagnostic[]): Map<string, Manifest> {
  const byDomain = new Map<string, Manifest>();
  for (const manifest of manifests) {
    if (manifest.domain === undefined) continue;
    const previous = byDomain.get(manifest.domain);
    if (previous) diagnostics.push(createDuplicateDomainDiagnostic(manifest.span, manifest.domain, previous.span));
    else byDomain.set(manifest.domain, manifest);
  }
  return byDomain;
}

/** The edges between services that `dependsOn` makes; unknown and self dependencies are diagnosed. */
function resolveDependencies(
  manifests: readonly Manifest[],
  byDomain: ReadonlyMap<string, Manifest>,
  unparsedDomains: ReadonlySet<string>,
  diagnostics: Diagnostic[],
): ResolvedEdges {
  const waitEdges: WaitForEdge[] = [];
  const graphEdges: GraphEdge[] = [];
  for (const manifest of manifests) {
    if (manifest.domain === undefined) continue;
    const registered = byDomain.get(manifest.domain) === manifest;
    for (const dependency of manifest.dependsOn) {
      const target = byDomain.get(dependency.domain);
      if (!target) {
        if (unparsedDomains.has(dependency.domain)) continue;
        diagnostics.push(createUnknownDependencyDiagnostic(dependency.span, manifest.domain, dependency.domain, suggestClosest(dependency.domain, byDomain.keys())));
        continue;
      }
      if (manifest.owner === undefined || target.owner === undefined) continue;
      if (target.owner === manifest.owner) {
        diagnostics.push(createSelfDependencyDiagnostic(dependency.span, manifest.domain, dependency.domain, manifest.owner));
        continue;
      }
      if (!registered) continue;
      const edge = { from: manifest.owner, to: target.owner, domain: manifest.domain, dependency: dependency.domain };
      graphEdges.push({ ...edge, optional: dependency.optional });
      if (!dependency.optional) waitEdges.push({ ...edge, location: dependency.span });
    }
  }
  return { waitEdges, graphEdges };
}

/** The registered domains of each owner, in registration order. */
function domainsByOwner(byDomain: ReadonlyMap<string, Manifest>): Map<string, string[]> {
  const owners = new Map<string, string[]>();
  for (const manifest of byDomain.values()) {
    if (manifest.owner === undefined) continue;
    const owns = owners.get(manifest.owner) ?? [];
    owns.push(manifest.domain!);
    owners.set(manifest.owner, owns);
  }
  return owners;
}

/** Top-level `domain: name` lines of a file the YAML parser rejected. */
function guessDomainNames(text: string): string[] {
  return [...text.matchAll(/^domain:[ \t]*['"]?([a-z][a-z0-9-]*)['"]?[ \t]*(?:#.*)?$/gm)].map((m) => m[1]!);
}

function createModel(system: string, manifests: readonly Manifest[], waitEdges: readonly WaitForEdge[], serviceNames: readonly string[]): SystemModel {
  const domains: DomainModel[] = manifests
    .map((m): DomainModel => {
      const dependsOn: DependencyModel[] = m.dependsOn
        .map((d) => ({ domain: d.domain, optional: d.optional, location: d.span }))
        .sort((a, b) => cmp(a.domain, b.domain));
      return {
        name: m.domain!,
        owner: m.owner!,
        version: m.version!,
        ...(m.description === undefined ? {} : { description: m.description }),
        dependsOn,
        state: m.state!,
        file: m.file,
        location: m.keySpan,
      };
    })
    .sort((a, b) => cmp(a.name, b.name));
  const domainsByName = new Map(domains.map((d) => [d.name, d]));
  const services: ServiceModel[] = serviceNames.map((name) => {
    const owned = domains.filter((d) => d.owner === name);
    const waits = new Set<string>();
    const optional = new Set<string>();
    for (const domain of owned) {
      for (const dependency of domain.dependsOn) {
        if (dependency.optional) optional.add(dependency.domain);
        else waits.add(dependency.domain);
      }
    }
    for (const w of waits) optional.delete(w);
    return {
      name,
      owns: owned.map((d) => d.name),
      waitsFor: [...waits].sort(cmp),
      optional: [...optional].sort(cmp),
    };
  });
  const sortedEdges = [...waitEdges].sort((a, b) => cmp(a.from, b.from) || cmp(a.to, b.to) || cmp(a.domain, b.domain) || cmp(a.dependency, b.dependency));
  return {
    name: system,
    domains,
    services,
    waitsFor: sortedEdges,
    domainsByName,
    servicesByName: new Map(services.map((s) => [s.name, s])),
  };
}
