/**
 * The shapes of the inspect HTTP API (docs/protocol.md, "External access: the HTTP API").
 * Every `state` in them is a value the domain's generated validator accepted: the inspector
 * applies envelopes by the same rules as a service and keeps nothing else.
 */
import type { Availability } from '../../runtime/contract.js';

export type ServiceStatus = 'online' | 'offline' | 'unknown';

export interface ServiceView {
  readonly name: string;
  /** `unknown` until a status message is seen. */
  readonly status: ServiceStatus;
  /** Epoch of the last status message. */
  readonly epoch?: number;
  /** `time` of the status message that set the current status (the publisher's clock). */
  readonly since?: string;
  readonly owns: readonly string[];
  /** Required dependencies (domains). */
  readonly waitsFor: readonly string[];
  readonly optional: readonly string[];
}

export interface DomainView {
  readonly name: string;
  readonly owner: string;
  readonly version: number;
  /** `missing`: never seen since the inspector started. */
  readonly availability: Availability;
  readonly epoch?: number;
  readonly seq?: number;
  /** The envelope's `time` (the owner's clock). */
  readonly time?: string;
  /** When the inspector applied it, ms since 1970 (the inspector's clock). */
  readonly receivedAt?: number;
  readonly state?: unknown;
  /** Updates applied since the inspector started. */
  readonly updates: number;
}

export interface StateChange {
  /** JSON Pointer into the state (`` for the root). */
  readonly path: string;
  readonly kind: 'added' | 'removed' | 'changed';
  readonly before?: unknown;
  readonly after?: unknown;
}

export interface HistoryEntry {
  readonly epoch: number;
  readonly seq: number;
  readonly time: string;
  readonly receivedAt: number;
  /** What changed from the entry before (empty for the first one the inspector saw). */
  readonly changes: readonly StateChange[];
  /** More changes than listed. */
  readonly truncated: boolean;
}

export interface DomainDetail extends DomainView {
  /** The last updates, newest first. */
  readonly history: readonly HistoryEntry[];
  /** Updates per second over the last minute, oldest first. */
  readonly rates: readonly number[];
}

export interface RejectionCount {
  readonly reason: string;
  /** The domain (or service, for status topics) the topic names. */
  readonly topic: string;
  readonly count: number;
  readonly lastDetail: string;
  readonly lastAt: number;
}

export interface StateResponse {
  readonly protocol: 'chinook/1';
  readonly system: string;
  readonly prefix: string;
  /** Is the inspector connected to the bus right now. */
  readonly connected: boolean;
  readonly at: number;
  readonly domains: { readonly [domain: string]: DomainView };
}

export interface ServicesResponse {
  readonly system: string;
  readonly at: number;
  readonly services: { readonly [service: string]: ServiceView };
}

export interface GraphNode {
  readonly name: string;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
  /** The chips of its domains; past a dozen, the last one is `+N more` (`more: true`, not a domain). */
  readonly domains: readonly { readonly name: string; readonly x: number; readonly y: number; readonly width: number; readonly more?: true }[];
}

export interface GraphEdgeView {
  readonly from: string;
  readonly to: string;
  /** The dependencies that make this edge (domains of `to`). */
  readonly dependencies: readonly string[];
  /** Every dependency it stands for is optional (drawn dashed). */
  readonly optional: boolean;
  /** Part of a dependency loop (drawn red). */
  readonly loop: boolean;
  /** SVG path data. */
  readonly path: string;
}

export interface GraphResponse {
  readonly system: string;
  readonly width: number;
  readonly height: number;
  readonly nodes: readonly GraphNode[];
  readonly edges: readonly GraphEdgeView[];
  /** Each loop as its services in order. */
  readonly loops: readonly (readonly string[])[];
}

/** What `/api/events` streams (SSE `event:` name → `data:` JSON). */
export interface InspectEvents {
  /** First event on every connection: everything the page draws. */
  readonly hello: { readonly state: StateResponse; readonly services: ServicesResponse; readonly rates: { readonly [domain: string]: readonly number[] }; readonly rejections: readonly RejectionCount[] };
  /** Domains that changed since the last batch (coalesced: the latest view of each). */
  readonly domains: { readonly at: number; readonly domains: readonly DomainView[] };
  readonly services: { readonly at: number; readonly services: readonly ServiceView[] };
  /** Once a second: updates applied in the last second, per domain that had any. */
  readonly rates: { readonly at: number; readonly counts: { readonly [domain: string]: number } };
  readonly rejections: { readonly at: number; readonly rejections: readonly RejectionCount[] };
  readonly connection: { readonly at: number; readonly connected: boolean; readonly reason?: string };
}
