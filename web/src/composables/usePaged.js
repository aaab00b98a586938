// A list the API pages with cursors ({items, next_cursor}): the first page, "load more",
// and the loading and error states.
import { ref } from 'vue'

export function usePaged(fetchPage, { limit = 20 } = {}) {
  const items = ref([])
  const next = ref(null)
  const loading = ref(false)
  const error = ref(null)
  const loaded = ref(false)
  let seq = 0

  async function load(more = false) {
    const mine = ++seq
    loading.value = true
    error.value = null
    try {
      const page = await fetchPage({ limit, ...(more && next.value ? { cursor: next.value } : {}) })
      if (mine !== seq) return
      items.value = more ? [...items.value, ...page.items] : page.items
      next.value = page.next_cursor || null
      loaded.value = true
    } catch (err) {
      if (mine === seq) error.value = err
    } finally {
      if (mine === seq) loading.value = false
    }
  }

  const reload = () => load(false)
  const more = () => load(true)
  return { items, next, loading, error, loaded, reload, more }
}
