// Pets and vaccinations (pet service).
import { del, get, patch, post } from './client.js'

const id = (x) => encodeURIComponent(x)
const A = { auth: 'required' }

export const pets = (params) => get('/pets', params, A)
export const pet = (pid) => get(`/pets/${id(pid)}`, null, A)
export const createPet = (body) => post('/pets', body, A)
export const updatePet = (pid, body) => patch(`/pets/${id(pid)}`, body, A)
export const deletePet = (pid) => del(`/pets/${id(pid)}`, A)
export const vaccinations = (pid) => get(`/pets/${id(pid)}/vaccinations`, null, A)
export const addVaccination = (pid, body) => post(`/pets/${id(pid)}/vaccinations`, body, A)
export const deleteVaccination = (pid, vid) => del(`/pets/${id(pid)}/vaccinations/${id(vid)}`, A)
