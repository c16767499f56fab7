/**
 * Coordination commands: lock, leader, heartbeat, members.
 */
import type { Command } from 'commander'
import { EXIT } from '../shared/errors.js'
import { out } from '../shared/output.js'
import { durationOption as ms } from '../shared/duration.js'
import { readStdin } from '../shared/stdin.js'
import { addHot, clientFor, keyPath } from './commands-data.js'
import { HOT } from './hot.js'
import { defaultOwner } from './owner.js'


/** Runs until SIGINT/SIGTERM; resolves an AbortSignal that fires then. */
function untilInterrupted (): AbortSignal {
  const ac = new AbortController()
  process.once('SIGINT', () => ac.abort())
  process.once('SIGTERM', () => ac.abort())
  return ac.signal
}

export function registerCoordinationCommands (p: Command): void {
  const lock = p.command('lock').description('leases with fencing tokens (exit 4 when another owner holds the lock)')
    .addHelpText('after', `
Examples:
  meshkv lock acquire deploy:prod --ttl 30s && deploy && meshkv lock release deploy:prod
  meshkv lock acquire review:pr-7 --owner agent-3 --wait 2m
  meshkv lock check deploy:prod

The default owner is this host and the calling shell's pid (${defaultOwner()}).`)
  addHot(lock, HOT.lockAcquire)
  addHot(lock, HOT.lockRelease)
  lock.command('extend').argument('<name>')
    .description('renew the lease (holder only, through the daemon that acquired it)')
    .option('--ttl <duration>', 'new lease duration', '30s')
    .option('--owner <id>', 'who holds it')
    .action(async (name: string, o: { ttl: string, owner?: string }, cmd: Command) => {
      out(await clientFor(cmd).json('POST', `/v1/locks/${keyPath(name)}/extend`, { body: { ttl: ms('--ttl', o.ttl), owner: o.owner ?? defaultOwner() } }))
    })
  lock.command('check').argument('<name>')
    .description('who holds the lock; exit 0 when held, 1 when free')
    .action(async (name: string, _o: unknown, cmd: Command) => {
      const s = await clientFor(cmd).json<{ held: boolean }>('GET', `/v1/locks/${keyPath(name)}`)
      out(s)
      if (!s.held) process.exitCode = EXIT.notFound
    })

  const leader = p.command('leader').description('leader election (exit 4 when another leader is live)')
    .addHelpText('after', `
Examples:
  meshkv leader elect nightly-report --id "$HOSTNAME" &   # leads, renewing, while it runs
  meshkv leader elect nightly-report --once --ttl 10m     # leads for one TTL, no renewal
  meshkv leader check nightly-report`)
  leader.command('elect').argument('<group>')
    .description('become leader and keep renewing while this process lives (or --once)')
    .option('--ttl <duration>', 'lease duration (renewed every third of it)', '10s')
    .option('--id <id>', 'this candidate\'s id', defaultOwner())
    .option('--wait <duration>', 'campaign this long (inf: until elected) instead of failing at once')
    .option('--once', 'lead for one TTL without renewing, and return')
    .action(async (group: string, o: { ttl: string, id: string, wait?: string, once?: boolean }, cmd: Command) => {
      const c = clientFor(cmd)
      const body = { ttl: ms('--ttl', o.ttl), id: o.id, wait: ms('--wait', o.wait, true), once: o.once === true }
      if (o.once === true) {
        out(await c.json('POST', `/v1/leaders/${keyPath(group)}/elect`, { body }))
        return
      }
      let lost = false
      await c.events('POST', `/v1/leaders/${keyPath(group)}/elect`, (event, data) => {
        out({ event, ...(data as object) })
        if (event === 'lost') lost = true
      }, { body, signal: untilInterrupted() })
      if (lost) process.exitCode = EXIT.lockUnavailable
    })
  leader.command('check').argument('<group>')
    .description('the live leader; exit 0 when there is one, 1 when none')
    .action(async (group: string, _o: unknown, cmd: Command) => {
      const s = await clientFor(cmd).json<{ leader: string | null }>('GET', `/v1/leaders/${keyPath(group)}`)
      out(s)
      if (s.leader === null) process.exitCode = EXIT.notFound
    })
  leader.command('resign').argument('<group>')
    .description('step down (the leader\'s id only)')
    .option('--id <id>', 'the leader\'s id', defaultOwner())
    .action(async (group: string, o: { id: string }, cmd: Command) => {
      out(await clientFor(cmd).json('POST', `/v1/leaders/${keyPath(group)}/resign`, { body: { id: o.id } }))
    })

  p.command('heartbeat').argument('<id>')
    .description('announce presence: beat every interval while this process lives (or --once)')
    .option('--interval <duration>', 'how often to beat', '1s')
    .option('--ttl <duration>', 'gone this long after the last beat (default: 3 x interval)')
    .option('--data <text>', 'published with every beat')
    .option('--once', 'beat once and return')
    .addHelpText('after', '\nExamples:\n  meshkv heartbeat worker-12 --interval 2s &\n  meshkv members worker-')
    .action(async (id: string, o: { interval: string, ttl?: string, data?: string, once?: boolean }, cmd: Command) => {
      const c = clientFor(cmd)
      const body = { interval: ms('--interval', o.interval), ttl: ms('--ttl', o.ttl), data: o.data, once: o.once === true }
      if (o.once === true) {
        out(await c.json('POST', `/v1/heartbeat/${keyPath(id)}`, { body }))
        return
      }
      await c.events('POST', `/v1/heartbeat/${keyPath(id)}`, (event, data) => out({ event, ...(data as object) }), { body, signal: untilInterrupted() })
    })

  const drop = p.command('drop').description('encrypted drops: only the token holder (or the private key) can open them')
    .addHelpText('after', `
Examples:
  token=$(meshkv drop seal "the password is hunter2" --ttl 10m --burn-after-read | jq -r .token)
  meshkv drop open "$token" --format value
  meshkv keygen --drop > me.json; meshkv drop seal "hi" --to "$(jq -r .publicKey me.json)"
  meshkv drop open --private-key "$(jq -r .privateKey me.json)"`)
  drop.command('seal').argument('<data>', 'the payload; - reads stdin')
    .description('encrypt and store; prints the token (or, with --to, seals to a public key)')
    .option('--ttl <duration>', 'self-destruct after this long (default: the daemon\'s default TTL)')
    .option('--burn-after-read', 'the first open deletes it')
    .option('--to <publicKey>', 'seal to a recipient\'s public key (from `meshkv keygen --drop`)')
    .action(async (data: string, o: { ttl?: string, burnAfterRead?: boolean, to?: string }, cmd: Command) => {
      const payload = data === '-' ? (await readStdin()).toString('utf8') : data
      out(await clientFor(cmd).json('POST', '/v1/drops/seal', { body: { data: payload, ttl: ms('--ttl', o.ttl), burn_after_read: o.burnAfterRead === true, to: o.to } }))
    })
  drop.command('open').argument('[token]')
    .description('find, decrypt and print a drop (exit 1 when there is none)')
    .option('--private-key <key>', 'open every drop sealed to this key pair instead')
    .option('--wait <duration>', 'wait this long for it to arrive')
    .option('--format <format>', 'json | value', 'json')
    .action(async (token: string | undefined, o: { privateKey?: string, wait?: string, format: string }, cmd: Command) => {
      const r = await clientFor(cmd).json<{ data: string | string[], failed?: Array<{ key: string, name: string, error: string }> }>('POST', '/v1/drops/open', { body: { token, private_key: o.privateKey, wait: ms('--wait', o.wait) } })
      if (o.format === 'value') {
        process.stdout.write((Array.isArray(r.data) ? r.data.join('\n') : r.data) + '\n')
        // inbox entries that did not open: said on stderr, so the values on stdout stay clean
        for (const f of r.failed ?? []) process.stderr.write(JSON.stringify(f) + '\n')
      } else out(r)
    })

  p.command('keygen')
    .description('print a new swarm key for a private mesh (--psk-file), or with --drop a key pair for public-key drops')
    .option('--drop', 'an X25519 key pair for `drop seal --to` / `drop open --private-key`')
    .addHelpText('after', '\nExamples:\n  meshkv keygen > swarm.key && meshkv daemon run --psk-file swarm.key\n  meshkv keygen --drop > me.json')
    .action(async (o: { drop?: boolean }) => {
      // the public API loads only when needed: other commands talk to the daemon
      const { generateDropKeyPair, generateSwarmKey } = await import('../../index.js')
      if (o.drop === true) out(generateDropKeyPair())
      else process.stdout.write(generateSwarmKey() + '\n')
    })

  p.command('members').argument('[prefix]', 'only ids starting with this', '')
    .description('live presence entries')
    .action(async (prefix: string, _o: unknown, cmd: Command) => {
      out(await clientFor(cmd).json('GET', '/v1/members', { query: { prefix } }))
    })
}
