// Messages of the admin part of the app (en).
export default {}
