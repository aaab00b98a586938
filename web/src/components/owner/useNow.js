// A clock for countdowns: a ref with the current time in ms, ticking every second while the
// component that asked for it is mounted.
import { onBeforeUnmount, ref } from 'vue'

export function useNow(intervalMs = 1000) {
  const now = ref(Date.now())
  const timer = setInterval(() => (now.value = Date.now()), intervalMs)
  onBeforeUnmount(() => clearInterval(timer))
  return now
}
