/* SPDX-License-Identifier: ISC */
/*
 * export.h: the CUSTOS_API marker.
 *
 * libcustos is built with hidden visibility; only declarations marked
 * CUSTOS_API are exported, and the `symbols` test checks that the exported
 * set is exactly the marked set.
 */
#ifndef CUSTOS_EXPORT_H
#define CUSTOS_EXPORT_H

#if defined(__GNUC__) && __GNUC__ >= 4
#define CUSTOS_API __attribute__((visibility("default")))
#else
#define CUSTOS_API
#endif

#endif
