/**
 * The instance's own keys: the admin key and the instance secret. Taken from the
 * configuration when set; otherwise generated once into the data directory (created
 * 0700, the key files 0600) and read back on later starts.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config/config.js';
import { ensurePrivateDirectory, PRIVATE_FILE_MODE } from './private-files.js';
import { newAdminKey, randomBase62 } from './secrets.js';

/** The keys in force, and whether the admin key was just generated (print it once). */
export interface InstanceKeys {
  readonly adminKey: string;
  readonly secretKey: string;
  readonly adminKeyGenerated: boolean;
  readonly adminKeyFile: string | undefined;
}

function readOrCreate(file: string, create: () => string): { value: string; created: boolean } {
  if (existsSync(file)) {
    const value = readFileSync(file, 'utf8').trim();
    if (value.length < 32) throw new RangeError(`${file} holds no valid key; delete it to generate a new one`);
    return { value, created: false };
  }
  ensurePrivateDirectory(path.dirname(file));
  const value = create();
  writeFileSync(file, `${value}\n`, { mode: PRIVATE_FILE_MODE, flag: 'wx' });
  return { value, created: true };
}

/** Resolves the admin key and instance secret for a configuration. */
export function loadInstanceKeys(config: Config): InstanceKeys {
  const adminKeyFile = path.join(config.dataDir, 'admin-key');
  const admin = config.adminKey ? { value: config.adminKey, created: false } : readOrCreate(adminKeyFile, newAdminKey);
  const secret = config.secretKey
    ? { value: config.secretKey }
    : readOrCreate(path.join(config.dataDir, 'secret-key'), () => randomBase62(64));
  return {
    adminKey: admin.value,
    secretKey: secret.value,
    adminKeyGenerated: admin.created,
    adminKeyFile: config.adminKey ? undefined : adminKeyFile,
  };
}
