/**
 * The scripted fake model: no network, deterministic. A reply depends on the turn and on the
 * history the engine handed it, so a turn retried on another engine gives the same reply, tokens
 * and cost (and a history that lost or doubled a message gives another reply, which the client's
 * check sees).
 */
import { setTimeout as sleep } from 'node:timers/promises'

export interface Message { role: 'user' | 'assistant', turn: number, content: string }
export interface Reply { content: string, tokens: { input: number, output: number }, cost: number, durationMs: number }

/** How long the model "thinks": the window in which the example kills an engine. */
export const THINK_MS = 120

/** Prices per token (floats whose sums are not associative: the stores count micro-units). */
const INPUT_PRICE = 0.000_003_1
const OUTPUT_PRICE = 0.000_015_7

/** The reply to turn `turn` given `history` (every message before, the user's last). */
export function script (turn: number, history: Message[]): Reply {
  const input = 40 + history.reduce((n, m) => n + m.content.length, 0)
  const output = 20 + (turn * 37) % 91
  return {
    content: `reply ${turn}: I have read ${history.length} messages (${input} tokens)`,
    tokens: { input, output },
    cost: input * INPUT_PRICE + output * OUTPUT_PRICE,
    durationMs: THINK_MS + (turn % 5) * 0.25
  }
}

/** The model call: thinks, then answers. */
export async function complete (turn: number, history: Message[], signal?: AbortSignal): Promise<Reply> {
  await sleep(THINK_MS, undefined, { signal })
  return script(turn, history)
}

/** What the user says at each turn. */
export function userSays (turn: number): string {
  return `question ${turn}: ${'why '.repeat(1 + turn % 4)}?`
}
