/**
 * `WWW-Authenticate` challenges as idgate sends them (RFC 9110 §11.6.1): `Basic` at the
 * OAuth endpoints, `Bearer` (RFC 6750 §3) and `DPoP` (RFC 9449 §7.1) at the protected
 * resources. A DPoP client reads `error` (`invalid_token`, `invalid_dpop_proof`,
 * `use_dpop_nonce`) and `algs` from it; with `use_dpop_nonce`, the nonce to retry with is
 * the response's `DPoP-Nonce` header.
 */

/** One challenge: its scheme and its auth-params (names lower-cased, values unquoted). */
export interface Challenge {
  readonly scheme: string;
  readonly params: Readonly<Record<string, string>>;
}

/** A token (RFC 9110 §5.6.2). */
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+/;

/**
 * Reads the challenges of a `WWW-Authenticate` header value. Parameters that do not
 * parse end the reading: what was read so far is returned.
 */
export function parseChallenges(header: string | null | undefined): Challenge[] {
  const challenges: { scheme: string; params: Record<string, string> }[] = [];
  let rest = (header ?? '').trim();
  while (rest.length > 0) {
    const scheme = TOKEN.exec(rest)?.[0];
    if (scheme === undefined) break;
    const current = { scheme, params: {} as Record<string, string> };
    challenges.push(current);
    rest = rest.slice(scheme.length).trimStart();
    // auth-params: name = token / quoted-string, separated by commas; a name followed by
    // a space and no `=` starts the next challenge.
    for (;;) {
      const name = TOKEN.exec(rest)?.[0];
      if (name === undefined) break;
      const afterName = rest.slice(name.length).trimStart();
      if (!afterName.startsWith('=')) break;
      let value: string;
      let after = afterName.slice(1).trimStart();
      if (after.startsWith('"')) {
        let text = '';
        let index = 1;
        for (; index < after.length && after[index] !== '"'; index++) {
          text += after[index] === '\\' ? (after[++index] ?? '') : after[index];
        }
        value = text;
        after = after.slice(index + 1);
      } else {
        value = TOKEN.exec(after)?.[0] ?? '';
        after = after.slice(value.length);
      }
      current.params[name.toLowerCase()] = value;
      after = after.trimStart();
      if (!after.startsWith(',')) {
        rest = after;
        break;
      }
      rest = after.slice(1).trimStart();
    }
  }
  return challenges;
}
