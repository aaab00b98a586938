// Messages of the public part of the app: home, search, listings, sign-in (English).
export default {
  login: {
    title: 'Log in', username: 'Username, phone or email', password: 'Password', noAccount: 'No account yet?',
    expired: 'Your session expired; please log in again',
    errors: {
      unauthenticated: 'Wrong username or password', forbidden: 'This account is suspended; please contact support', rate_limited: 'Too many attempts; try again in 15 minutes',
    },
  },
  register: {
    title: 'Create an account', role: 'I am a', username: 'Username', displayName: 'Display name', password: 'Password',
    passwordHint: 'At least 8 characters', phone: 'Phone (optional)', email: 'Email (optional)', haveAccount: 'Already have an account?',
    roleHint: {
      owner: 'Record your pets, search and book boarding',
      provider: 'Submit your documents; once the platform approves you, publish your boarding services',
    },
  },
  notFound: { title: 'Page not found', text: 'This page does not exist or was removed' },
}
