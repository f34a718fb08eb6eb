import type * as z from 'zod/mini';

/**
 * Credentials as opened from the channel credential store (untyped JSON) → typed, or a thrown error naming the
 * fields at fault, never their values (they may be keys).
 */
export function parseChannelCredentials<T>(channel: string, schema: z.ZodMiniType<T>, value: unknown): T {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((issue) => issue.path.join('.') || '(root)').join(', ');
    throw new Error(`${channel} credentials are invalid at: ${fields}`);
  }
  return parsed.data;
}
