// Messages of the admin part of the app (zh-CN).
export default {}
