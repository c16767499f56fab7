/**
 * A binary min-heap of (deadline, item, tag) kept in parallel arrays, so a scheduled expiry costs a
 * number and two slots rather than an object. Ordered by deadline, then tag: equal deadlines pop
 * in tag order.
 */
export class DeadlineHeap<T> {
  private at: number[] = []
  private items: T[] = []
  private tags: number[] = []

  get size (): number {
    return this.at.length
  }

  /** The earliest deadline, or undefined when empty. */
  peek (): number | undefined {
    return this.at[0]
  }

  push (at: number, item: T, tag: number): void {
    this.at.push(at)
    this.items.push(item)
    this.tags.push(tag)
    this.up(this.at.length - 1)
  }

  /** Removes the earliest; calls `fn(item, tag, at)`. Returns false when empty. */
  pop (fn: (item: T, tag: number, at: number) => void): boolean {
    const n = this.at.length
    if (n === 0) return false
    const at = this.at[0]
    const item = this.items[0]
    const tag = this.tags[0]
    const lastAt = this.at.pop() as number
    const lastItem = this.items.pop() as T
    const lastTag = this.tags.pop() as number
    if (n > 1) {
      this.at[0] = lastAt
      this.items[0] = lastItem
      this.tags[0] = lastTag
      this.down(0)
    }
    fn(item, tag, at)
    return true
  }

  /** Keeps only the items `keep` approves, then restores heap order in O(n). */
  filter (keep: (item: T, tag: number) => boolean): void {
    const at: number[] = []
    const items: T[] = []
    const tags: number[] = []
    for (let i = 0; i < this.at.length; i++) {
      if (keep(this.items[i], this.tags[i])) {
        at.push(this.at[i])
        items.push(this.items[i])
        tags.push(this.tags[i])
      }
    }
    this.at = at
    this.items = items
    this.tags = tags
    for (let i = (at.length >> 1) - 1; i >= 0; i--) this.down(i)
  }

  clear (): void {
    this.at = []
    this.items = []
    this.tags = []
  }

  private less (i: number, j: number): boolean {
    return this.at[i] < this.at[j] || (this.at[i] === this.at[j] && this.tags[i] < this.tags[j])
  }

  private swap (i: number, j: number): void {
    const a = this.at[i]; this.at[i] = this.at[j]; this.at[j] = a
    const b = this.items[i]; this.items[i] = this.items[j]; this.items[j] = b
    const c = this.tags[i]; this.tags[i] = this.tags[j]; this.tags[j] = c
  }

  private up (i: number): void {
    while (i > 0) {
      const p = (i - 1) >> 1
      if (!this.less(i, p)) return
      this.swap(i, p)
      i = p
    }
  }

  private down (i: number): void {
    const n = this.at.length
    for (;;) {
      const l = 2 * i + 1
      const r = l + 1
      let m = i
      if (l < n && this.less(l, m)) m = l
      if (r < n && this.less(r, m)) m = r
      if (m === i) return
      this.swap(i, m)
      i = m
    }
  }
}
