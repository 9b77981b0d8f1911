/**
 * Strong entity tags from record versions or from a body's bytes, and the evaluation of
 * `If-Match` (RFC 9110 §13.1.1) and `If-None-Match` (§13.1.2).
 */
import { createHash } from 'node:crypto';

/** The ETag of a versioned resource. */
export function etagFor(version: number): string {
  return `"v${version}"`;
}

/**
 * Whether an `If-Match` header lets a write through: absent, `*`, or listing the
 * current ETag (strong comparison, so weak tags never match).
 */
export function ifMatchAllows(ifMatch: string | undefined, currentEtag: string): boolean {
  if (ifMatch === undefined) return true;
  const value = ifMatch.trim();
  if (value === '*') return true;
  return value.split(',').some((tag) => tag.trim() === currentEtag);
}

/** The version an `If-Match` header names, when it names exactly one of ours. */
export function versionFromIfMatch(ifMatch: string | undefined): number | undefined {
  const match = ifMatch?.trim().match(/^"v(\d+)"$/);
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

/** The strong ETag of a body that is sent byte for byte as given (SHA-256, base64url). */
export function etagOfBody(body: string): string {
  return `"${createHash('sha256').update(body).digest('base64url')}"`;
}

/**
 * Whether an `If-None-Match` header names the current representation, so that a `GET`
 * is answered 304: `*`, or a list with the current ETag (weak comparison, so `W/"…"`
 * matches too).
 */
export function ifNoneMatchHits(ifNoneMatch: string | undefined, currentEtag: string): boolean {
  if (ifNoneMatch === undefined) return false;
  const value = ifNoneMatch.trim();
  if (value === '*') return true;
  return value.split(',').some((tag) => {
    const trimmed = tag.trim();
    return (trimmed.startsWith('W/') ? trimmed.slice(2) : trimmed) === currentEtag;
  });
}
