// Messages of the owner part of the app (zh-CN).
export default {}
