import type { SystemModel } from '../model/types.js';
import type { GenerateContext } from './context.js';

/** One output file; `path` is relative to the output folder, `/`-separated. */
export interface GeneratedFile {
  readonly path: string;
  readonly content: string;
}

/** Pure: the model and the context in, files out. No I/O. */
export type Emitter = (model: SystemModel, ctx: GenerateContext) => readonly GeneratedFile[] | Promise<readonly GeneratedFile[]>;
