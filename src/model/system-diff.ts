/**
 * Two resolved systems (an earlier one and the current one) → each domain's changes, each
 * classified for both directions of a rolling upgrade, and whether the current manifests
 * keep the rules of docs/manifest.md ("Evolving a schema"): a change that breaks either
 * direction comes with a `version` bump; a domain is removed only once no remaining domain
 * requires it. Pure; positions are added by locate-change.ts.
 */
import { diffStateSchemas, holds, type SchemaChangeKind, type Verdict } from './schema-diff.js';
import type { DomainModel, SourceLocation, SystemModel } from './types.js';

export type ManifestChangeKind =
  | SchemaChangeKind
  | 'domain-added'
  | 'domain-removed'
  | 'version-bumped'
  | 'version-lowered'
  | 'owner-changed'
  | 'dependency-added'
  | 'dependency-removed'
  | 'dependency-made-optional'
  | 'dependency-made-required';

export interface ManifestChange {
  readonly kind: ManifestChangeKind;
  readonly keyword?: string;
  readonly message: string;
  /** Segments from the manifest's root (`['state', 'properties', 'lamps']`), in the new manifest (the old one for a removed domain). */
  readonly path: readonly string[];
  /** A known position that overrides `path` (a `dependsOn` entry). */
  readonly at?: SourceLocation;
  /** The part of the state concerned (JSON Pointer, `*` for any item or key); `/` for the whole state or none. */
  readonly instancePath: string;
  readonly oldReadsNew: Verdict;
  readonly newReadsOld: Verdict;
}

/** `unchanged`/`compatible`/`bumped`/`added` pass; `breaking` and `removed` with dependants fail. */
export type DomainVerdict = 'unchanged' | 'compatible' | 'bumped' | 'breaking' | 'added' | 'removed';

export type DiffProblemCode = 'breaking-without-bump' | 'removed-with-dependants' | 'version-lowered';

/** Why the current manifests fail the rules, for one domain. */
export interface DiffProblem {
  readonly code: DiffProblemCode;
  readonly message: string;
  readonly hint: string;
  /** Where to point (segments from the manifest's root, same side as the domain's `file`). */
  readonly path: readonly string[];
}

export interface DomainDiff {
  readonly domain: string;
  readonly verdict: DomainVerdict;
  readonly oldVersion?: number;
  readonly newVersion?: number;
  /** The new manifest's file; for a removed domain, the old one's (`side: 'old'`). */
  readonly file: string;
  readonly side: 'new' | 'old';
  /** Where the manifest's `domain` key stands in `file`. */
  readonly location: SourceLocation;
  readonly changes: readonly ManifestChange[];
  readonly problems: readonly DiffProblem[];
}

export interface SystemDiff {
  /** Every domain of either system, sorted by name. */
  readonly domains: readonly DomainDiff[];
  /** No domain has a problem. */
  readonly ok: boolean;
}

const OK = { oldReadsNew: 'ok', newReadsOld: 'ok' } as const;

export function diffSystems(before: SystemModel, after: SystemModel): SystemDiff {
  const names = [...new Set([...before.domainsByName.keys(), ...after.domainsByName.keys()])].sort();
  const domains = names.map((name): DomainDiff => {
    const oldDomain = before.domainsByName.get(name);
    const newDomain = after.domainsByName.get(name);
    if (oldDomain === undefined) return addedDomain(newDomain!);
    if (newDomain === undefined) return removedDomain(oldDomain, before, after);
    return changedDomain(oldDomain, newDomain);
  });
  return { domains, ok: domains.every((d) => d.problems.length === 0) };
}

function addedDomain(domain: DomainModel): DomainDiff {
  const change: ManifestChange = { kind: 'domain-added', message: `domain \`${domain.name}\` added (version ${domain.version}, owned by \`${domain.owner}\`)`, path: ['domain'], instancePath: '/', ...OK };
  return { domain: domain.name, verdict: 'added', newVersion: domain.version, file: domain.file, side: 'new', location: domain.location, changes: [change], problems: [] };
}

/** Domains of the earlier system that require `domain` and are still in the current one: their running code still waits for it. */
function remainingDependants(domain: string, before: SystemModel, after: SystemModel): DomainModel[] {
  return before.domains.filter((d) => after.domainsByName.has(d.name) && d.dependsOn.some((dep) => dep.domain === domain && !dep.optional));
}

function removedDomain(domain: DomainModel, before: SystemModel, after: SystemModel): DomainDiff {
  const dependants = remainingDependants(domain.name, before, after);
  const names = dependants.map((d) => `\`${d.name}\` (${d.owner})`).join(', ');
  const change: ManifestChange = {
    kind: 'domain-removed',
    message: `domain \`${domain.name}\` removed${dependants.length > 0 ? `; the earlier code of ${names} requires it` : ''}`,
    path: ['domain'],
    instancePath: '/',
    oldReadsNew: dependants.length > 0 ? 'breaks' : 'ok',
    newReadsOld: 'ok',
  };
  const problems: DiffProblem[] = dependants.length === 0 ? [] : [{
    code: 'removed-with-dependants',
    message: `domain \`${domain.name}\` is removed while ${names} ${dependants.length === 1 ? 'requires' : 'require'} it in the earlier manifests`,
    hint: 'first release the dependants without the dependency (or with `optional: true`) and deploy them; remove the domain in a later change',
    path: ['domain'],
  }];
  return { domain: domain.name, verdict: 'removed', oldVersion: domain.version, file: domain.file, side: 'old', location: domain.location, changes: [change], problems };
}

function changedDomain(oldDomain: DomainModel, newDomain: DomainModel): DomainDiff {
  const changes: ManifestChange[] = [];
  if (oldDomain.owner !== newDomain.owner) {
    changes.push({ kind: 'owner-changed', message: `owner \`${oldDomain.owner}\` → \`${newDomain.owner}\`: each side rejects the other's envelopes (\`foreign-owner\`)`, path: ['owner'], instancePath: '/', oldReadsNew: 'breaks', newReadsOld: 'breaks' });
  }
  if ((oldDomain.description ?? '') !== (newDomain.description ?? '')) {
    changes.push({ kind: 'annotation-changed', keyword: 'description', message: 'description changed', path: ['description'], instancePath: '/', ...OK });
  }
  changes.push(...dependencyChanges(oldDomain, newDomain));
  for (const change of diffStateSchemas(oldDomain.state, newDomain.state)) changes.push({ ...change, path: ['state', ...change.path] });
  const breaking = !holds(changes, 'oldReadsNew') || !holds(changes, 'newReadsOld');
  const bumped = newDomain.version > oldDomain.version;
  const problems: DiffProblem[] = [];
  if (newDomain.version !== oldDomain.version) {
    changes.push({ kind: bumped ? 'version-bumped' : 'version-lowered', message: `version ${oldDomain.version} → ${newDomain.version}${bumped && !breaking ? ' (no change requires it)' : ''}`, path: ['version'], instancePath: '/', ...OK });
  }
  if (newDomain.version < oldDomain.version) {
    problems.push({ code: 'version-lowered', message: `\`${newDomain.name}\`: version lowered from ${oldDomain.version} to ${newDomain.version}`, hint: `versions only go up: use ${oldDomain.version + 1} (or more) for a breaking change`, path: ['version'] });
  } else if (breaking && !bumped) {
    const count = changes.filter((c) => c.oldReadsNew === 'breaks' || c.newReadsOld === 'breaks').length;
    problems.push({
      code: 'breaking-without-bump',
      message: `\`${newDomain.name}\` has ${count === 1 ? 'a breaking change' : `${count} breaking changes`} but keeps version ${newDomain.version}`,
      hint: `bump \`version\` to ${oldDomain.version + 1}, or make the change compatible in both directions (docs/manifest.md, "Evolving a schema")`,
      path: ['version'],
    });
  }
  const verdict: DomainVerdict = problems.length > 0 ? 'breaking' : bumped ? 'bumped' : changes.length === 0 ? 'unchanged' : 'compatible';
  return { domain: newDomain.name, verdict, oldVersion: oldDomain.version, newVersion: newDomain.version, file: newDomain.file, side: 'new', location: newDomain.location, changes, problems };
}

/**
 * `dependsOn` changes never touch the states on the wire (both directions ok); they change
 * who waits for whom, which the message says for a new or newly required dependency.
 */
function dependencyChanges(oldDomain: DomainModel, newDomain: DomainModel): ManifestChange[] {
  const before = new Map(oldDomain.dependsOn.map((d) => [d.domain, d.optional]));
  const after = new Map(newDomain.dependsOn.map((d) => [d.domain, d.optional]));
  const out: ManifestChange[] = [];
  for (const dependency of newDomain.dependsOn) {
    const { domain, optional } = dependency;
    const was = before.get(domain);
    const where = { path: ['dependsOn'], at: dependency.location, instancePath: '/', ...OK };
    const waits = `: \`${newDomain.owner}\` now waits for it (deploy its owner first)`;
    if (was === undefined) out.push({ kind: 'dependency-added', message: `${optional ? 'optional' : 'required'} dependency on \`${domain}\` added${optional ? '' : waits}`, ...where });
    else if (was !== optional) out.push({ kind: optional ? 'dependency-made-optional' : 'dependency-made-required', message: `dependency on \`${domain}\` made ${optional ? 'optional' : `required${waits}`}`, ...where });
  }
  for (const domain of before.keys()) {
    if (!after.has(domain)) out.push({ kind: 'dependency-removed', message: `dependency on \`${domain}\` removed`, path: ['dependsOn'], instancePath: '/', ...OK });
  }
  return out;
}
