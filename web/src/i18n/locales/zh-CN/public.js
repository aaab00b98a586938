// Messages of the public part of the app: home, search, listings, sign-in (Chinese).
export default {
  login: {
    title: '登录', username: '用户名 / 手机号 / 邮箱', password: '密码', noAccount: '还没有账号？',
    expired: '登录已过期，请重新登录',
    errors: {
      unauthenticated: '用户名或密码不正确', forbidden: '账号已被封禁，请联系平台客服', rate_limited: '尝试次数过多，请 15 分钟后再试',
    },
  },
  register: {
    title: '注册账号', role: '我是', username: '用户名', displayName: '昵称', password: '密码',
    passwordHint: '至少 8 位', phone: '手机号（选填）', email: '邮箱（选填）', haveAccount: '已有账号？',
    roleHint: {
      owner: '登记宠物、搜索并预订寄养服务',
      provider: '提交资质材料，经平台审核通过后即可发布寄养服务',
    },
  },
  notFound: { title: '页面不存在', text: '您访问的页面不存在或已被移除' },
}
