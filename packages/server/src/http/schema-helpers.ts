/**
 * Small TypeBox helpers for request schemas, shaped so that one bad value yields one
 * clear validation error (no `anyOf` branches repeating themselves).
 */
import type { Static, TSchema, TUnsafe } from '@sinclair/typebox';
import { Type } from '@sinclair/typebox';

/** A string limited to a fixed set of values (one `enum` keyword, so one clear error). */
export function StringEnum<const T extends readonly string[]>(
  values: T,
  options: Record<string, unknown> = {},
): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...options });
}

/** A string, array or object schema that also takes `null` (PATCH: `null` clears the field). */
export function Nullable<T extends TSchema>(schema: T): TUnsafe<Static<T> | null> {
  const { type, ...rest } = schema as unknown as { type: string } & Record<string, unknown>;
  if (typeof type !== 'string') throw new TypeError('Nullable needs a schema with a single type');
  const nullable = { ...rest, type: [type, 'null'] } as Record<string, unknown>;
  if (Array.isArray(nullable.enum)) nullable.enum = [...nullable.enum, null];
  return Type.Unsafe<Static<T> | null>(nullable);
}
