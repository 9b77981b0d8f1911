/**
 * The server children of the bench (bench/oidc-servers.mjs), started with `fork`, stopped
 * by PID, and their memory read from /proc while they are loaded.
 */
import { fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const serversScript = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'oidc-servers.mjs');

/** Children started by this run, killed by PID at the end. */
const children = new Set();

/**
 * Starts one server child (`script`: bench/oidc-servers.mjs unless told, e.g.
 * bench/servers.mjs for error-paths.mjs); resolves with its `ready` report (port,
 * credentials) and `child`.
 */
export function startServer(args, { cpuProfDir, nodeArgs = [], script = serversScript } = {}) {
  const execArgv = [...nodeArgs, ...(cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(cpuProfDir)}`] : [])];
  const child = fork(script, args, { execArgv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server ${args[0]} did not start within 30 s`)), 30_000);
    child.once('message', (message) => {
      clearTimeout(timer);
      if (message?.ready) resolve({ ...message, child });
      else reject(new Error(`server ${args[0]} failed: ${message?.error ?? 'unknown error'}`));
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`server ${args[0]} exited early (code ${code}, signal ${signal})`));
    });
  });
}

/** Stops one child by PID: SIGTERM (lets --cpu-prof write its profile), SIGKILL after 5 s. */
function stopChild(child) {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const force = setTimeout(() => {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {}
    }, 5_000);
    child.once('exit', () => {
      clearTimeout(force);
      resolve();
    });
    try {
      process.kill(child.pid, 'SIGTERM');
    } catch {
      clearTimeout(force);
      resolve();
    }
  });
}

export async function stopAll() {
  await Promise.all([...children].map(stopChild));
}

// Last-resort cleanup: synchronous kill by PID if the parent dies some other way.
process.on('exit', () => {
  for (const child of children) {
    try {
      process.kill(child.pid, 'SIGKILL');
    } catch {}
  }
});
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    stopAll().finally(() => process.exit(130));
  });
}

/** `{ rss, hwm }` of a process in MB from /proc/PID/status (Linux), or undefined elsewhere. */
export function memoryOf(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1]);
    return { rss: kb('VmRSS') / 1024, hwm: kb('VmHWM') / 1024 };
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds (user + system) a process has used so far, from /proc/PID/stat (Linux), or
 * undefined elsewhere. The kernel counts in clock ticks of 10 ms (USER_HZ 100).
 */
export function cpuSecondsOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start at field 3 (state).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/**
 * Samples a child's resident set size every `intervalMs` while `measure` runs. The peak is
 * the higher of the sampled maximum and the kernel's high-water mark (VmHWM) at the end.
 */
export class RssSampler {
  #pid;
  #samples = [];
  #timer;
  /** The highest sample of each phase (`phase(label)`), in the order the phases began. */
  #phasePeaks = new Map();
  #phase;

  constructor(pid, intervalMs = 200) {
    this.#pid = pid;
    this.#timer = setInterval(() => {
      const memory = memoryOf(this.#pid);
      if (!memory) return;
      this.#samples.push(memory.rss);
      if (this.#phase !== undefined) {
        this.#phasePeaks.set(this.#phase, Math.max(this.#phasePeaks.get(this.#phase) ?? 0, memory.rss));
      }
    }, intervalMs);
    this.#timer.unref();
  }

  /** Counts the samples from now on towards `label` (a group of targets, or a code flow). */
  phase(label) {
    this.#phase = label;
  }

  /** `{ startMb, peakMb, meanMb, samples, peakByPhaseMb }`, and stops sampling. */
  stop() {
    clearInterval(this.#timer);
    const last = memoryOf(this.#pid);
    if (!last || this.#samples.length === 0) {
      return { startMb: null, peakMb: null, meanMb: null, samples: 0, peakByPhaseMb: {} };
    }
    const peak = Math.max(last.hwm, ...this.#samples);
    const meanMb = this.#samples.reduce((a, b) => a + b, 0) / this.#samples.length;
    return {
      startMb: Math.round(this.#samples[0]),
      peakMb: Math.round(peak),
      meanMb: Math.round(meanMb),
      samples: this.#samples.length,
      // Sampled maxima only: the kernel's high-water mark cannot be told apart by phase.
      peakByPhaseMb: Object.fromEntries([...this.#phasePeaks].map(([label, mb]) => [label, Math.round(mb)])),
    };
  }
}
