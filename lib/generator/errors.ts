/** A template that cannot be compiled: names the token, its position and what is wrong. */
export class TemplateError extends Error {
  override readonly name = 'TemplateError';
  constructor(
    readonly problem: string,
    readonly line: number,
    readonly column: number,
    readonly token: string,
    readonly source?: string,
  ) {
    const where = `${source === undefined ? '' : `${source}:`}${line}:${column}`;
    super(`${where}: ${problem}${token === '' ? '' : ` in ${abbreviate(token)}`}`);
  }
}

/** A bad `kpipe generate` flag or option; the message is meant for the person typing the command. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

function abbreviate(token: string): string {
  const flat = token.replace(/\s+/g, ' ');
  return flat.length > 80 ? `${flat.slice(0, 77)}...` : flat;
}

/** 1-based line and column of a character offset, for error messages. */
export function positionOf(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i += 1) {
    if (text.charCodeAt(i) === 10) {
      line += 1;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

/** What a destination's failures come down to, for the hint that gets the user going again. */
export const FAILURE_KINDS = [
  'region missing',
  'credentials',
  'endpoint unreachable',
  'stream not found',
  'access denied',
  'other',
] as const;
export type FailureKind = (typeof FAILURE_KINDS)[number];

/** A failed record's error as the senders report it: the SDK error's name or code, and its message. */
export interface FailureCause {
  errorCode: string;
  errorMessage: string;
}

/** The destination a hint talks about: `stream "x"` or `delivery stream "x"`. */
export interface FailureTarget {
  kind: 'stream' | 'delivery stream';
  name: string;
}

export interface FailureDiagnosis extends FailureCause {
  kind: FailureKind;
  hint?: string;
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'TimeoutError',
]);

const CREDENTIAL_CODES = new Set([
  'CredentialsProviderError',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'InvalidClientTokenId',
  'ExpiredToken',
  'ExpiredTokenException',
  'IncompleteSignatureException',
]);

/** First match wins; `other` (no hint) when none does. */
const DIAGNOSES: {
  kind: Exclude<FailureKind, 'other'>;
  matches: (cause: FailureCause) => boolean;
  hint: (target: FailureTarget) => string;
}[] = [
  {
    kind: 'region missing',
    matches: ({ errorMessage }) => /\bregion is missing\b/i.test(errorMessage),
    hint: () =>
      'set AWS_REGION (e.g. export AWS_REGION=eu-west-1), or AWS_PROFILE with a region in ~/.aws/config',
  },
  {
    kind: 'credentials',
    matches: ({ errorCode, errorMessage }) =>
      CREDENTIAL_CODES.has(errorCode) || /could not load credentials/i.test(errorMessage),
    hint: () =>
      'set AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY; a local emulator takes any non-empty pair',
  },
  {
    kind: 'endpoint unreachable',
    matches: ({ errorCode }) => NETWORK_CODES.has(errorCode),
    hint: () =>
      'nothing answered at the endpoint: start the emulator that AWS_ENDPOINT_URL_KINESIS / _FIREHOSE / ' +
      'AWS_ENDPOINT_URL point at, or unset them to reach AWS',
  },
  {
    kind: 'stream not found',
    matches: ({ errorCode }) => errorCode === 'ResourceNotFoundException',
    hint: ({ kind, name }) =>
      `${kind} "${name}" does not exist in this region and account (or emulator): check --target and ` +
      `AWS_REGION, or create it (${kind === 'stream' ? `aws kinesis create-stream --stream-name ${name} --shard-count 1` : 'sls deploy'})`,
  },
  {
    kind: 'access denied',
    matches: ({ errorCode }) => /^AccessDenied/.test(errorCode),
    hint: ({ kind, name }) =>
      `the credentials may not write to ${kind} "${name}": allow ${kind === 'stream' ? 'kinesis:PutRecords' : 'firehose:PutRecordBatch'} on it`,
  },
];

/** Names the kind of a failure and, when known, what to do about it. */
export function diagnoseFailure(cause: FailureCause, target: FailureTarget): FailureDiagnosis {
  const found = DIAGNOSES.find((entry) => entry.matches(cause));
  const { errorCode, errorMessage } = cause;
  return found === undefined
    ? { kind: 'other', errorCode, errorMessage }
    : { kind: found.kind, errorCode, errorMessage, hint: found.hint(target) };
}
