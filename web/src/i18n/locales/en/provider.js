// Messages of the provider part of the app (en).
export default {}
