/**
 * Queue and log commands: `queue push|pop|ack|nack|size|peek`, `append`, `range` (hot-queues.ts).
 */
import type { Command } from 'commander'
import { addHot } from './commands-data.js'
import { HOT_QUEUES } from './hot-queues.js'

export function registerQueueCommands (p: Command): void {
  const queue = p.command('queue').description('work queues: push, pop with a visibility timeout, ack (exit 1 when pop finds nothing)')
    .addHelpText('after', `
Examples:
  meshkv queue push reviews '{"pr":101}'
  item=$(meshkv queue pop reviews --visibility-timeout 5m) && meshkv queue ack reviews "$(jq -r .receipt <<<"$item")"
  meshkv queue size reviews --format value

Gossip mode (default) is at-least-once: two nodes popping within the gossip delay may both get an
item (one daemon never hands one item to two callers). --mode quorum: one consumer per item.
An item delivered --max-deliveries times without an ack moves to NAME:dead.`)
  for (const spec of [HOT_QUEUES.queuePush, HOT_QUEUES.queuePop, HOT_QUEUES.queueAck, HOT_QUEUES.queueNack, HOT_QUEUES.queueSize, HOT_QUEUES.queuePeek]) addHot(queue, spec)
  addHot(p, HOT_QUEUES.append)
  addHot(p, HOT_QUEUES.range)
}
