/** OAuth 2.0 scopes as idgate stores them (RFC 6749 §3.3: space-separated). */

/** The scopes of a stored, space-separated scope string. */
export function scopeList(scope: string): string[] {
  return scope.split(' ').filter((token) => token !== '');
}
