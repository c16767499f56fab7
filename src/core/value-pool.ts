/**
 * Shared slabs for small values. A value held in its own `Uint8Array` costs a view object (~96
 * bytes) on top of its bytes, and one with its own `ArrayBuffer` a buffer object and a backing
 * store besides; a store of a million small values spends more on those than on the values. A
 * held value of at most {@link MAX_POOLED_BYTES} is copied here instead: two bytes of length then
 * the bytes, in a 16 KiB slab shared with the values held after it. An entry keeps the slab and
 * the offset, and makes a view only when its value is read. A slab is freed by the garbage
 * collector once no entry refers to it, so at worst one surviving value keeps 16 KiB alive.
 */

/** The largest value copied into a slab; larger ones keep a buffer of their own. */
export const MAX_POOLED_BYTES = 1024
const SLAB_BYTES = 16 * 1024

export class ValuePool {
  /** The slab the last value was copied into. */
  slab = new Uint8Array(SLAB_BYTES)
  private used = 0

  /** Copies `bytes` (at most MAX_POOLED_BYTES) into a slab: `slab`, at the offset returned. */
  put (bytes: Uint8Array): number {
    const n = bytes.byteLength
    if (this.used + 2 + n > SLAB_BYTES) {
      this.slab = new Uint8Array(SLAB_BYTES)
      this.used = 0
    }
    const at = this.used
    const slab = this.slab
    slab[at] = n >>> 8
    slab[at + 1] = n & 0xff
    slab.set(bytes, at + 2)
    this.used = at + 2 + n
    return at
  }
}

/** The length of the value held at `at` in `slab`. */
export function pooledLength (slab: Uint8Array, at: number): number {
  return (slab[at] << 8) | slab[at + 1]
}

/** A view of the value held at `at` in `slab`. */
export function pooledValue (slab: Uint8Array, at: number): Uint8Array {
  return new Uint8Array(slab.buffer, slab.byteOffset + at + 2, pooledLength(slab, at))
}
