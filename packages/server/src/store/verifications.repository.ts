/**
 * Verification sessions and their audit trail (`verifications`, `verification_events`).
 *
 * Every write is one transaction that changes the session and records its transition,
 * guarded twice: `WHERE version = ?` (optimistic concurrency: of two writers that read
 * the same version exactly one wins) and `WHERE status NOT IN (terminal states)` (a
 * terminal session never changes, whatever a caller does). The state machine itself
 * (which transition is allowed) lives in `verification/state-machine.ts`.
 *
 * The webhook outbox: every recorded transition of a session whose app has a webhook URL
 * also writes a `webhook_events` row, in the same transaction, so a status change and its
 * event are stored together or not at all (delivery: `webhooks/`).
 *
 * Every session that reaches a terminal state gets here, so this is where the metrics
 * learn of it (`idgate_verification_outcomes_total`), once its write committed.
 */
import { type ErrorCode, TERMINAL_TX_STATES, type TxState, type TxStatusCode } from '@idgate/errors';
import {
  type Compilable,
  CompiledQuery,
  type Insertable,
  type Selectable,
  type Transaction,
  type Updateable,
} from 'kysely';
import type { Environment } from '../config/config.js';
import type { VerificationOutcomeObserver } from '../domain/observers.js';
import type {
  AuthorizationRequestRecord,
  FlowType,
  Verification,
  VerificationActor,
  VerificationEvent,
} from '../domain/verification.js';
import { compileOnce } from './compiled-query.js';
import type { Database } from './database.js';
import { checkBatchSize, PURGE_BATCH_SIZE } from './purge-batch.js';
import type { DatabaseSchema, VerificationEventsTable, VerificationsTable } from './schema.js';
import { readAuthorizationRequest, type Sealer, sealAuthorizationRequest } from './sealed-login-hint.js';
import { type WebhookSubject, webhookEventFor } from './webhook-event.js';

/** The app's sign-in hook for a session: not called (`null`), being called, or its outcome. */
export type SignInHookState = 'pending' | 'allowed' | 'denied' | 'unavailable';

/** A session with its encrypted parts (opaque here; the service opens them). */
export interface StoredVerification extends Verification {
  readonly userDataCiphertext: string | null;
  readonly providerStateCiphertext: string | null;
  readonly resultCiphertext: string | null;
  readonly signInHookState: SignInHookState | null;
  /** The `errMsg` of the hook's denial, exactly as sent. */
  readonly signInHookErrMsg: string | null;
  /** The `errCode` of the hook's denial, exactly as sent. */
  readonly signInHookErrCode: string | null;
}

/** What `insert` needs. */
export type NewVerification = Omit<
  StoredVerification,
  'version' | 'createdAt' | 'updatedAt' | 'signInHookState' | 'signInHookErrMsg' | 'signInHookErrCode'
>;

/** The fields a write may change. */
export type VerificationChanges = Partial<
  Pick<
    StoredVerification,
    | 'status'
    | 'statusCode'
    | 'errorCode'
    | 'providerId'
    | 'flowType'
    | 'achievedLoa'
    | 'flowDetails'
    | 'verifiedAt'
    | 'userDataCiphertext'
    | 'providerStateCiphertext'
    | 'resultCiphertext'
    | 'signInHookState'
    | 'signInHookErrMsg'
    | 'signInHookErrCode'
  >
>;

/** A transition to record. */
export interface NewVerificationEvent {
  readonly from: TxState | null;
  readonly to: TxState;
  readonly statusCode: TxStatusCode | null;
  readonly actor: VerificationActor;
  /**
   * The provider and flow type the webhook event names, when they differ from the written
   * session's (an earlier transition of a session created and started in one write).
   */
  readonly webhookSubject?: Pick<WebhookSubject, 'providerId' | 'flowType'>;
}

/** What a write knows about the session's app, and what else it writes in its transaction. */
export interface WriteOptions {
  /**
   * Whether the app has a webhook URL, as the caller knows it (the outbox rows are written
   * only then); `undefined`: read the app in the transaction.
   */
  readonly webhooks?: boolean;
  /** Further writes of the same transaction, once the session is written. */
  readonly also?: (trx: Transaction<DatabaseSchema>, written: StoredVerification) => Promise<void>;
}

const TERMINAL: readonly TxState[] = [...TERMINAL_TX_STATES];

type VerificationRow = Selectable<VerificationsTable>;

/** What a session's verified identity is made of: its result and what the result belongs to. */
export type StoredVerificationResult = Pick<
  StoredVerification,
  'id' | 'clientId' | 'status' | 'providerId' | 'achievedLoa' | 'verifiedAt' | 'updatedAt' | 'resultCiphertext'
>;

const RESULT_COLUMNS = [
  'id',
  'client_id',
  'status',
  'provider_id',
  'achieved_loa',
  'verified_at',
  'updated_at',
  'result_ciphertext',
] as const;

type ResultRow = Pick<VerificationRow, (typeof RESULT_COLUMNS)[number]>;

/** Every column of a session, in the order of the compiled insert's parameters. */
const VERIFICATION_COLUMNS = [
  'id',
  'client_id',
  'environment',
  'origin',
  'status',
  'status_code',
  'error_code',
  'provider_id',
  'flow_type',
  'requested_loa',
  'achieved_loa',
  'requested_claims',
  'flow_details',
  'user_data_ciphertext',
  'provider_state_ciphertext',
  'result_ciphertext',
  'authorization_request',
  'redirect_uri',
  'expires_at',
  'verified_at',
  'version',
  'created_at',
  'updated_at',
  'signin_hook_state',
  'signin_hook_err_msg',
  'signin_hook_err_code',
] as const satisfies readonly (keyof VerificationsTable)[];

/** Fails to compile when a column of `verifications` is missing from {@link VERIFICATION_COLUMNS}. */
const everyVerificationColumn: [Exclude<keyof VerificationsTable, (typeof VERIFICATION_COLUMNS)[number]>] extends [
  never,
]
  ? true
  : never = true;
void everyVerificationColumn;

/** Every column of an event row but its generated id, in the order of the compiled insert's parameters. */
const EVENT_COLUMNS = ['verification_id', 'from_status', 'to_status', 'status_code', 'actor', 'at'] as const;

/** A session is created with this many events at most through SQL compiled once (more: built per call). */
const COMPILED_EVENT_COUNTS = 2;

/** The SQL text of a query, compiled once (parameters then given in the order of its placeholders). */
function sqlOf(query: Compilable<unknown>): string {
  return query.compile().sql;
}

/** A row with a placeholder for every column (only the compiled SQL text is kept). */
function templateRow<Column extends string>(columns: readonly Column[]): Record<Column, string> {
  return Object.fromEntries(columns.map((column) => [column, ''])) as Record<Column, string>;
}

/** Sessions and their transitions, on either dialect. */
export class VerificationsRepository {
  readonly #database: Database;
  /** Seals the login hint of stored authorization requests. */
  readonly #sealer: Sealer;
  /** `findResult`: on every token and userinfo request, SQL compiled once (see compiled-query.ts). */
  readonly #findResult: (parameters: unknown[]) => Promise<ResultRow[]>;

  /** `insert`: the session, and its first 1 or 2 events, as SQL compiled once. */
  readonly #insertSql: string;
  readonly #insertEventsSql: string[] = [];
  readonly #outcomes: VerificationOutcomeObserver | undefined;

  /** `sealer` seals the login hint of `/authorize` requests; `outcomes` is told of every session that ends (metrics). */
  constructor(database: Database, sealer: Sealer, outcomes?: VerificationOutcomeObserver) {
    this.#database = database;
    this.#sealer = sealer;
    this.#outcomes = outcomes;
    const db = database.db;
    this.#findResult = compileOnce(db, db.selectFrom('verifications').select(RESULT_COLUMNS).where('id', '=', ''));
    this.#insertSql = sqlOf(
      db
        .insertInto('verifications')
        .values(templateRow(VERIFICATION_COLUMNS) as unknown as Insertable<VerificationsTable>),
    );
    for (let count = 1; count <= COMPILED_EVENT_COUNTS; count++) {
      const rows = Array.from({ length: count }, () => templateRow(EVENT_COLUMNS));
      this.#insertEventsSql[count] = sqlOf(
        db.insertInto('verification_events').values(rows as unknown as Insertable<VerificationEventsTable>[]),
      );
    }
  }

  /**
   * Creates a session (version 1) and records its first transitions, in one transaction
   * (with `options.also`, when given).
   */
  async insert(
    record: NewVerification,
    events: readonly NewVerificationEvent[],
    now: Date,
    options: WriteOptions = {},
  ): Promise<StoredVerification> {
    const timestamp = now.toISOString();
    const authorizationRequest =
      record.authorizationRequest === null ? null : sealAuthorizationRequest(record.authorizationRequest, this.#sealer);
    const row: Insertable<VerificationsTable> = {
      id: record.id,
      client_id: record.clientId,
      environment: record.environment,
      origin: record.origin,
      ...changesToRow(record),
      requested_loa: record.requestedLoa,
      requested_claims: JSON.stringify(record.requestedClaims),
      flow_details: JSON.stringify(record.flowDetails),
      authorization_request: authorizationRequest?.stored ?? null,
      redirect_uri: record.redirectUri,
      expires_at: record.expiresAt.toISOString(),
      version: 1,
      created_at: timestamp,
      updated_at: timestamp,
    } as Insertable<VerificationsTable>;
    // On every /authorize: SQL compiled once, every column given (null where unset).
    const rowParameters = VERIFICATION_COLUMNS.map((column) => row[column] ?? null);
    // The session as the database now holds it: every column is given, none is changed on
    // the way in (all text or integer, no trigger), so no RETURNING and no reading back of
    // the login hint just sealed.
    const created = rowToVerification(
      Object.fromEntries(VERIFICATION_COLUMNS.map((column, i) => [column, rowParameters[i]])) as VerificationRow,
      this.#sealer,
      authorizationRequest?.opened ?? null,
    );
    const eventRows = events.map((event) => eventRow(record.id, event, timestamp));
    const insertSql = this.#insertSql;
    const insertEventsSql = this.#insertEventsSql[eventRows.length];
    const inserted = await this.#database.db.transaction().execute(async function insertVerification(trx) {
      const { numAffectedRows } = await trx.executeQuery(CompiledQuery.raw(insertSql, rowParameters));
      if (numAffectedRows !== 1n) throw new TypeError(`insert of verification ${record.id} wrote no row`);
      if (insertEventsSql !== undefined) {
        const eventParameters = eventRows.flatMap((event) => EVENT_COLUMNS.map((column) => event[column] ?? null));
        await trx.executeQuery(CompiledQuery.raw(insertEventsSql, eventParameters));
      } else if (eventRows.length > 0) {
        await trx.insertInto('verification_events').values(eventRows).execute();
      }
      if (events.length > 0) await enqueueWebhookEvents(trx, created, events, now, options.webhooks);
      if (options.also) await options.also(trx, created);
      return created;
    });
    if (TERMINAL_TX_STATES.has(inserted.status)) this.#ended(inserted);
    return inserted;
  }

  /** A session by id. */
  async find(id: string): Promise<StoredVerification | undefined> {
    const row = await this.#database.db.selectFrom('verifications').selectAll().where('id', '=', id).executeTakeFirst();
    return row === undefined ? undefined : rowToVerification(row, this.#sealer);
  }

  /**
   * A session's result and what it belongs to, without the rest of the session (the token
   * endpoint and userinfo read nothing else).
   */
  async findResult(id: string): Promise<StoredVerificationResult | undefined> {
    const [row] = await this.#findResult([id]);
    if (row === undefined) return undefined;
    return {
      id: row.id,
      clientId: row.client_id,
      status: row.status,
      providerId: row.provider_id,
      achievedLoa: row.achieved_loa,
      verifiedAt: row.verified_at === null ? null : new Date(row.verified_at),
      updatedAt: new Date(row.updated_at),
      resultCiphertext: row.result_ciphertext,
    };
  }

  /**
   * Writes `changes` (and records `event`, when the status changes) if the session is
   * still at `expectedVersion` and not terminal; `undefined` otherwise (the caller reads
   * it again and decides anew).
   */
  async update(
    id: string,
    expectedVersion: number,
    changes: VerificationChanges,
    event: NewVerificationEvent | undefined,
    now: Date,
    options: Pick<WriteOptions, 'webhooks'> = {},
  ): Promise<StoredVerification | undefined> {
    const timestamp = now.toISOString();
    const set: Updateable<VerificationsTable> = {
      ...changesToRow(changes),
      version: expectedVersion + 1,
      updated_at: timestamp,
    };
    const sealer = this.#sealer;
    const row = await this.#database.db.transaction().execute(async function updateVerification(trx) {
      const updated = await trx
        .updateTable('verifications')
        .set(set)
        .where('id', '=', id)
        .where('version', '=', expectedVersion)
        .where('status', 'not in', TERMINAL)
        .returningAll()
        .executeTakeFirst();
      if (updated !== undefined && event !== undefined) {
        await trx
          .insertInto('verification_events')
          .values(eventRow(id, event, timestamp))
          .execute();
        await enqueueWebhookEvents(trx, rowToVerification(updated, sealer), [event], now, options.webhooks);
      }
      return updated;
    });
    if (row === undefined) return undefined;
    const written = rowToVerification(row, this.#sealer);
    if (event !== undefined && TERMINAL_TX_STATES.has(event.to)) this.#ended(written);
    return written;
  }

  #ended(verification: StoredVerification): void {
    this.#outcomes?.verificationEnded(verification.providerId, verification.status, verification.statusCode);
  }

  /**
   * Up to `limit` sessions of `environment` that are not over yet but past their expiry,
   * the longest expired first (the background expiry records them as `expired`).
   */
  async findExpiredIds(environment: Environment, now: Date, limit: number): Promise<string[]> {
    checkBatchSize(limit);
    const rows = await this.#database.db
      .selectFrom('verifications')
      .select('id')
      .where('expires_at', '<=', now.toISOString())
      .where('status', 'not in', TERMINAL)
      .where('environment', '=', environment)
      .orderBy('expires_at')
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map((row) => row.id);
  }

  /**
   * Deletes up to `batchSize` sessions that ended (a terminal state) at or before `cutoff`,
   * oldest first, with everything that belongs to them (events, webhook events, codes: the
   * foreign keys cascade; the sealed user data, result and login hint are columns of the
   * row) — except sessions whose refresh tokens are still live, which go once those have
   * expired. Returns how many.
   */
  async purgeEnded(cutoff: Date, now: Date, batchSize: number = PURGE_BATCH_SIZE): Promise<number> {
    checkBatchSize(batchSize);
    const ended = cutoff.toISOString();
    const live = now.toISOString();
    const result = await this.#database.db
      .deleteFrom('verifications')
      .where('status', 'in', TERMINAL)
      .where('updated_at', '<=', ended)
      .where('id', 'in', (eb) =>
        eb
          .selectFrom('verifications as v')
          .select('v.id')
          .where('v.status', 'in', TERMINAL)
          .where('v.updated_at', '<=', ended)
          .where(({ not, exists, selectFrom }) =>
            not(
              exists(
                selectFrom('refresh_tokens as r')
                  .select('r.token_hash')
                  .whereRef('r.verification_id', '=', 'v.id')
                  .where('r.expires_at', '>', live)
                  .where('r.used_at', 'is', null)
                  .where('r.revoked_at', 'is', null),
              ),
            ),
          )
          .orderBy('v.updated_at')
          .limit(batchSize),
      )
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** The recorded transitions of a session, oldest first. */
  async events(id: string): Promise<VerificationEvent[]> {
    const rows = await this.#database.db
      .selectFrom('verification_events')
      .selectAll()
      .where('verification_id', '=', id)
      .orderBy('id')
      .execute();
    return rows.map(function toEvent(row): VerificationEvent {
      return {
        from: row.from_status as TxState | null,
        to: row.to_status as TxState,
        statusCode: row.status_code as TxStatusCode | null,
        actor: row.actor,
        at: new Date(row.at),
      };
    });
  }
}

/**
 * Writes the webhook events of recorded transitions (in the caller's transaction) when the
 * session's app has a webhook URL (`webhooks`, or read here when the caller does not know);
 * due at once.
 */
async function enqueueWebhookEvents(
  trx: Transaction<DatabaseSchema>,
  verification: StoredVerification,
  events: readonly NewVerificationEvent[],
  now: Date,
  webhooks: boolean | undefined,
): Promise<void> {
  if (webhooks === false) return;
  if (webhooks === undefined) {
    const app = await trx
      .selectFrom('apps')
      .select('webhook_url')
      .where('client_id', '=', verification.clientId)
      .executeTakeFirst();
    if (app?.webhook_url == null) return;
  }
  const timestamp = now.toISOString();
  await trx
    .insertInto('webhook_events')
    .values(
      events.map(function outboxRow(event) {
        const webhook = webhookEventFor(
          event.webhookSubject === undefined ? verification : { ...verification, ...event.webhookSubject },
          event,
          now,
        );
        return {
          id: webhook.id,
          client_id: verification.clientId,
          verification_id: verification.id,
          type: webhook.type,
          payload: webhook.payload,
          status: 'pending' as const,
          attempt_count: 0,
          retry_count: 0,
          next_attempt_at: timestamp,
          created_at: timestamp,
          updated_at: timestamp,
        };
      }),
    )
    .execute();
}

function eventRow(
  verificationId: string,
  event: NewVerificationEvent,
  at: string,
): Insertable<VerificationEventsTable> {
  return {
    verification_id: verificationId,
    from_status: event.from,
    to_status: event.to,
    status_code: event.statusCode,
    actor: event.actor,
    at,
  };
}

function changesToRow(changes: VerificationChanges): Updateable<VerificationsTable> {
  const row: Updateable<VerificationsTable> = {};
  if (changes.status !== undefined) row.status = changes.status;
  if (changes.statusCode !== undefined) row.status_code = changes.statusCode;
  if (changes.errorCode !== undefined) row.error_code = changes.errorCode;
  if (changes.providerId !== undefined) row.provider_id = changes.providerId;
  if (changes.flowType !== undefined) row.flow_type = changes.flowType;
  if (changes.achievedLoa !== undefined) row.achieved_loa = changes.achievedLoa;
  if (changes.flowDetails !== undefined) row.flow_details = JSON.stringify(changes.flowDetails);
  if (changes.verifiedAt !== undefined) row.verified_at = changes.verifiedAt?.toISOString() ?? null;
  if (changes.userDataCiphertext !== undefined) row.user_data_ciphertext = changes.userDataCiphertext;
  if (changes.providerStateCiphertext !== undefined) row.provider_state_ciphertext = changes.providerStateCiphertext;
  if (changes.resultCiphertext !== undefined) row.result_ciphertext = changes.resultCiphertext;
  if (changes.signInHookState !== undefined) row.signin_hook_state = changes.signInHookState;
  if (changes.signInHookErrMsg !== undefined) row.signin_hook_err_msg = changes.signInHookErrMsg;
  if (changes.signInHookErrCode !== undefined) row.signin_hook_err_code = changes.signInHookErrCode;
  return row;
}

/** `openedRequest`: the row's authorization request already opened (a session just inserted). */
function rowToVerification(
  row: VerificationRow,
  sealer: Sealer,
  openedRequest?: AuthorizationRequestRecord | null,
): StoredVerification {
  return {
    id: row.id,
    clientId: row.client_id,
    environment: row.environment,
    origin: row.origin,
    status: row.status,
    statusCode: row.status_code as TxStatusCode | null,
    errorCode: row.error_code as ErrorCode | null,
    providerId: row.provider_id,
    flowType: row.flow_type as FlowType | null,
    requestedLoa: row.requested_loa,
    achievedLoa: row.achieved_loa,
    requestedClaims: JSON.parse(row.requested_claims) as string[],
    flowDetails: JSON.parse(row.flow_details) as Record<string, unknown>,
    redirectUri: row.redirect_uri,
    authorizationRequest:
      openedRequest !== undefined
        ? openedRequest
        : row.authorization_request === null
          ? null
          : readAuthorizationRequest(row.authorization_request, sealer),
    expiresAt: new Date(row.expires_at),
    verifiedAt: row.verified_at === null ? null : new Date(row.verified_at),
    createdAt: new Date(row.created_at),
    updatedAt: new Date(row.updated_at),
    version: row.version,
    userDataCiphertext: row.user_data_ciphertext,
    providerStateCiphertext: row.provider_state_ciphertext,
    resultCiphertext: row.result_ciphertext,
    signInHookState: row.signin_hook_state,
    signInHookErrMsg: row.signin_hook_err_msg,
    signInHookErrCode: row.signin_hook_err_code,
  };
}
