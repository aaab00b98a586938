// Messages of the owner part of the app and of the pages owners share with providers: pets,
// booking, paying, orders, a stay's page, the inbox and the account (zh-CN).
export default {
  pets: { title: '我的宠物', add: '添加宠物', addFirst: '登记第一只宠物', empty: '还没有登记宠物', neutered: '已绝育' },
  pet: {
    newTitle: '添加宠物', editTitle: '编辑 {name}', basics: '基本信息', photos: '照片', name: '名字', breed: '品种',
    species: '类型', sex: '性别', age: '年龄', byBirthDate: '按生日', byAge: '按年龄', birthDate: '生日', ageYears: '年龄（岁）',
    weight: '体重（公斤）', neutered: '是否绝育', yes: '是', no: '否', description: '性格与习惯',
    care: '护理须知',
    careFields: { feeding: '喂食', medication: '用药', allergies: '过敏', vet_contact: '兽医联系方式' },
    carePlaceholders: {
      feeding: '如：早晚各一次狗粮，每次 150 克', medication: '如：每天早上半片驱虫药', allergies: '如：鸡肉过敏',
      vet_contact: '如：朝阳宠物医院 010-12345678',
    },
    delete: '删除宠物', deleteTitle: '删除宠物', deleteConfirm: '确定删除「{name}」吗？删除后无法恢复，已有订单中仍会保留它的记录。',
    deleted: '已删除',
    vaccinations: '疫苗记录', noVaccinations: '还没有疫苗记录', vaccineName: '疫苗名称', vaccinePlaceholder: '如：狂犬疫苗',
    givenOn: '接种日期', expiresOn: '有效期至', expired: '已过期', vaccinationAdd: '添加疫苗记录', vaccinationDelete: '删除这条疫苗记录？',
  },
  book: {
    title: '预订寄养', dates: '入住时间', pets: '寄养的宠物', noPets: '您还没有登记宠物，先添加一只吧',
    petsHint: '一次最多 {n} 只。', petUnsuitable: '可能不符合房源要求',
    price: '费用明细', perNight: '每晚每只', nights: '晚数', petsCount: '宠物数', formula: '{nights} × {price} × {pets}', nightsN: '{n} 晚', petsN: '{n} 只',
    total: '合计', quoting: '正在计算价格…', quoteHint: '选择日期和宠物后显示价格',
    payWithin: '提交后请在 15 分钟内完成支付', confirm: '确认预订并支付', retryPay: '继续支付', seeOrder: '查看订单',
    err: {
      fullNight: '{night} 这一晚已订满，请换个日期',
      species: '{name}：这家不接收这种宠物', weight: '{name} 体重 {weight} 公斤，超过了房源上限 {max} 公斤',
      notYours: '包含不属于您的宠物', busy: '{name} 在 {night} 已有其他寄养订单', listingClosed: '该房源暂不接受预订',
    },
  },
  pay: {
    cashier: '收银台', sandbox: '沙箱环境', amount: '支付金额', merchant: '收款方', order: '订单', stay: '入住',
    status: '状态', timeLeft: '剩余支付时间', overdue: '已超过支付时限', pay: '确认支付 {amount}', simulateFailure: '模拟支付失败',
    sandboxNote: '这是测试用的沙箱收银台，不会产生真实扣款', waiting: '正在确认支付结果…', succeeded: '支付成功',
    redirecting: '正在跳转到订单…', failed: '支付失败', retry: '重新支付', toOrder: '查看订单',
    slow: '支付结果还没有返回，请稍后刷新',
  },
  orders: {
    title: '我的订单', all: '全部', empty: '还没有订单', findBoarding: '去找寄养', payNow: '立即支付',
    payWithin: '请在 {time} 内支付',
  },
  order: {
    title: '订单详情', number: '订单号', listing: '寄养房源', details: '订单信息', paid: '已付金额', refundDecided: '应退金额',
    refunded: '已退金额', acceptBefore: '商家接单截止', note: '备注', awaitingPayment: '订单待支付',
    pets: '寄养宠物', petGone: '这只宠物的资料已删除', petPrivate: '宠物资料仅在寄养期间可见',
    careLog: '护理日志', noCareLogs: '还没有护理日志', timeline: '订单进度',
    by: { owner: '宠物主人', provider: '寄养家庭', admin: '平台管理员', system: '系统' },
    cancel: '取消订单', cancelTitle: '取消订单', cancelReason: '取消原因（选填）', keep: '暂不取消', cancelConfirm: '确认取消',
    cancelled: '订单已取消', refundYouGet: '预计退款', refundOf: '已付 {paid}，退还 {percent}%',
    refund: {
      policy: '距入住还有约 {hours} 小时，按平台规则（入住前 {min} 小时以上）退还 {percent}%。',
      no_rule: '距入住时间太近，按平台规则不予退款。', stay_started: '寄养已开始，无法退款。',
      not_owner: '将全额退款。', unpaid: '订单尚未支付，取消后无需退款。', notCancellable: '当前状态不能取消订单。',
    },
  },
  care: { mood: '心情', walks: '遛弯 {n} 次', meals: '饮食', medication: '用药' },
  review: {
    title: '我的评价', overall: '总体评分', optional: '{name}（选填）', text: '评价内容', placeholder: '说说这次寄养的体验吧',
    submit: '发表评价', thanks: '感谢您的评价', needStars: '请先打分',
  },
  inbox: { all: '全部', unread: '未读', empty: '还没有通知', noUnread: '没有未读通知', markRead: '标为已读' },
  account: {
    profile: '个人资料', since: '注册于 {date}', phone: '手机号', email: '邮箱', language: '语言',
    languageHint: '通知会使用这里选择的语言', bio: '个人简介', address: '地址', emergency: '紧急联系人',
    password: '修改密码', current: '当前密码', newPassword: '新密码', confirm: '确认新密码', changePassword: '修改密码',
    mismatch: '两次输入的密码不一致', wrongCurrent: '当前密码不正确', passwordChanged: '密码已修改',
  },
}
