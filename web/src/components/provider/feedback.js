// ElMessage and ElMessageBox with their styles: imported by hand they miss the on-demand
// style imports the resolver adds to template components, so the toasts and confirmations of
// the provider views import them from here.
import 'element-plus/es/components/message/style/css'
import 'element-plus/es/components/message-box/style/css'

export { ElMessage, ElMessageBox } from 'element-plus'
