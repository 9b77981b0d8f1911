/**
 * Files only the instance's own user may read: the data directory (the SQLite database
 * and generated keys live there) is created `0700`, and the files in it `0600`, whatever
 * the process umask would give (Node and SQLite create `0755` directories and `0644`
 * files by default). Existing directories and files keep the modes they have.
 */
import { closeSync, mkdirSync, openSync } from 'node:fs';

/** Mode of a directory idgate creates for its data. */
export const PRIVATE_DIRECTORY_MODE = 0o700;

/** Mode of a file idgate creates in its data directory. */
export const PRIVATE_FILE_MODE = 0o600;

/** Creates `directory` (and missing parents) with mode `0700`; an existing one is left as it is. */
export function ensurePrivateDirectory(directory: string): void {
  mkdirSync(directory, { recursive: true, mode: PRIVATE_DIRECTORY_MODE });
}

/**
 * Creates `file` empty with mode `0600` unless it exists (a file opened afterwards by a
 * library, such as SQLite, keeps that mode, and SQLite gives its `-wal` and `-shm` files
 * the mode of the database file).
 */
export function ensurePrivateFile(file: string): void {
  let descriptor: number;
  try {
    descriptor = openSync(file, 'wx', PRIVATE_FILE_MODE);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return;
    throw error;
  }
  closeSync(descriptor);
}
