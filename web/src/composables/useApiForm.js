// Sending a form: a busy flag, the server's field errors in the user's language (bind them
// with <el-form-item :error="errors.<field>">), and a message for the error as a whole.
import { reactive, ref } from 'vue'
import { ElMessage } from '../utils/feedback.js'
import { errorMessage, fieldErrors } from '../api/errors.js'

export function useApiForm() {
  const busy = ref(false)
  const errors = reactive({})
  const error = ref(null) // the last ApiError

  function clear() {
    for (const k of Object.keys(errors)) delete errors[k]
    error.value = null
  }

  // Run fn (which calls the API). Returns its result, or undefined after an error that was shown.
  async function submit(fn, { toast = true } = {}) {
    clear()
    busy.value = true
    try {
      return await fn()
    } catch (err) {
      if (err && err.name !== 'ApiError') throw err
      error.value = err
      Object.assign(errors, fieldErrors(err))
      if (toast) ElMessage.error(errorMessage(err))
      return undefined
    } finally {
      busy.value = false
    }
  }

  return { busy, errors, error, submit, clear }
}
