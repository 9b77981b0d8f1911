/**
 * Strong entity tags from record versions, and `If-Match` evaluation (RFC 9110 §13.1.1).
 */

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
