/**
 * The webhook event of a status change (SPEC 4, 6): its id, type and the exact JSON body
 * that is delivered. No personal data: the event names the session, its states and who
 * changed it; the app reads the verified claims with `GET /v1/verifications/{id}` (or the
 * code flow).
 */
import type { TxState, TxStatusCode } from '@idgate/errors';
import type { Environment } from '../config/config.js';
import type { VerificationActor, VerificationOrigin } from '../domain/verification.js';
import { randomBase62 } from '../security/secrets.js';

/** The session as the event describes it (after the change). */
export interface WebhookSubject {
  readonly id: string;
  readonly clientId: string;
  readonly environment: Environment;
  readonly origin: VerificationOrigin;
  readonly providerId: string | null;
  readonly flowType: string | null;
}

/** The recorded transition the event reports. */
export interface WebhookTransition {
  readonly from: TxState | null;
  readonly to: TxState;
  readonly statusCode: TxStatusCode | null;
  readonly actor: VerificationActor;
}

/** The delivered body. */
export interface WebhookEventDocument {
  /** `evt_…`, also sent as `Idgate-Event-Id`: the de-duplication key. */
  readonly id: string;
  /** `verification.<status>`. */
  readonly type: `verification.${TxState}`;
  /** When the status changed (ISO 8601). */
  readonly createdAt: string;
  readonly data: {
    readonly verificationId: string;
    readonly clientId: string;
    readonly environment: Environment;
    readonly origin: VerificationOrigin;
    readonly status: TxState;
    readonly statusCode: TxStatusCode | null;
    readonly previousStatus: TxState | null;
    readonly providerId: string | null;
    readonly flowType: string | null;
    readonly actor: VerificationActor;
  };
}

/** An event ready for the outbox. */
export interface NewWebhookEvent {
  readonly id: string;
  readonly type: WebhookEventDocument['type'];
  /** The JSON body, serialized once: every attempt and redelivery sends these bytes. */
  readonly payload: string;
}

/** A new event id. */
export function newWebhookEventId(): string {
  return `evt_${randomBase62(24)}`;
}

/** The event of one transition of a session. */
export function webhookEventFor(subject: WebhookSubject, transition: WebhookTransition, at: Date): NewWebhookEvent {
  const document: WebhookEventDocument = {
    id: newWebhookEventId(),
    type: `verification.${transition.to}`,
    createdAt: at.toISOString(),
    data: {
      verificationId: subject.id,
      clientId: subject.clientId,
      environment: subject.environment,
      origin: subject.origin,
      status: transition.to,
      statusCode: transition.statusCode,
      previousStatus: transition.from,
      providerId: subject.providerId,
      flowType: subject.flowType,
      actor: transition.actor,
    },
  };
  return { id: document.id, type: document.type, payload: JSON.stringify(document) };
}
