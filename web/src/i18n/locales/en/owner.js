// Messages of the owner part of the app and of the pages owners share with providers: pets,
// booking, paying, orders, a stay's page, the inbox and the account (en).
export default {
  pets: { title: 'My pets', add: 'Add a pet', addFirst: 'Add your first pet', empty: 'No pets recorded yet', neutered: 'Neutered' },
  pet: {
    newTitle: 'Add a pet', editTitle: 'Edit {name}', basics: 'Basics', photos: 'Photos', name: 'Name', breed: 'Breed',
    species: 'Species', sex: 'Sex', age: 'Age', byBirthDate: 'Birth date', byAge: 'Age in years', birthDate: 'Birth date', ageYears: 'Age (years)',
    weight: 'Weight (kg)', neutered: 'Neutered', yes: 'Yes', no: 'No', description: 'Temperament and habits',
    care: 'Care instructions',
    careFields: { feeding: 'Feeding', medication: 'Medication', allergies: 'Allergies', vet_contact: 'Vet contact' },
    carePlaceholders: {
      feeding: 'e.g. dry food twice a day, 150 g each', medication: 'e.g. half a deworming tablet every morning', allergies: 'e.g. chicken',
      vet_contact: 'e.g. Chaoyang Pet Hospital 010-12345678',
    },
    delete: 'Delete pet', deleteTitle: 'Delete pet', deleteConfirm: 'Delete "{name}"? This cannot be undone; existing bookings keep their record of it.',
    deleted: 'Deleted',
    vaccinations: 'Vaccinations', noVaccinations: 'No vaccinations recorded', vaccineName: 'Vaccine', vaccinePlaceholder: 'e.g. Rabies',
    givenOn: 'Given on', expiresOn: 'Valid until', expired: 'Expired', vaccinationAdd: 'Add vaccination', vaccinationDelete: 'Delete this vaccination record?',
  },
  book: {
    title: 'Book a stay', dates: 'Dates', pets: 'Pets staying', noPets: 'You have not added a pet yet; add one first',
    petsHint: 'Up to {n} pets per booking.', petUnsuitable: 'May not suit this listing',
    price: 'Price', perNight: 'Per night per pet', nights: 'Nights', petsCount: 'Pets', formula: '{nights} × {price} × {pets}', nightsN: '{n} night | {n} nights', petsN: '{n} pet | {n} pets',
    total: 'Total', quoting: 'Working out the price…', quoteHint: 'Choose dates and pets to see the price',
    payWithin: 'Pay within 15 minutes of confirming', confirm: 'Confirm and pay', retryPay: 'Continue to payment', seeOrder: 'See the booking',
    err: {
      fullNight: 'The night of {night} is fully booked; please choose other dates',
      species: '{name}: this listing does not take this kind of pet', weight: '{name} weighs {weight} kg, more than the {max} kg this listing takes',
      notYours: 'One of the pets is not yours', busy: '{name} already has a stay on the night of {night}', listingClosed: 'This listing is not taking bookings',
    },
  },
  pay: {
    cashier: 'Checkout', sandbox: 'Sandbox', amount: 'Amount', merchant: 'Payee', order: 'Booking', stay: 'Stay',
    status: 'Status', timeLeft: 'Time left to pay', overdue: 'The time to pay has run out', pay: 'Pay {amount}', simulateFailure: 'Simulate a failure',
    sandboxNote: 'A test checkout: no real money moves', waiting: 'Confirming the payment…', succeeded: 'Payment received',
    redirecting: 'Taking you to the booking…', failed: 'Payment failed', retry: 'Pay again', toOrder: 'See the booking',
    slow: 'The payment result has not arrived yet; refresh in a moment',
  },
  orders: {
    title: 'My bookings', all: 'All', empty: 'No bookings yet', findBoarding: 'Find boarding', payNow: 'Pay now',
    payWithin: 'Pay within {time}',
  },
  order: {
    title: 'Booking', number: 'Booking no.', listing: 'Listing', details: 'Details', paid: 'Paid', refundDecided: 'Refund due',
    refunded: 'Refunded', acceptBefore: 'Host must accept by', note: 'Note', awaitingPayment: 'Awaiting payment',
    pets: 'Pets', petGone: 'This pet was deleted', petPrivate: "Pet details are visible only during the stay",
    careLog: 'Care log', noCareLogs: 'No care log entries yet', timeline: 'Progress',
    by: { owner: 'Pet owner', provider: 'Host', admin: 'Platform admin', system: 'System' },
    cancel: 'Cancel booking', cancelTitle: 'Cancel this booking', cancelReason: 'Reason (optional)', keep: 'Keep it', cancelConfirm: 'Cancel booking',
    cancelled: 'The booking was cancelled', refundYouGet: 'Refund', refundOf: '{percent}% of the {paid} paid',
    refund: {
      policy: 'About {hours} hours before check-in: the policy (at least {min} hours before) refunds {percent}%.',
      no_rule: 'Too close to check-in: the policy refunds nothing.', stay_started: 'The stay has started: no refund.',
      not_owner: 'Everything is refunded.', unpaid: 'Nothing was paid, so there is nothing to refund.', notCancellable: 'This booking cannot be cancelled now.',
    },
  },
  care: { mood: 'Mood', walks: '{n} walks', meals: 'Meals', medication: 'Medication' },
  review: {
    title: 'My review', overall: 'Overall', optional: '{name} (optional)', text: 'Your review', placeholder: 'How was the stay?',
    submit: 'Post review', thanks: 'Thank you for your review', needStars: 'Please give a rating',
  },
  inbox: { all: 'All', unread: 'Unread', empty: 'No notifications yet', noUnread: 'No unread notifications', markRead: 'Mark read' },
  account: {
    profile: 'Profile', since: 'Member since {date}', phone: 'Phone', email: 'Email', language: 'Language',
    languageHint: 'Notifications are written in this language', bio: 'About me', address: 'Address', emergency: 'Emergency contact',
    password: 'Change password', current: 'Current password', newPassword: 'New password', confirm: 'Confirm new password', changePassword: 'Change password',
    mismatch: 'The passwords do not match', wrongCurrent: 'The current password is wrong', passwordChanged: 'Password changed',
  },
}
