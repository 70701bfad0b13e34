/** A place in a manifest file. `file` is relative to the current directory, with `/` separators. */
export interface SourceLocation {
  readonly file: string;
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly column: number;
}

/** A JSON Schema object exactly as written in a manifest's `state` (plain JSON data). */
export type JsonSchema = { readonly [key: string]: unknown };
