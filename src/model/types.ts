/**
 * The resolved system: what every emitter and the CLI work from.
 *
 * Built once by `buildSystem` from loaded manifests, never mutated afterwards.
 * Every list is sorted by name so that anything derived from the model is
 * deterministic whatever order the manifest files were read in.
 */

import type { JsonSchema, SourceLocation } from '../manifest/source-location.js';

export type { JsonSchema, SourceLocation };

export interface DependencyModel {
  /** The domain depended on. */
  readonly domain: string;
  /** Optional dependencies are received but never waited for. */
  readonly optional: boolean;
  /** Where the `dependsOn` entry stands. */
  readonly location: SourceLocation;
}

export interface DomainModel {
  readonly name: string;
  readonly owner: string;
  /** Major version of `state`. */
  readonly version: number;
  readonly description?: string;
  /** Sorted by domain name. */
  readonly dependsOn: readonly DependencyModel[];
  /** The JSON Schema (draft 2020-12) of the state; its root is an object schema; every object's keys sorted. */
  readonly state: JsonSchema;
  /** The manifest's file, relative to the current directory, `/`-separated. */
  readonly file: string;
  /** Where the manifest's `domain` key stands. */
  readonly location: SourceLocation;
}

export interface ServiceModel {
  readonly name: string;
  /** Domains this service publishes, sorted. */
  readonly owns: readonly string[];
  /** Domains of other services this service requires (it waits for them), sorted. */
  readonly waitsFor: readonly string[];
  /** Domains of other services this service receives without waiting, sorted, disjoint from waitsFor. */
  readonly optional: readonly string[];
}

/** One edge of the service wait-for graph: `from` waits for `to` because `domain` requires `dependency`. */
export interface WaitForEdge {
  readonly from: string;
  readonly to: string;
  /** The domain (owned by `from`) whose dependency makes the edge. */
  readonly domain: string;
  /** The domain (owned by `to`) that is waited for. */
  readonly dependency: string;
  readonly location: SourceLocation;
}

export interface SystemModel {
  /** The system's name (`chinook.config.yaml` `system`, default `default`). */
  readonly name: string;
  /** Sorted by name. */
  readonly domains: readonly DomainModel[];
  /** Sorted by name. */
  readonly services: readonly ServiceModel[];
  /** Sorted by (from, to, domain, dependency). */
  readonly waitsFor: readonly WaitForEdge[];
  readonly domainsByName: ReadonlyMap<string, DomainModel>;
  readonly servicesByName: ReadonlyMap<string, ServiceModel>;
}
