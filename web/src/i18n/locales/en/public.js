// Messages of the public part of the app: home, search, listings, sign-in (English).
export default {
  login: {
    title: 'Log in', username: 'Username, phone or email', password: 'Password', noAccount: 'No account yet?',
    expired: 'Your session expired; please log in again',
    errors: {
      unauthenticated: 'Wrong username or password', forbidden: 'This account is suspended; please contact support', rate_limited: 'Too many attempts; try again later',
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
  home: {
    title: 'Going away? Leave your pet somewhere that feels like home',
    subtitle: 'Verified boarding hosts, a daily log of meals, walks and mood, with photos whenever you want.',
    popular: 'Popular cities',
    city: { 北京: 'Beijing', 上海: 'Shanghai', 成都: 'Chengdu' },
    why: {
      verified: { title: 'Verified hosts', text: 'Every host is checked by the platform, and every listing reviewed before it goes live.' },
      care: { title: 'A daily care log', text: 'Meals, walks, medication and mood, written every day with photos.' },
      safe: { title: 'Safe payment', text: 'A clear price per night; cancel 48 hours before check-in for a full refund.' },
    },
    topRated: 'Top rated', seeAll: 'See all', noListings: 'No boarding listed yet',
  },
  search: {
    title: 'Find boarding', filters: 'Filters', city: 'City', cityPlaceholder: 'e.g. Beijing', district: 'District', districtPlaceholder: 'e.g. 朝阳区',
    pets: 'Pets', species: 'Species', anySpecies: 'Any', minPrice: 'Min price / night', maxPrice: 'Max price / night',
    minRating: 'Minimum rating', anyRating: 'Any', ratingAtLeast: '{n} and up', words: 'Keywords', wordsPlaceholder: 'e.g. garden walks (up to 5 words)',
    near: 'Nearby', nearActive: 'Near me', nearClear: 'Clear', radius: 'Radius', sort: 'Sort',
    sorts: { rating: 'Top rated', price_asc: 'Price: low to high', price_desc: 'Price: high to low', distance: 'Nearest' },
    page: 'Page {n}', prev: 'Previous', next: 'Next', empty: 'Nothing matches these filters; try widening them',
    clearFilters: 'Clear filters', fixFilters: 'Some filters are not valid; see the notes beside them',
    priceInvalid: 'Enter an amount in yuan between 0 and 100000',
  },
  near: {
    button: 'Near me', fallback: 'Your location is not available; searching around the centre of {city}',
    unavailable: 'Your location is not available; please enter a city first',
  },
  dates: {
    checkIn: 'Check-in', checkOut: 'Check-out', startRequired: 'Choose a check-in date', endRequired: 'Choose a check-out date',
    past: 'Check-in cannot be in the past', tooFar: 'Only dates within a year can be booked', afterStart: 'Check-out must be after check-in',
    maxNights: 'A stay is at most 60 nights',
  },
  card: { reviews: '{n} reviews', noReviews: 'No reviews yet', km: '{n} km', meters: '{n} m' },
  calendar: { left: '{n} left', full: 'Full', closed: 'Closed', legendOpen: 'Available (places left)', legendStay: 'Your stay' },
  listing: {
    noPhotos: 'No photos yet', host: 'Host', verified: 'Verified', price: 'Price', perPet: 'per pet', species: 'Takes',
    maxWeight: 'Weight limit', capacity: 'Pets per night', capacityN: '{n}', about: 'About this place', amenities: 'Amenities',
    rules: 'House rules', calendar: 'Availability', calendarHint: 'Places left for each night of the next two months; click a date to pick check-in and check-out',
    reviews: 'Reviews', rating: 'Rating', stars: '{n} ★', book: 'Book now',
    estimate: 'Estimate: {nights} × {price} × {pets}', ownersOnly: 'Only pet owner accounts can book',
    loginToBook: 'You will be asked to log in first',
  },
  reviews: {
    none: 'No reviews yet', anonymous: 'Anonymous', hidden: 'Hidden by moderation: {reason}', reply: 'Reply from the host',
    care: 'Care', communication: 'Communication', cleanliness: 'Cleanliness',
  },
}
