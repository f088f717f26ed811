// Bearer tokens for the HTTP APIs (ledger, audit): how they are configured and how a request's token is
// matched to its caller. Each API keeps its own roles and what they may do.
import { createHash, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/** Where an API listens; `null` (the default) turns it off. Port 0 picks a free port (tests). */
export function httpListen(defaultPort: number) {
  return z
    .object({
      host: z.string().default('0.0.0.0'),
      port: z.number().int().min(0).max(65535).default(defaultPort),
    })
    .strict()
    .nullable()
    .default(null);
}

/** The tokens of an API with these roles; `name` is who the logs say called. */
export function bearerTokens<R extends z.ZodType<string>>(role: R) {
  return z
    .array(
      z
        .object({
          name: z.string().min(1),
          token: z.string().min(16, 'tokens need 16 characters or more'),
          role,
        })
        .strict(),
    )
    .default([])
    .refine((tokens) => new Set(tokens.map((t) => t.token)).size === tokens.length, {
      message: 'two tokens are the same; each caller needs a token of its own',
    });
}

export interface TokenHolder<R> {
  name: string;
  role: R;
}

/**
 * Finds the caller of an `Authorization: Bearer …` header, or undefined. Tokens are hashed first, so every
 * comparison has the same length and runs in constant time: neither a token nor its length leaks by timing.
 */
export function bearerMatcher<R>(
  tokens: readonly (TokenHolder<R> & { token: string })[],
): (authorization: string | undefined) => TokenHolder<R> | undefined {
  const digest = (token: string) => createHash('sha256').update(token).digest();
  const known = tokens.map((t) => ({ name: t.name, role: t.role, digest: digest(t.token) }));
  return (authorization) => {
    const presented = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '')?.[1];
    if (presented === undefined) return undefined;
    const hash = digest(presented);
    const found = known.find((t) => timingSafeEqual(t.digest, hash));
    return found && { name: found.name, role: found.role };
  };
}
