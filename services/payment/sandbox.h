/* The sandbox gateway: the stand-in for a third-party payment provider. Its decisions
 * (the owner's sandbox choice, the refunds the payment service asks for) are rows of
 * sandbox_callback; this background thread delivers each one to the payment service's
 * public webhook through the gateway, signed (signature.h), a short delay after it was
 * decided and again with exponential backoff until it gets a 2xx — exactly what a real
 * provider does, so the webhook path is the only way money changes state. Rows survive a
 * restart and are taken by whichever replica gets them first (FOR UPDATE SKIP LOCKED and a
 * lease). */
#ifndef PAYMENT_SANDBOX_H
#define PAYMENT_SANDBOX_H

struct svc;

/* Start the delivery thread (call from init). Registers its metrics. Returns 0 or -1. */
int sandbox_start(struct svc *s);
/* Wake the thread: a new callback was committed (it is due after the configured delay). */
void sandbox_nudge(void);

#endif
