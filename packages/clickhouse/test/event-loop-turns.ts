/**
 * Counts turns of the event loop (setImmediate callbacks) from now until `stop()`. Work done back
 * to back in microtasks lets no callback run, so the count stands still while it runs.
 */
export function countTurns(): { readonly count: number; stop(): void } {
  let count = 0
  let running = true
  const turn = () => {
    count++
    if (running) setImmediate(turn)
  }
  setImmediate(turn)
  return {
    get count() {
      return count
    },
    stop() {
      running = false
    },
  }
}
