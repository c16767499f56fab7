/**
 * The default lock owner (and leader id): `$MESHKV_OWNER`, else this host and the calling shell's
 * pid, so a script that acquires can release. Under `npx` the parent is npm's own process (new on
 * every call), so the search walks up past npm, npx and `sh -c` wrappers (Linux /proc; elsewhere
 * the parent).
 */
import * as builtin from '../shared/builtin.js'

export function defaultOwner (): string {
  if (process.env.MESHKV_OWNER !== undefined && process.env.MESHKV_OWNER !== '') return process.env.MESHKV_OWNER
  return `${builtin.os().hostname()}:${callerPid()}`
}

function callerPid (): number {
  const { readFileSync } = builtin.fs()
  let pid = process.ppid
  for (let hops = 0; hops < 5; hops++) {
    let cmdline: string
    let parent: number
    try {
      cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
      parent = Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[1])
    } catch {
      return pid
    }
    if (!/^(npm|npx)( |\0)|npm-cli\.js|npx-cli\.js|^(\/bin\/)?sh\0-c\0/.test(cmdline) || parent <= 1) return pid
    pid = parent
  }
  return pid
}
