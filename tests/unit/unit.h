/* Common includes for cmocka unit tests. */
#ifndef PB_UNIT_H
#define PB_UNIT_H
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#endif
