/* The statuses of an order, as one list for the order service, which owns them (its state
 * machine is services/order/order.c), and for the services that follow orders through its
 * events (notification). Their names in the API and the events are "pending_payment",
 * "paid", ...; each service maps names to these values itself. */
#ifndef PB_ORDERSTATUS_H
#define PB_ORDERSTATUS_H

enum order_status {
    OS_UNKNOWN = -1,    /* not a status: a name the reader does not know */
    OS_CREATING = 0,    /* internal to the order service, like OS_FAILED: never shown nor sent */
    OS_PENDING_PAYMENT,
    OS_PAID,
    OS_CONFIRMED,
    OS_IN_CARE,
    OS_COMPLETED,
    OS_EXPIRED,
    OS_REJECTED,
    OS_CANCELLED,
    OS_FAILED,
    OS__COUNT
};

#endif
