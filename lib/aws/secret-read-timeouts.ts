/**
 * How long a secret read at cold start may stall before it fails, for both readers (Secrets Manager and SSM).
 * The SDK's default is 5 minutes of socket inactivity. The read starts at init (secret-env.ts): with
 * provisioned concurrency the environment can be frozen with it in flight and thawed hours later on a dead
 * socket, and every invocation of that container waits on the one read. Failed, the read is retried by the
 * SDK (a TimeoutError is transient) and then by the next invocation.
 */
export const SECRET_READ_TIMEOUTS = { connectionTimeout: 3_000, socketTimeout: 5_000 } as const;

export type SecretReadTimeouts = { connectionTimeout: number; socketTimeout: number };
