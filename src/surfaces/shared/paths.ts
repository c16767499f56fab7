/**
 * Where a user's daemons live: `$MESHKV_RUNTIME_DIR`, else `$XDG_RUNTIME_DIR/meshkv`, else
 * `~/.meshkv/run`; one Unix socket, pid file and log per mesh name. What a daemon keeps across
 * restarts (its identity) lives in its state directory: `--state-dir` (`$MESHKV_STATE_DIR`), else
 * `$XDG_STATE_HOME/meshkv/<mesh>`, else `~/.meshkv/state/<mesh>`.
 */
import * as builtin from './builtin.js'

const join = (...parts: string[]): string => builtin.path().join(...parts)

export function runtimeDir (env: NodeJS.ProcessEnv = process.env): string {
  if (env.MESHKV_RUNTIME_DIR !== undefined && env.MESHKV_RUNTIME_DIR !== '') return env.MESHKV_RUNTIME_DIR
  if (env.XDG_RUNTIME_DIR !== undefined && env.XDG_RUNTIME_DIR !== '') return join(env.XDG_RUNTIME_DIR, 'meshkv')
  return join(builtin.os().homedir(), '.meshkv', 'run')
}

const safeName = (mesh: string): string => mesh.replace(/[^A-Za-z0-9._-]/g, '_')

/** The default state directory of a mesh's daemon (`--state-dir` and `$MESHKV_STATE_DIR` override it). */
export function defaultStateDir (mesh: string, env: NodeJS.ProcessEnv = process.env): string {
  if (env.XDG_STATE_HOME !== undefined && env.XDG_STATE_HOME !== '') return join(env.XDG_STATE_HOME, 'meshkv', safeName(mesh))
  return join(builtin.os().homedir(), '.meshkv', 'state', safeName(mesh))
}

export function daemonPaths (mesh: string, env: NodeJS.ProcessEnv = process.env): { dir: string, socket: string, pid: string, log: string } {
  const dir = runtimeDir(env)
  const safe = safeName(mesh)
  return { dir, socket: join(dir, `${safe}.sock`), pid: join(dir, `${safe}.pid`), log: join(dir, `${safe}.log`) }
}
