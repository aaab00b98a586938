// Messages of the admin part of the app (zh-CN): dashboard, review queue, users, reviews, audit log.
export default {
  decision: {
    approve: '通过', reject: '驳回', reason: '原因', reasonOptional: '备注（选填）',
    reasonPlaceholder: '写明理由，将记入审计日志', reasonRequired: '请填写原因',
    brokenRules: '不符合平台规则，无法通过：',
  },
  field: {
    title: '标题', description: '描述', house_rules: '入住须知', price_per_night_fen: '每晚价格', amenity: '设施第 {n} 项',
  },
  rule: { banned_word: '违禁词', min_price: '价格低于下限', max_price: '价格高于上限', price_missing: '缺少价格' },
  violation: { contains: '含有', minPrice: '平台最低价 {price}/晚', maxPrice: '平台最高价 {price}/晚' },
  user: { phone: '手机号', email: '邮箱', address: '地址', bio: '简介', statusReason: '原因' },

  queue: {
    tabProviders: '服务商入驻', tabListings: '房源审核', oldestFirst: '按提交时间排序，最早提交的在最前',
    registeredAt: '注册于 {time}', submittedAt: '提交于 {time}',
    provider: {
      empty: '没有待审核的服务商', materials: '认证材料', document: '认证材料', viewLarge: '点击图片查看大图',
      noMaterials: '该服务商尚未提交认证材料', submittedAt: '材料提交于 {time}',
      approveTitle: '通过入驻申请', approveHint: '通过后该服务商即可发布寄养房源。',
      rejectTitle: '驳回入驻申请', rejectHint: '服务商会收到驳回原因，可修改材料后重新提交。',
      approveDone: '已通过「{name}」的入驻申请', rejectDone: '已驳回「{name}」的入驻申请',
    },
    listing: {
      empty: '没有待审核的房源', by: '服务商：{name}', violations: '发现 {n} 处违反平台规则', compliant: '符合平台规则',
      noPhotos: '未上传照片', species: '可接待', capacity: '每晚接待', maxWeight: '体重上限', address: '地址', amenities: '设施',
      approveTitle: '通过房源审核', approveHint: '通过后房源将上架，可被搜索和预订。',
      rejectTitle: '驳回房源', rejectHint: '服务商会收到驳回原因。',
      approveDone: '房源「{name}」已上架', rejectDone: '已驳回房源「{name}」',
    },
  },

  users: {
    q: '用户名 / 手机号 / 邮箱', qPlaceholder: '用户名前缀，或完整的手机号、邮箱', role: '角色', status: '状态', any: '全部',
    empty: '没有符合条件的用户', joined: '注册于 {time}',
    suspend: '封禁', reinstate: '解除封禁',
    suspendTitle: '封禁账号', reinstateTitle: '解除封禁',
    suspendHint: '封禁后该账号立即退出登录，且无法再登录。',
    suspendHintProvider: '封禁后该账号立即退出登录，且无法再登录；其所有房源将从搜索中隐藏。',
    reinstateHint: '账号将恢复到封禁前的状态。',
    reinstateHintProvider: '账号和房源都将恢复到封禁前的状态。',
    suspendDone: '已封禁「{name}」', reinstateDone: '已解除「{name}」的封禁',
    suspendDoneListings: '已封禁「{name}」，{n} 个房源已从搜索中隐藏',
    reinstateDoneListings: '已解除「{name}」的封禁，{n} 个房源已恢复',
    affected: { suspend: '{n} 个房源已从搜索中隐藏', reinstate: '{n} 个房源已恢复封禁前的状态' },
    adminProtected: '管理员账号不能被封禁',
    conflict: { suspend: '该账号已处于封禁状态', reinstate: '该账号未被封禁，无需解除' },
    partly: '账号状态已更改，但房源暂未同步；请稍后再操作一次以完成',
  },

  reviews: {
    show: '显示', shows: { all: '全部', visible: '正常显示', hidden: '已隐藏' },
    listingId: '房源 ID', listingIdPlaceholder: '只看某个房源的评价',
    empty: '没有评价', hidden: '已隐藏', visible: '正常显示', reason: '隐藏原因',
    withheld: '原评价内容（仅管理员可见，公众看不到）', noText: '（未填写文字）',
    rating: '{n} 星', sub: { care: '照料', communication: '沟通', cleanliness: '卫生' },
    reply: '服务商回复', toListing: '查看房源', onlyListing: '只看该房源',
    hide: '隐藏评价', hideTitle: '隐藏评价', hideHint: '评价仍会保留在列表中，但内容和评分对公众隐藏，并显示隐藏原因；不再计入评分。',
    subject: '{name} 于 {time} 发表的评价', hiddenDone: '评价已隐藏', alreadyHidden: '这条评价已经被隐藏了',
  },

  audit: {
    targetType: '对象类型', targetId: '对象 ID', actorId: '操作人 ID', any: '全部',
    empty: '没有审计记录', target: '对象', actor: '操作人', reason: '原因', detail: '处理结果',
    onlyThis: '只看此项', version: '第 {n} 版', calleeStatus: '服务返回 HTTP {status}',
    types: { user: '用户', listing: '房源', rules: '平台规则', review: '评价' },
    outcomes: { requested: '处理中', done: '已完成', failed: '失败' },
    actions: {
      provider: { approve: '通过服务商入驻', reject: '驳回服务商入驻' },
      listing: { approve: '通过房源', reject: '驳回房源' },
      user: { suspend: '封禁账号', reinstate: '解除封禁' },
      rules: { update: '修改平台规则' },
      review: { hide: '隐藏评价' },
    },
  },

  dash: {
    updatedAt: '更新于 {time}', every: '每 {n} 秒自动刷新', scrapedAt: '指标采集于 {time}',
    stale: '刷新失败，显示的是 {time} 的数据', alerts: '告警', noAlerts: '一切正常，当前没有告警',
    severity: { critical: '严重', warning: '警告' },
    alertName: { InstanceDown: '实例宕机', HighErrorRate: '错误率过高', ConsumerLag: '消息积压', OutboxBacklog: '发件箱积压' },
    alertText: {
      InstanceDown: '{service}的实例 {instance} 无响应',
      HighErrorRate: '{service}（{instance}）5xx 占比 {value}',
      ConsumerLag: '消费者 {consumer} 积压 {value} 条消息',
      OutboxBacklog: '{service}最早的待发事件已等待 {value} 秒',
    },
    today: '今日经营（{date}，北京时间）', bizErrors: '部分数据暂不可用：{services}',
    stat: {
      orders_created: '新订单', orders_paid: '已支付订单', revenue_fen: '净收入', captured_fen: '收款', refunds_fen: '退款',
      payments_succeeded: '成功支付笔数', stays_in_care: '寄养中', arrivals: '今日入住', departures: '今日离店',
      pending_providers: '待审服务商', pending_listings: '待审房源',
    },
    health: '服务状态', allUp: '全部在线', notAllUp: '有实例离线', natsOk: '正常', natsDown: '无法连接',
    svc: {
      user: '用户服务', pet: '宠物服务', boarding: '寄养服务', order: '订单服务', payment: '支付服务',
      review: '评价服务', notification: '通知服务', admin: '管理服务', media: '媒体服务',
    },
    chart: {
      instances: '在线实例', rate: '当前请求速率（次/秒）', rateTrend: '请求速率趋势（次/秒）', p99Trend: 'p99 延迟趋势（毫秒）',
      errors: '5xx 错误占比', consumers: '事件消费积压', outbox: '发件箱积压', cache: '缓存命中率',
    },
    trendNote: '最近几分钟，每次刷新一个点', errorsNote: '最近一个采集区间内返回 5xx 的请求占比',
    consumersNote: '待投递与已投递未确认的消息数', outboxNote: '未发布的事件数与最早一条等待的秒数',
    cacheNote: '最近区间与进程启动以来从 Redis 命中的比例',
    up: '在线', down: '离线', noSample: '暂无数据', rps: '请求速率', perSecond: '次/秒', errShare: '5xx 占比', noTraffic: '无请求',
    outboxLabel: '{n}（最早 {s} 秒）', pending: '待投递', ackPending: '待确认', outboxPending: '待发事件', outboxOldest: '最早等待（秒）',
    hitInterval: '最近区间', hitTotal: '启动以来', noData: '暂无数据',
    instances: '实例明细', downSince: '自 {time} 起离线',
  },
}
