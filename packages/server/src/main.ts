/**
 * `npm start`: serve with the configuration from the environment (SQLite under
 * `./data` by default), creating a sandbox demo app on a fresh instance.
 */
import { runCli } from './cli.js';

runCli(['serve']).then(
  (code) => {
    if (code !== 0) process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`idgate: failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
