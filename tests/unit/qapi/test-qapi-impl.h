/*
 * Shared by the QAPI unit tests: the generated test-schema headers and counters kept by
 * the test commands.
 */
#ifndef TEST_QAPI_IMPL_H
#define TEST_QAPI_IMPL_H

#include "config-host.h"
#include "test-qapi-commands.h"
#include "test-qapi-events.h"
#include "test-qapi-types.h"
#include "test-qapi-visit.h"

extern int test_qapi_quiet_calls;
extern int test_qapi_device_adds;

#endif
