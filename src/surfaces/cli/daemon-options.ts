/**
 * The daemon's options, declared once. `daemon run` and `daemon start` both register every one of
 * them (commands-daemon.ts), `daemon start` hands the ones given on to the `daemon run` it spawns
 * (`daemonArgs`), and the daemon reads each from its flag, `MESHKV_<NAME>` or the `--config` file
 * (daemon.ts, `SETTING_KEYS`). A new daemon option is one line here (and its use in daemon.ts).
 * Loads nothing: the CLI's other commands import it.
 */

export interface DaemonOption {
  /** commander's flags: `--max-ttl <duration>` takes a value, `--in-memory` is a flag, `--no-mdns` sets `mdns` to false */
  flags: string
  description: string
}

export const DAEMON_OPTIONS: readonly DaemonOption[] = [
  { flags: '--listen <multiaddrs>', description: 'comma-separated multiaddrs to listen on (MESHKV_LISTEN)' },
  { flags: '--bootstrap <multiaddrs>', description: 'comma-separated multiaddrs of peers to dial (MESHKV_BOOTSTRAP)' },
  { flags: '--no-mdns', description: 'do not discover peers on the LAN (MESHKV_MDNS=false)' },
  { flags: '--max-drift <duration>', description: 'tolerated clock skew: remote timestamps further ahead are refused, and this node refuses writes while its clock is further from the mesh\'s (default 60s)' },
  { flags: '--max-key-bytes <n>', description: 'largest key (default 1024)' },
  { flags: '--max-value-bytes <n>', description: 'largest value (default 1048576)' },
  { flags: '--max-entries <n>', description: 'most versions this node holds, tombstones included (default 1000000)' },
  { flags: '--max-bytes <n>', description: 'most bytes this node holds: keys + values + 64 per version (default 536870912, 512 MiB)' },
  { flags: '--default-ttl <duration>', description: 'TTL of writes without one (default 1h; inf: none)' },
  { flags: '--max-ttl <duration>', description: 'longest finite TTL (default 7d for the daemon)' },
  { flags: '--tombstone-grace <duration>', description: 'least time tombstones are kept (default 10m)' },
  { flags: '--sync-interval <duration>', description: 'anti-entropy interval (default 5s)' },
  { flags: '--catch-up <duration>', description: 'reads this soon after start wait for the first anti-entropy round when peers are expected (default 5s; 0: never)' },
  { flags: '--quorum-members <peerIds>', description: 'comma-separated peer ids of the quorum members: locks default to quorum mode, --mode quorum operations agree through them' },
  { flags: '--max-lease-ttl <duration>', description: 'longest quorum lease (default 60s)' },
  { flags: '--http <host:port>', description: 'also serve the HTTP API on TCP, e.g. 127.0.0.1:7420 (MESHKV_HTTP)' },
  { flags: '--http-host <host>', description: 'allow --http to bind this non-loopback host (needs --token-file)' },
  { flags: '--token-file <path>', description: 'bearer token required on the TCP API (and for POST /v1/shutdown there)' },
  { flags: '--psk-file <path>', description: 'swarm key of a private mesh, from `meshkv keygen` (MESHKV_PSK_FILE)' },
  { flags: '--allow-peers <peerIds>', description: 'comma-separated peer ids: refuse every other peer (MESHKV_ALLOW_PEERS)' },
  { flags: '--state-dir <dir>', description: 'what the daemon keeps across restarts, its identity (MESHKV_STATE_DIR; default $XDG_STATE_HOME/meshkv/<mesh>, else ~/.meshkv/state/<mesh>)' },
  { flags: '--data-dir <dir>', description: 'where keys, tombstones, the clock and lock grants are kept across restarts (MESHKV_DATA_DIR; default: the state directory)' },
  { flags: '--in-memory', description: 'keep no data on disk: every key is lost when the daemon stops (MESHKV_IN_MEMORY=true)' },
  { flags: '--identity-file <path>', description: 'the node\'s identity key, created on first start (MESHKV_IDENTITY_FILE; default <state dir>/identity.key)' },
  { flags: '--config <file>', description: 'JSON file of these settings (MESHKV_CONFIG)' }
]

/** The long name of an option: `--max-ttl <duration>` → `max-ttl`, `--no-mdns` → `no-mdns`. */
const longName = (flags: string): string => flags.split(' ')[0].slice(2)

/** The settings key of an option (commander's attribute name): `--max-ttl <d>` → `maxTtl`, `--no-mdns` → `mdns`. */
export function settingKey (option: DaemonOption): string {
  return longName(option.flags).replace(/^no-/, '').replace(/-([a-z])/g, (_, c: string) => c.toUpperCase())
}

/** Every settings key (also `MESHKV_<SNAKE_CASE>` and a `--config` key), `config` itself excepted. */
export const SETTING_KEYS: readonly string[] = DAEMON_OPTIONS.map(settingKey).filter(k => k !== 'config')

/** The `daemon run` arguments that give the options set in `opts` (commander's parsed options). */
export function daemonArgs (opts: Readonly<Record<string, unknown>>): string[] {
  const args: string[] = []
  for (const option of DAEMON_OPTIONS) {
    const value = opts[settingKey(option)]
    if (option.flags.startsWith('--no-')) {
      if (value === false) args.push(`--${longName(option.flags)}`)
    } else if (typeof value === 'string') {
      args.push(`--${longName(option.flags)}=${value}`)
    } else if (value === true) {
      args.push(`--${longName(option.flags)}`)
    }
  }
  return args
}
