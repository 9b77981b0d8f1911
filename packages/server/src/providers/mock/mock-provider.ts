/**
 * The engine behind the three sandbox mock providers (SPEC 5). One test identity decides
 * the outcome (see `test-identities.ts`); the flow type decides what the user is shown.
 *
 * How a mock session moves:
 * - **Identity given up front** (`userData.testIdentity`, `userData.personalNumber` for
 *   push, or `/authorize`'s `login_hint`): an identity whose provider fails (`provider-*`,
 *   `idgate-*`) fails at `start`. Otherwise the mock "user" answers by the clock: the session reads
 *   `authenticating` from {@link MOCK_USER_AT_PROVIDER_MS} after the start and reaches the
 *   identity's outcome from {@link MOCK_ANSWER_MS}, observed on the next poll.
 * - **Headless sandbox path**: `/authorize` on `mock-redirect` with a test identity as
 *   `login_hint` reaches the outcome at `start`, without any page.
 * - **No identity**: `mock-qr` behaves as if `success` scanned the code; `mock-redirect`
 *   waits for the mock screen at `flowDetails.url`, which answers through `advance`:
 *   `{ action: 'open' }` (the user reached the provider: `authenticating`) and
 *   `{ identity: '<test identity>' }` (the user chose how to answer).
 */
import { type FieldProblem, IdgateError } from '@idgate/errors';
import type {
  ProviderAdapter,
  ProviderContext,
  ProviderHealth,
  ProviderResult,
  ProviderStep,
  TestIdentity,
} from '../adapter.js';
import type { ProviderDescriptor } from '../descriptors.js';
import { standardClaimsOf } from './mock-people.js';
import { findMockIdentity, MOCK_IDENTITIES, type MockIdentity, TEST_IDENTITIES } from './test-identities.js';

/** From this long after the start, a mock session with an identity reads `authenticating`. */
export const MOCK_USER_AT_PROVIDER_MS = 1_000;

/** From this long after the start, a mock session with an identity reaches its outcome. */
export const MOCK_ANSWER_MS = 2_000;

/** The `userData` field that names a test identity. */
export const TEST_IDENTITY_FIELD = 'testIdentity';

/** What a mock provider shows the user for a session. */
export type MockFlowDetails = (context: ProviderContext) => Readonly<Record<string, unknown>>;

/** What a mock provider remembers between steps. */
type MockState = {
  /** The test identity, when known. */
  readonly identity: string | null;
  /** When the mock transaction started (ISO 8601). */
  readonly startedAt: string;
};

const IDENTITY_NAMES = MOCK_IDENTITIES.map((identity) => identity.identity).join(', ');

function stateOf(context: ProviderContext): MockState {
  const identity = context.providerState.identity;
  const startedAt = context.providerState.startedAt;
  return {
    identity: typeof identity === 'string' ? identity : null,
    startedAt: typeof startedAt === 'string' ? startedAt : context.now.toISOString(),
  };
}

/** Whether the identity fails as soon as the provider is contacted about it. */
function failsAtContact(identity: MockIdentity): boolean {
  return identity.behaviour.kind === 'throw' || identity.behaviour.kind === 'crash';
}

/** A sandbox mock provider for one flow type. */
export class MockProvider implements ProviderAdapter {
  readonly descriptor: ProviderDescriptor;
  readonly testIdentities: readonly TestIdentity[] = TEST_IDENTITIES;
  readonly #flowDetails: MockFlowDetails;
  /** The identity assumed when none is given (`mock-qr`: a scan by `success`). */
  readonly #defaultIdentity: string | null;

  constructor(descriptor: ProviderDescriptor, flowDetails: MockFlowDetails, defaultIdentity: string | null = null) {
    this.descriptor = descriptor;
    this.#flowDetails = flowDetails;
    this.#defaultIdentity = defaultIdentity;
  }

  /** Mock providers are always up. */
  health(): ProviderHealth {
    return 'operational';
  }

  /** `testIdentity` (and the login-hint field, e.g. `personalNumber`) must name a test identity. */
  userDataProblems(userData: Readonly<Record<string, unknown>>): FieldProblem[] {
    const problems: FieldProblem[] = [];
    const fields = [TEST_IDENTITY_FIELD, ...(this.descriptor.loginHintField ? [this.descriptor.loginHintField] : [])];
    for (const field of fields) {
      const value = userData[field];
      if (value === undefined) continue;
      if (typeof value !== 'string') {
        problems.push({ name: `userData.${field}`, pointer: `/userData/${field}`, reason: 'must be a string' });
      } else if (!findMockIdentity(value)) {
        problems.push({
          name: `userData.${field}`,
          pointer: `/userData/${field}`,
          reason: `must name a sandbox test identity (${IDENTITY_NAMES})`,
        });
      }
    }
    return problems;
  }

  async start(context: ProviderContext): Promise<ProviderStep> {
    const identity = this.#identityAtStart(context);
    const providerState: MockState = { identity: identity?.identity ?? null, startedAt: context.now.toISOString() };
    const flowDetails = this.#flowDetails(context);
    // The provider is contacted about this person now: a failing provider fails now.
    if (identity && failsAtContact(identity)) throw this.#failure(identity);
    const headless = context.origin === 'authorize' && context.flowType === 'redirect' && identity !== undefined;
    if (headless) return { ...this.#outcome(identity, context), flowDetails, providerState };
    return { status: 'pending', flowDetails, providerState };
  }

  async advance(context: ProviderContext, input: Readonly<Record<string, string>>): Promise<ProviderStep> {
    const state = stateOf(context);
    const unknown = Object.keys(input).filter((name) => name !== 'identity' && name !== 'action');
    if (unknown.length > 0 || (input.action !== undefined && input.action !== 'open')) {
      throw new IdgateError('VALIDATION_INVALID_PARAMETER', {
        detail: 'A mock provider takes only { action: "open" } or { identity: "<test identity>" }.',
        context: {
          fields: [
            ...unknown.map((name) => ({ name, reason: 'is not a parameter of the mock provider' })),
            ...(input.action !== undefined && input.action !== 'open'
              ? [{ name: 'action', reason: 'must be open' }]
              : []),
          ],
        },
      });
    }
    if (input.identity !== undefined) {
      // The user answered on the mock screen.
      const chosen = findMockIdentity(input.identity);
      if (!chosen) {
        throw new IdgateError('VALIDATION_INVALID_PARAMETER', {
          detail: `identity must name a sandbox test identity (${IDENTITY_NAMES}).`,
          context: { fields: [{ name: 'identity', reason: 'is not a sandbox test identity' }] },
        });
      }
      if (failsAtContact(chosen)) throw this.#failure(chosen);
      const step = this.#outcome(chosen, context);
      return { ...step, providerState: { ...state, identity: chosen.identity } };
    }
    if (input.action === 'open') return { status: 'authenticating' };
    return this.#poll(context, state);
  }

  #poll(context: ProviderContext, state: MockState): ProviderStep {
    const current = context.status === 'initiated' ? 'pending' : context.status;
    const identity = findMockIdentity(state.identity ?? this.#defaultIdentity ?? '');
    if (!identity) return { status: current };
    const elapsed = context.now.getTime() - Date.parse(state.startedAt);
    if (elapsed >= MOCK_ANSWER_MS && identity.behaviour.kind !== 'never') {
      if (failsAtContact(identity)) throw this.#failure(identity);
      return this.#outcome(identity, context);
    }
    if (elapsed >= MOCK_USER_AT_PROVIDER_MS) return { status: 'authenticating' };
    return { status: current };
  }

  #identityAtStart(context: ProviderContext): MockIdentity | undefined {
    const fromUserData = context.userData[TEST_IDENTITY_FIELD];
    if (typeof fromUserData === 'string') return findMockIdentity(fromUserData);
    const hintField = this.descriptor.loginHintField;
    const fromHintField = hintField === undefined ? undefined : context.userData[hintField];
    if (typeof fromHintField === 'string') return findMockIdentity(fromHintField);
    // `login_hint` is a hint: one that names no test identity is ignored.
    return context.loginHint === undefined ? undefined : findMockIdentity(context.loginHint);
  }

  #outcome(identity: MockIdentity, context: ProviderContext): ProviderStep {
    const behaviour = identity.behaviour;
    switch (behaviour.kind) {
      case 'complete':
        return { status: 'completed', result: this.#result(identity, behaviour.person, behaviour.loa) };
      case 'fail':
        return { status: 'failed', statusCode: behaviour.statusCode };
      case 'cancel':
        return { status: 'cancelled', statusCode: 'err_user_cancelled', actor: 'user' };
      case 'never':
        return { status: context.status === 'initiated' ? 'pending' : 'authenticating' };
      case 'throw':
      case 'crash':
        throw this.#failure(identity);
    }
  }

  #result(identity: MockIdentity, person: Readonly<Record<string, unknown>>, loa: number | undefined): ProviderResult {
    return {
      subject: `${String(person.personId)}`,
      issuer: `urn:idgate:sandbox:${this.descriptor.id}`,
      loa: loa ?? this.descriptor.maxLoa,
      claims: standardClaimsOf(person),
      rawClaims: { ...person, testIdentity: identity.identity },
    };
  }

  /**
   * The failure of an identity that fails when the provider is contacted: its catalog
   * error, or (`crash`) an unexpected exception that idgate masks as `SYSTEM_INTERNAL_ERROR`.
   */
  #failure(identity: MockIdentity): Error {
    if (identity.behaviour.kind === 'crash') return new Error(identity.behaviour.message);
    if (identity.behaviour.kind !== 'throw') throw new TypeError(`identity ${identity.identity} does not fail`);
    return new IdgateError(identity.behaviour.code, {
      detail: identity.behaviour.detail,
      context: { providerId: this.descriptor.id, testIdentity: identity.identity },
    });
  }
}
