/* SPDX-License-Identifier: ISC */
/*
 * version.c: the linked library's version, which may differ from the header
 * a tool was compiled against; records name the one that did the work.
 */
#include "custos/custos.h"

const char *
custos_version(void)
{
    return CUSTOS_VERSION_STRING;
}
