/** Text mutations shared by the manifest fuzz tests: deleting, inserting and swapping lines. */
import fc from 'fast-check';

export type EditMutation =
  | { readonly kind: 'delete'; readonly at: number; readonly length: number }
  | { readonly kind: 'insert'; readonly at: number; readonly text: string }
  | { readonly kind: 'swapLines'; readonly at: number; readonly other: number };

/** Deletions of up to `maxDelete` characters, insertions of one of `inserts`, swapped lines. */
export function editMutations(inserts: readonly string[], maxDelete: number): fc.Arbitrary<EditMutation>[] {
  return [
    fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: maxDelete }) }),
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.constantFrom(...inserts) }),
    fc.record({ kind: fc.constant('swapLines' as const), at: fc.nat(), other: fc.nat() }),
  ];
}

export function applyEdit(text: string, m: EditMutation): string {
  if (text.length === 0) return text;
  const at = m.at % text.length;
  switch (m.kind) {
    case 'delete':
      return text.slice(0, at) + text.slice(at + m.length);
    case 'insert':
      return text.slice(0, at) + m.text + text.slice(at);
    case 'swapLines': {
      const lines = text.split('\n');
      const a = m.at % lines.length;
      const b = m.other % lines.length;
      [lines[a], lines[b]] = [lines[b]!, lines[a]!];
      return lines.join('\n');
    }
  }
}
