/**
 * The topic layout of PROTOCOL.md, one definition for every layer: the model (access
 * rights), codegen (the topic map), the runtime and the CLI all name topics through these.
 */

/** `<prefix>/state/<domain>` */
export function stateTopic(prefix: string, domain: string): string {
  return `${prefix}/state/${domain}`;
}

/** `<prefix>/status/<service>` */
export function statusTopic(prefix: string, service: string): string {
  return `${prefix}/status/${service}`;
}

/** `<prefix>/state/+`: every domain's state. */
export function allStates(prefix: string): string {
  return stateTopic(prefix, '+');
}

/** `<prefix>/status/+`: every service's status. */
export function allStatuses(prefix: string): string {
  return statusTopic(prefix, '+');
}

/** `<prefix>/state/`: what every state topic starts with; the domain follows. */
export function stateTopicPrefix(prefix: string): string {
  return stateTopic(prefix, '');
}

/** `<prefix>/status/`: what every status topic starts with; the service follows. */
export function statusTopicPrefix(prefix: string): string {
  return statusTopic(prefix, '');
}
