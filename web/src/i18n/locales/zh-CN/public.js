// Messages of the public part of the app: home, search, listings, sign-in (Chinese).
export default {
  login: {
    title: '登录', username: '用户名 / 手机号 / 邮箱', password: '密码', noAccount: '还没有账号？',
    expired: '登录已过期，请重新登录',
    errors: {
      unauthenticated: '用户名或密码不正确', forbidden: '账号已被封禁，请联系平台客服', rate_limited: '尝试次数过多，请稍后再试',
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
  home: {
    title: '出门在外，也能放心把毛孩子托付出去',
    subtitle: '认证寄养家庭，按天记录喂食、遛弯和心情，照片随时看。',
    popular: '热门城市',
    city: { 北京: '北京', 上海: '上海', 成都: '成都' },
    why: {
      verified: { title: '实名认证的寄养家庭', text: '每位服务商都经过平台资质审核，房源上架前人工审核。' },
      care: { title: '每日护理日志', text: '喂食、遛狗、用药和心情，每天记录，附带照片。' },
      safe: { title: '支付有保障', text: '按晚计价、明码标价，入住前 48 小时取消全额退款。' },
    },
    topRated: '高分寄养', seeAll: '查看全部', noListings: '还没有上架的寄养服务',
  },
  search: {
    title: '找寄养', filters: '筛选', city: '城市', cityPlaceholder: '如：北京', district: '区域', districtPlaceholder: '如：朝阳区',
    pets: '宠物数量', species: '宠物类型', anySpecies: '不限', minPrice: '最低价（每晚）', maxPrice: '最高价（每晚）',
    minRating: '最低评分', anyRating: '不限', ratingAtLeast: '{n} 分以上', words: '关键词', wordsPlaceholder: '如：院子 遛狗（最多 5 个词）',
    near: '附近', nearActive: '我附近', nearClear: '取消附近', radius: '搜索半径', sort: '排序',
    sorts: { rating: '评分最高', price_asc: '价格从低到高', price_desc: '价格从高到低', distance: '距离最近' },
    page: '第 {n} 页', prev: '上一页', next: '下一页', empty: '没有符合条件的寄养服务，试试放宽筛选条件',
    clearFilters: '清除筛选', fixFilters: '筛选条件有误，请按提示修改',
    priceInvalid: '请输入 0 到 100000 之间的金额（元）',
  },
  near: {
    button: '我附近', fallback: '无法获取您的位置，已按{city}市中心搜索',
    unavailable: '无法获取您的位置，请先填写城市',
  },
  dates: {
    checkIn: '入住', checkOut: '离店', startRequired: '请选择入住日期', endRequired: '请选择离店日期',
    past: '入住日期不能早于今天', tooFar: '只能预订一年以内的日期', afterStart: '离店日期必须晚于入住日期',
    maxNights: '一次最多预订 60 晚',
  },
  card: { reviews: '{n} 条评价', noReviews: '暂无评价', km: '{n} 公里', meters: '{n} 米' },
  calendar: { left: '余{n}', full: '已满', closed: '休息', legendOpen: '可预订（剩余名额）', legendStay: '已选日期' },
  listing: {
    noPhotos: '暂无照片', host: '寄养家庭', verified: '已认证', price: '价格', perPet: '每只宠物', species: '接收宠物',
    maxWeight: '体重上限', capacity: '每晚可接待', capacityN: '{n} 只', about: '房源介绍', amenities: '设施与服务',
    rules: '入住须知', calendar: '可预订日期', calendarHint: '以下是未来两个月每晚的剩余名额，点击日期可选择入住和离店',
    reviews: '评价', rating: '评分', stars: '{n} 星', book: '立即预订',
    estimate: '预估：{nights} × {price} × {pets}', ownersOnly: '仅宠物主人账号可以预订',
    loginToBook: '预订前需要先登录',
  },
  reviews: {
    none: '还没有评价', anonymous: '匿名用户', hidden: '该评价已被管理员隐藏：{reason}', reply: '寄养家庭回复',
    care: '照顾', communication: '沟通', cleanliness: '卫生',
  },
}
