import * as util from 'node:util';

/** The terminal styles the CLI uses. */
export type Style = 'bold' | 'dim' | 'red' | 'green' | 'yellow' | 'cyan';

/**
 * `text` in a terminal style (`node:util` styleText). Whether to style at all is the caller's
 * choice (`CliContext.color`: a terminal, NO_COLOR unset), so the stream is not checked here.
 * Node 20.0 to 20.11 have no styleText: there the same codes come from `util.inspect.colors`.
 */
export function style(name: Style, text: string): string {
  if (typeof util.styleText === 'function') return util.styleText(name, text, { validateStream: false });
  const [open, close] = util.inspect.colors[name]!;
  return `\x1b[${open}m${text}\x1b[${close}m`;
}
