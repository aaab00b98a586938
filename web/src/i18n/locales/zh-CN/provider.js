// Messages of the provider part of the app (zh-CN).
export default {}
