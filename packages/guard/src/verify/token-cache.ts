interface Slot<V> {
  readonly token: string;
  readonly value: V;
  /** Second-chance bit: set on every hit, so a hit costs one store instead of a Map reorder. */
  referenced: boolean;
}

/**
 * Keys slots by the token's last characters (part of its signature) instead of the whole token:
 * hashing a fresh ~1 KiB header string costs more than everything else on the hit path, while
 * 32 base64url characters are still unique among real tokens. The full string is compared on
 * every hit, so a suffix collision is a miss, never a wrong answer.
 */
const KEY_LENGTH = 32;
const keyOf = (token: string): string => (token.length > KEY_LENGTH ? token.slice(-KEY_LENGTH) : token);

/**
 * Bounded token map with CLOCK (second-chance) eviction: approximately LRU, but `get` does no
 * Map mutation (one flag store), which keeps the per-request hit path cheap.
 */
export class BoundedCache<V> {
  readonly #slots = new Map<string, Slot<V>>();
  readonly #max: number;

  constructor(max: number) {
    this.#max = max;
  }

  get size(): number {
    return this.#slots.size;
  }

  get(token: string): V | undefined {
    const slot = this.#slots.get(keyOf(token));
    if (slot === undefined || slot.token !== token) return undefined;
    slot.referenced = true;
    return slot.value;
  }

  set(token: string, value: V): void {
    const key = keyOf(token);
    if (!this.#slots.delete(key) && this.#slots.size >= this.#max) this.#evictOne();
    this.#slots.set(key, { token, value, referenced: false });
  }

  delete(token: string): void {
    const key = keyOf(token);
    if (this.#slots.get(key)?.token === token) this.#slots.delete(key);
  }

  deleteWhere(predicate: (value: V) => boolean): void {
    for (const [key, slot] of this.#slots) if (predicate(slot.value)) this.#slots.delete(key);
  }

  clear(): void {
    this.#slots.clear();
  }

  #evictOne(): void {
    // Map iteration is insertion-ordered: referenced slots move to the back with their bit
    // cleared; the first unreferenced slot goes. Terminates within one full lap.
    for (const [key, slot] of this.#slots) {
      this.#slots.delete(key);
      if (!slot.referenced) return;
      slot.referenced = false;
      this.#slots.set(key, slot);
    }
  }
}
