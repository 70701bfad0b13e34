/**
 * What `chinook prune` clears: retained states of domains, and retained statuses of
 * services, that the system no longer has. Pure: the retained topics in, the list out.
 */

export interface SystemNames {
  /** `chinook/<system>` (or the configured prefix). */
  readonly prefix: string;
  readonly domains: ReadonlySet<string>;
  readonly services: ReadonlySet<string>;
}

export interface Prunable {
  readonly topic: string;
  readonly kind: 'domain' | 'service';
  readonly name: string;
}

/** Retained topics under `<prefix>/state/` and `<prefix>/status/` naming a domain or service not in the system, sorted. */
export function findPrunable(names: SystemNames, retainedTopics: Iterable<string>): Prunable[] {
  const found: Prunable[] = [];
  for (const topic of new Set(retainedTopics)) {
    const rest = topic.startsWith(`${names.prefix}/`) ? topic.slice(names.prefix.length + 1) : undefined;
    if (rest === undefined) continue;
    const [level, name, ...more] = rest.split('/');
    if (name === undefined || name === '' || more.length > 0) continue;
    if (level === 'state' && !names.domains.has(name)) found.push({ topic, kind: 'domain', name });
    else if (level === 'status' && !names.services.has(name)) found.push({ topic, kind: 'service', name });
  }
  return found.sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : 0));
}

/** A text with every form of the URL's password replaced by `***`: bus errors may quote the URL. */
export function maskPassword(text: string, url: string): string {
  let password: string;
  try {
    password = new URL(url).password;
  } catch {
    const match = /^[a-z][a-z0-9+.-]*:\/\/[^/:@]*:([^@/]*)@/i.exec(url);
    password = match?.[1] ?? '';
  }
  if (password === '') return text;
  let decoded = password;
  try {
    decoded = decodeURIComponent(password);
  } catch {
    // not percent-encoded: only the raw form can appear
  }
  return [password, decoded].reduce((masked, secret) => masked.split(secret).join('***'), text);
}
