// Messages of the owner part of the app (en).
export default {}
