/**
 * Standard input, read whole: `meshkv set KEY -` and `meshkv drop seal -`.
 */
export async function readStdin (): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const c of process.stdin) chunks.push(c as Buffer)
  return Buffer.concat(chunks)
}
