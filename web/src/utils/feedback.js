// ElMessage (toasts) and ElMessageBox (confirmations) with their styles. Imported by hand they
// miss the on-demand style imports the resolver adds to template components, so every file
// takes them from here.
import 'element-plus/es/components/message/style/css'
import 'element-plus/es/components/message-box/style/css'

export { ElMessage, ElMessageBox } from 'element-plus'
