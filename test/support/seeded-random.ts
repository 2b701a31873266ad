/** A generator of numbers in [0, 1), like `Math.random`. */
export type Rng = () => number

/** mulberry32: a small seeded generator, so that a fuzzer checks the same values on every run. */
export function seededRandom(seed: number): Rng {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** A whole number in [0, n). */
export const int = (rng: Rng, n: number): number => Math.floor(rng() * n)

/** One of `xs`, which must not be empty. */
export const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[int(rng, xs.length)] as T
