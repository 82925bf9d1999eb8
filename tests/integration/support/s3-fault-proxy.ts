/**
 * A fault-injecting HTTP proxy in front of an S3 emulator (s3rver): each request is passed, answered with an
 * S3 error before it reaches the emulator (nothing written), answered with an error after the emulator
 * stored it (the ambiguous case), or has its connection reset; `down(ms)` resets every request for a while,
 * as an S3 outage would. What it did is counted by kind.
 */
import { createServer, request as forward, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type FaultAction =
  | { kind: 'pass' }
  | {
      kind: 'error';
      status: 403 | 500 | 503;
      code: 'AccessDenied' | 'InternalError' | 'SlowDown';
      after: boolean;
    }
  | { kind: 'reset' };

export interface ProxiedRequest {
  method: string;
  path: string;
  /** 0-based count of requests of this method seen so far. */
  index: number;
}

export interface S3FaultProxy {
  endpoint: string;
  /** Requests by what was done to them: `pass`, `error-before`, `error-after`, `reset`, `down`. */
  counts: Record<string, number>;
  /** Resets every request for `ms` from now. */
  down(ms: number): void;
  close(): Promise<void>;
}

const errorXml = (code: string): string =>
  `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${code}</Code><Message>injected by the test proxy</Message><RequestId>fault</RequestId></Error>`;

/** The body is already read: nothing for the emulator to continue. */
function withoutExpect(headers: IncomingMessage['headers']): IncomingMessage['headers'] {
  const copy = { ...headers };
  delete copy.expect;
  return copy;
}

function sendError(response: ServerResponse, status: number, code: string): void {
  response.writeHead(status, { 'content-type': 'application/xml' });
  response.end(errorXml(code));
}

/** Starts the proxy on a free port; `plan` decides each request's fate (default: pass everything). */
export async function startS3FaultProxy(
  target: string,
  plan: (request: ProxiedRequest) => FaultAction = () => ({ kind: 'pass' }),
): Promise<S3FaultProxy> {
  const upstream = new URL(target);
  const counts: Record<string, number> = {};
  const seen: Record<string, number> = {};
  let downUntil = 0;
  const count = (kind: string) => {
    counts[kind] = (counts[kind] ?? 0) + 1;
  };

  const pass = (
    incoming: IncomingMessage,
    body: Buffer,
  ): Promise<{ status: number; headers: IncomingMessage['headers']; body: Buffer }> =>
    new Promise((resolve, reject) => {
      const outgoing = forward(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: incoming.method,
          path: incoming.url,
          headers: withoutExpect(incoming.headers),
        },
        (answer) => {
          const chunks: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => chunks.push(chunk));
          answer.on('end', () =>
            resolve({
              status: answer.statusCode ?? 502,
              headers: answer.headers,
              body: Buffer.concat(chunks),
            }),
          );
          answer.on('error', reject);
        },
      );
      outgoing.on('error', reject);
      outgoing.end(body);
    });

  const server = createServer((incoming, response) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', () => {
      void (async () => {
        const method = incoming.method ?? 'GET';
        const index = seen[method] ?? 0;
        seen[method] = index + 1;
        if (Date.now() < downUntil) {
          count('down');
          incoming.socket.destroy();
          return;
        }
        const action = plan({ method, path: incoming.url ?? '/', index });
        if (action.kind === 'reset') {
          count('reset');
          incoming.socket.destroy();
          return;
        }
        if (action.kind === 'error' && !action.after) {
          count('error-before');
          sendError(response, action.status, action.code);
          return;
        }
        try {
          const answer = await pass(incoming, Buffer.concat(chunks));
          if (action.kind === 'error') {
            count('error-after');
            sendError(response, action.status, action.code);
            return;
          }
          count('pass');
          response.writeHead(answer.status, answer.headers);
          response.end(answer.body);
        } catch {
          count('upstream-failed');
          incoming.socket.destroy();
        }
      })();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    counts,
    down: (ms) => {
      downUntil = Date.now() + ms;
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
