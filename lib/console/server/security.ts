/**
 * The console's gate: a per-run token on every request, and Host / Origin checks so neither another site
 * the user has open (cross-site requests) nor a DNS name rebound to 127.0.0.1 can drive it.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';

/** 256 random bits, URL-safe. */
export function newToken(): string {
  return randomBytes(32).toString('base64url');
}

function sameToken(given: string | undefined, token: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** Why a request is refused, or undefined when it may pass. */
export function refusal(
  request: { host?: string; origin?: string; token?: string },
  gate: { token: string; port: () => number },
): string | undefined {
  const port = gate.port();
  const hosts = [`127.0.0.1:${port}`, `localhost:${port}`];
  if (request.host === undefined || !hosts.includes(request.host.toLowerCase())) {
    return `refused: Host "${request.host ?? ''}" is not this console (open http://127.0.0.1:${port}/ as printed by kpipe local)`;
  }
  if (request.origin !== undefined && !hosts.some((host) => request.origin === `http://${host}`)) {
    return `refused: cross-site request from Origin "${request.origin}"; only the console's own page may call it`;
  }
  if (!sameToken(request.token, gate.token)) {
    return request.token === undefined
      ? 'refused: no token; open the URL kpipe local printed (it ends in ?token=...)'
      : 'refused: wrong token; open the URL this run of kpipe local printed (each run has a new token)';
  }
  return undefined;
}

/** Hono middleware: 403 with the cause for any request that fails `refusal`. */
export function gateMiddleware(gate: { token: string; port: () => number }): MiddlewareHandler {
  return async (context, next) => {
    const cause = refusal(
      {
        host: context.req.header('host'),
        origin: context.req.header('origin'),
        token: context.req.header('x-console-token') ?? context.req.query('token'),
      },
      gate,
    );
    if (cause !== undefined) return context.text(cause, 403);
    context.header('Cache-Control', 'no-store');
    context.header('X-Content-Type-Options', 'nosniff');
    context.header('Referrer-Policy', 'no-referrer');
    await next();
  };
}
