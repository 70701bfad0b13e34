/** What `chinook run` tells each service process it starts (JSON in one environment variable). */
export const JOB_VARIABLE = 'CHINOOK_SERVICE_JOB';

export interface ServiceJob {
  readonly service: string;
  /** The compiled generated index (file URL). */
  readonly generated: string;
  /** The compiled handler (file URL); absent when the service has no handler file. */
  readonly handler?: string;
  /** The handlers' and generated code's folders, for messages. */
  readonly handlers: string;
  readonly out: string;
  readonly dependencyTimeoutMs: number;
  readonly onDependencyLost: 'pause' | 'exit';
  readonly keepaliveSeconds: number;
  readonly system?: string;
}
