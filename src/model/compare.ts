/**
 * The one order every sorted list of the model uses: by UTF-16 code units, as `<` compares,
 * the same on every machine (never `localeCompare`, whose order depends on the locale).
 */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
