// Messages of the admin part of the app (en): dashboard, review queue, users, reviews, audit log.
export default {
  decision: {
    approve: 'Approve', reject: 'Reject', reason: 'Reason', reasonOptional: 'Note (optional)',
    reasonPlaceholder: 'Why — it is kept in the audit log', reasonRequired: 'Please give a reason',
    brokenRules: 'It breaks the platform rules and cannot be approved:',
  },
  field: {
    title: 'Title', description: 'Description', house_rules: 'House rules', price_per_night_fen: 'Price per night', amenity: 'Amenity {n}',
  },
  rule: { banned_word: 'Banned word', min_price: 'Price below the minimum', max_price: 'Price above the maximum', price_missing: 'No price' },
  violation: { contains: 'contains', minPrice: 'platform minimum {price}/night', maxPrice: 'platform maximum {price}/night' },
  user: { phone: 'Phone', email: 'Email', address: 'Address', bio: 'About', statusReason: 'Reason' },

  queue: {
    tabProviders: 'Provider applications', tabListings: 'Listings', oldestFirst: 'Oldest submissions first',
    registeredAt: 'signed up {time}', submittedAt: 'submitted {time}',
    provider: {
      empty: 'No provider is waiting for review', materials: 'Verification documents', document: 'Document',
      viewLarge: 'Click a photo to see it large', noMaterials: 'This provider has not submitted any documents yet',
      submittedAt: 'Documents submitted {time}',
      approveTitle: 'Approve the application', approveHint: 'Once approved, the provider can publish boarding listings.',
      rejectTitle: 'Reject the application', rejectHint: 'The provider is told the reason and may resubmit.',
      approveDone: '{name} is approved', rejectDone: "{name}'s application was rejected",
    },
    listing: {
      empty: 'No listing is waiting for review', by: 'by {name}', violations: '{n} platform rule violation(s) found', compliant: 'Complies with the platform rules',
      noPhotos: 'No photos', species: 'Takes', capacity: 'Per night', maxWeight: 'Weight limit', address: 'Address', amenities: 'Amenities',
      approveTitle: 'Approve the listing', approveHint: 'Once approved it is published and can be found and booked.',
      rejectTitle: 'Reject the listing', rejectHint: 'The provider is told the reason.',
      approveDone: '“{name}” is published', rejectDone: '“{name}” was rejected',
    },
  },

  users: {
    q: 'Username, phone or email', qPlaceholder: 'Start of a username, or a full phone number or email', role: 'Role', status: 'Status', any: 'Any',
    empty: 'No account matches', joined: 'joined {time}',
    suspend: 'Suspend', reinstate: 'Reinstate',
    suspendTitle: 'Suspend the account', reinstateTitle: 'Reinstate the account',
    suspendHint: 'The account is signed out at once and cannot sign in again.',
    suspendHintProvider: 'The account is signed out at once and cannot sign in again; all its listings leave search.',
    reinstateHint: 'The account returns to the status it had before.',
    reinstateHintProvider: 'The account and its listings return to how they were before.',
    suspendDone: '{name} is suspended', reinstateDone: '{name} is reinstated',
    suspendDoneListings: '{name} is suspended; {n} listing(s) hidden from search',
    reinstateDoneListings: '{name} is reinstated; {n} listing(s) restored',
    affected: { suspend: '{n} listing(s) hidden from search', reinstate: '{n} listing(s) restored to how they were' },
    adminProtected: 'Administrator accounts cannot be suspended',
    conflict: { suspend: 'This account is already suspended', reinstate: 'This account is not suspended' },
    partly: 'The account changed but its listings were not updated yet; repeat the action in a moment to finish',
  },

  reviews: {
    show: 'Show', shows: { all: 'All', visible: 'Visible', hidden: 'Hidden' },
    listingId: 'Listing id', listingIdPlaceholder: 'Only the reviews of one listing',
    empty: 'No reviews', hidden: 'Hidden', visible: 'Visible', reason: 'Reason for hiding',
    withheld: 'What was withheld (only admins see it)', noText: '(no text)',
    rating: '{n} stars', sub: { care: 'Care', communication: 'Communication', cleanliness: 'Cleanliness' },
    reply: "Provider's reply", toListing: 'Open the listing', onlyListing: 'Only this listing',
    hide: 'Hide review', hideTitle: 'Hide the review', hideHint: 'It stays listed, but its stars and text are withheld from the public with your reason shown, and it no longer counts in the rating.',
    subject: 'Review by {name}, {time}', hiddenDone: 'The review is hidden', alreadyHidden: 'This review is already hidden',
  },

  audit: {
    targetType: 'Target type', targetId: 'Target id', actorId: 'Admin id', any: 'Any',
    empty: 'No audit entries', target: 'Target', actor: 'Admin', reason: 'Reason', detail: 'Outcome detail',
    onlyThis: 'Only this', version: 'version {n}', calleeStatus: 'service answered HTTP {status}',
    types: { user: 'User', listing: 'Listing', rules: 'Platform rules', review: 'Review' },
    outcomes: { requested: 'In progress', done: 'Done', failed: 'Failed' },
    actions: {
      provider: { approve: 'Provider approved', reject: 'Provider rejected' },
      listing: { approve: 'Listing approved', reject: 'Listing rejected' },
      user: { suspend: 'Account suspended', reinstate: 'Account reinstated' },
      rules: { update: 'Platform rules changed' },
      review: { hide: 'Review hidden' },
    },
  },

  dash: {
    updatedAt: 'Updated {time}', every: 'refreshes every {n} s', scrapedAt: 'Metrics scraped at {time}',
    stale: 'Refresh failed; showing the data of {time}', alerts: 'Alerts', noAlerts: 'All good: no alerts',
    severity: { critical: 'Critical', warning: 'Warning' },
    alertName: { InstanceDown: 'Instance down', HighErrorRate: 'High error rate', ConsumerLag: 'Consumer lag', OutboxBacklog: 'Outbox backlog' },
    alertText: {
      InstanceDown: '{service} instance {instance} does not answer',
      HighErrorRate: '{service} ({instance}) answers {value} with 5xx',
      ConsumerLag: 'Consumer {consumer} is {value} messages behind',
      OutboxBacklog: "{service}'s oldest unpublished event has waited {value} s",
    },
    today: 'Today ({date}, Beijing time)', bizErrors: 'Some figures are unavailable: {services}',
    stat: {
      orders_created: 'New orders', orders_paid: 'Orders paid', revenue_fen: 'Net revenue', captured_fen: 'Captured', refunds_fen: 'Refunds',
      payments_succeeded: 'Payments', stays_in_care: 'In care', arrivals: 'Arrivals', departures: 'Departures',
      pending_providers: 'Providers to review', pending_listings: 'Listings to review',
    },
    health: 'Services', allUp: 'All up', notAllUp: 'Some instances down', natsOk: 'OK', natsDown: 'Unreachable',
    svc: {
      user: 'Users', pet: 'Pets', boarding: 'Boarding', order: 'Orders', payment: 'Payments',
      review: 'Reviews', notification: 'Notifications', admin: 'Admin', media: 'Media',
    },
    chart: {
      instances: 'Instances up', rate: 'Request rate now (req/s)', rateTrend: 'Request rate over time (req/s)', p99Trend: 'p99 latency over time (ms)',
      errors: '5xx share', consumers: 'Event consumer lag', outbox: 'Outbox backlog', cache: 'Cache hit ratio',
    },
    trendNote: 'The last few minutes, one point per refresh', errorsNote: 'Share of requests answered 5xx in the last scrape interval',
    consumersNote: 'Messages not yet delivered, and delivered but not acknowledged', outboxNote: 'Unpublished events and the age of the oldest, in seconds',
    cacheNote: 'Reads answered from Redis: last interval and since start',
    up: 'Up', down: 'Down', noSample: 'No sample yet', rps: 'Request rate', perSecond: 'req/s', errShare: '5xx share', noTraffic: 'no requests',
    outboxLabel: '{n} (oldest {s} s)', pending: 'Pending', ackPending: 'Awaiting ack', outboxPending: 'Unpublished', outboxOldest: 'Oldest (s)',
    hitInterval: 'Last interval', hitTotal: 'Since start', noData: 'No data',
    instances: 'Every instance', downSince: 'down since {time}',
  },
}
