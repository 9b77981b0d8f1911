/**
 * The leak scan: every error body the suite produces is recorded, and each test file
 * fails (in `afterAll`, see setup.ts) when one of them carries a stack frame, a file
 * path, SQL, a database or host detail, or a secret the tests registered.
 */

/** One recorded error response. */
export interface RecordedBody {
  readonly where: string;
  readonly status: number;
  readonly body: string;
  readonly headers?: string;
}

const recorded: RecordedBody[] = [];
const secrets = new Set<string>();

/** Records an error response body (status ≥ 400, or an error redirect's Location). */
export function recordErrorBody(entry: RecordedBody): void {
  recorded.push(entry);
}

/** Registers a secret that must never appear in an error body. */
export function registerSecret(secret: string | undefined): void {
  if (secret && secret.length >= 8) secrets.add(secret);
}

/** What must never leave the server in an error. */
const LEAK_PATTERNS: readonly { readonly name: string; readonly pattern: RegExp }[] = [
  { name: 'stack frame', pattern: /\bat (?:async )?[\w$.<>[\] ]*\(?(?:file:\/\/)?\/?[\w./-]+:\d+:\d+\)?/ },
  { name: 'stack frame', pattern: /\n\s+at\s/ },
  { name: 'file path', pattern: /(?:\/work\/|\/home\/|\/tmp\/|\/usr\/|node_modules|\.tsx?:\d+|\.m?js:\d+|[A-Z]:\\)/ },
  {
    name: 'SQL',
    pattern:
      /\b(?:select\s.+\sfrom|insert\s+into|update\s+\w+\s+set|delete\s+from|create\s+table|sqlite_|SQLITE_[A-Z]+|relation "|duplicate key value|violates (?:unique|foreign key))/i,
  },
  {
    name: 'database detail',
    pattern: /\b(?:postgres(?:ql)?:\/\/|ECONNREFUSED|ENOTFOUND|better-sqlite3|kysely|pg_|5432)\b/i,
  },
  { name: 'error class', pattern: /\b(?:TypeError|ReferenceError|SyntaxError|RangeError):/ },
];

/** The leaks in one body, as human-readable findings. */
export function findLeaks(text: string): string[] {
  const findings: string[] = [];
  for (const { name, pattern } of LEAK_PATTERNS) {
    const match = pattern.exec(text);
    if (match) findings.push(`${name}: ${JSON.stringify(match[0].slice(0, 80))}`);
  }
  for (const secret of secrets) {
    if (text.includes(secret)) findings.push(`secret: ${secret.slice(0, 6)}…`);
  }
  return findings;
}

/** Every leak among the bodies recorded so far in this file. */
export function leaksInRecordedBodies(): string[] {
  const report: string[] = [];
  for (const entry of recorded) {
    const findings = findLeaks(`${entry.headers ?? ''}\n${entry.body}`);
    if (findings.length > 0) report.push(`${entry.where} (${entry.status}): ${findings.join('; ')}`);
  }
  return report;
}

/** How many bodies were recorded (the scan must have had something to scan). */
export function recordedBodyCount(): number {
  return recorded.length;
}
