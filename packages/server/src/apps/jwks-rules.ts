/**
 * What a JWK Set an app registers (`jwks`) must be: public signing keys idgate can verify
 * `private_key_jwt` assertions and request objects with — P-256 (ES256), RSA of at least
 * 2048 bits (PS256) or Ed25519 (EdDSA); no private or symmetric key material; `kid`s
 * unique. Each problem names its key (`jwks.keys[i]`).
 */
import { createPublicKey } from 'node:crypto';
import type { FieldProblem } from '@idgate/errors';
import { APP_SIGNING_ALGS } from './app-policy.js';

/** JWK members that hold private or symmetric key material (RFC 7518 §6). */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

/** The problems of a registered JWK Set, every key checked. */
export function jwksProblems(keys: readonly Readonly<Record<string, unknown>>[]): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const kids = new Set<string>();
  keys.forEach((jwk, index) => {
    const name = `jwks.keys[${index}]`;
    const pointer = `/jwks/keys/${index}`;
    const reason = keyProblem(jwk);
    if (reason) problems.push({ name, pointer, reason });
    if (typeof jwk.kid === 'string') {
      if (kids.has(jwk.kid)) problems.push({ name: `${name}.kid`, pointer: `${pointer}/kid`, reason: 'is not unique' });
      kids.add(jwk.kid);
    }
  });
  return problems;
}

function keyProblem(jwk: Readonly<Record<string, unknown>>): string | undefined {
  if (PRIVATE_MEMBERS.some((member) => member in jwk))
    return 'must be a public key (no private or symmetric key members)';
  if (jwk.use !== undefined && jwk.use !== 'sig') return 'must be a signing key (use sig)';
  if (jwk.alg !== undefined && !(APP_SIGNING_ALGS as readonly unknown[]).includes(jwk.alg)) {
    return `alg must be one of ${APP_SIGNING_ALGS.join(', ')}`;
  }
  if (jwk.kid !== undefined && (typeof jwk.kid !== 'string' || jwk.kid.length === 0 || jwk.kid.length > 256)) {
    return 'kid must be a string of 1 to 256 characters';
  }
  let key: ReturnType<typeof createPublicKey>;
  try {
    key = createPublicKey({ key: jwk as import('node:crypto').JsonWebKey, format: 'jwk' });
  } catch {
    return 'is not a valid public JWK (RFC 7517)';
  }
  const details = key.asymmetricKeyDetails ?? {};
  switch (key.asymmetricKeyType) {
    case 'ec':
      return details.namedCurve === 'prime256v1' ? undefined : 'EC keys must use P-256 (ES256)';
    case 'rsa':
      return (details.modulusLength ?? 0) >= 2048 ? undefined : 'RSA keys must have at least 2048 bits (PS256)';
    case 'ed25519':
      return undefined;
    default:
      return 'must be a P-256, RSA or Ed25519 key';
  }
}
