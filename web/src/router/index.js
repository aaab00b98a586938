// Routes of the app. Every view is its own chunk (loaded when first visited), so the home page
// downloads only what it shows. meta.auth: signed in; meta.role: only that role (others are
// sent to their own start page); meta.guest: only when signed out (login, sign-up).
import { createRouter, createWebHistory } from 'vue-router'
import { session } from '../api/session.js'

const routes = [
  { path: '/', name: 'home', component: () => import('../views/public/HomeView.vue') },
  { path: '/search', name: 'search', component: () => import('../views/public/SearchView.vue') },
  { path: '/listings/:id', name: 'listing', component: () => import('../views/public/ListingView.vue'), props: true },
  { path: '/login', name: 'login', component: () => import('../views/public/LoginView.vue'), meta: { guest: true } },
  { path: '/register', name: 'register', component: () => import('../views/public/RegisterView.vue'), meta: { guest: true } },

  // pet owners
  { path: '/pets', name: 'pets', component: () => import('../views/owner/PetsView.vue'), meta: { role: 'owner' } },
  { path: '/pets/new', name: 'pet-new', component: () => import('../views/owner/PetEditView.vue'), meta: { role: 'owner' } },
  { path: '/pets/:id', name: 'pet', component: () => import('../views/owner/PetEditView.vue'), props: true, meta: { role: 'owner' } },
  { path: '/book/:listingId', name: 'book', component: () => import('../views/owner/BookView.vue'), props: true, meta: { role: 'owner' } },
  { path: '/pay/:paymentId', name: 'pay', component: () => import('../views/owner/PayView.vue'), props: true, meta: { role: 'owner' } },
  { path: '/orders', name: 'orders', component: () => import('../views/owner/OrdersView.vue'), meta: { role: 'owner' } },

  // owners and providers: one stay, notifications, the account
  { path: '/orders/:id', name: 'order', component: () => import('../views/account/OrderView.vue'), props: true, meta: { auth: true } },
  { path: '/notifications', name: 'notifications', component: () => import('../views/account/NotificationsView.vue'), meta: { auth: true } },
  { path: '/account', name: 'account', component: () => import('../views/account/AccountView.vue'), meta: { auth: true } },

  // providers
  { path: '/provider', name: 'provider', component: () => import('../views/provider/ProviderHomeView.vue'), meta: { role: 'provider' } },
  { path: '/provider/listings', name: 'provider-listings', component: () => import('../views/provider/ProviderListingsView.vue'), meta: { role: 'provider' } },
  { path: '/provider/listings/new', name: 'listing-new', component: () => import('../views/provider/ListingEditView.vue'), meta: { role: 'provider' } },
  { path: '/provider/listings/:id/edit', name: 'listing-edit', component: () => import('../views/provider/ListingEditView.vue'), props: true, meta: { role: 'provider' } },
  { path: '/provider/listings/:id/calendar', name: 'listing-calendar', component: () => import('../views/provider/CalendarView.vue'), props: true, meta: { role: 'provider' } },
  { path: '/provider/requests', name: 'provider-requests', component: () => import('../views/provider/RequestsView.vue'), meta: { role: 'provider' } },
  { path: '/provider/schedule', name: 'provider-schedule', component: () => import('../views/provider/ScheduleView.vue'), meta: { role: 'provider' } },
  { path: '/provider/reviews', name: 'provider-reviews', component: () => import('../views/provider/ProviderReviewsView.vue'), meta: { role: 'provider' } },

  // admins
  { path: '/admin', name: 'admin', component: () => import('../views/admin/DashboardView.vue'), meta: { role: 'admin' } },
  { path: '/admin/queue', name: 'admin-queue', component: () => import('../views/admin/QueueView.vue'), meta: { role: 'admin' } },
  { path: '/admin/users', name: 'admin-users', component: () => import('../views/admin/UsersView.vue'), meta: { role: 'admin' } },
  { path: '/admin/reviews', name: 'admin-reviews', component: () => import('../views/admin/ReviewsView.vue'), meta: { role: 'admin' } },
  { path: '/admin/audit', name: 'admin-audit', component: () => import('../views/admin/AuditView.vue'), meta: { role: 'admin' } },

  { path: '/:pathMatch(.*)*', name: 'not-found', component: () => import('../views/public/NotFoundView.vue') },
]

// Where each role starts after signing in.
export const HOME_OF_ROLE = { owner: '/', provider: '/provider', admin: '/admin' }

const router = createRouter({
  history: createWebHistory(),
  routes,
  scrollBehavior(to, from, saved) {
    return saved || (to.path !== from.path ? { top: 0 } : undefined)
  },
})

router.beforeEach((to) => {
  const s = session()
  const role = s && s.user ? s.user.role : null
  if ((to.meta.auth || to.meta.role) && !s) return { name: 'login', query: { redirect: to.fullPath } }
  if (to.meta.role && role !== to.meta.role) return HOME_OF_ROLE[role] || '/'
  if (to.meta.guest && s) return HOME_OF_ROLE[role] || '/'
  return true
})

export default router
