/* SPDX-License-Identifier: ISC */
/*
 * lang.h: the language of printed renderings (certificate, custody form,
 * report). Labels are printed in Traditional Chinese (Taiwan), in English,
 * or in both side by side ("中文 / English"), as Taiwanese official forms
 * print them; both is the default. Field values are printed as recorded;
 * the certificate's enumerated values also in Chinese, the recorded value
 * beside them.
 */
#ifndef CUSTOS_LANG_H
#define CUSTOS_LANG_H

#include "export.h"

#ifdef __cplusplus
extern "C" {
#endif

#define CUSTOS_LANG_BOTH  0 /* "中文 / English" */
#define CUSTOS_LANG_ZH_TW 1
#define CUSTOS_LANG_EN    2

/*
 * The language named by s: "zh-TW", "en" or "both" (also "zh-TW,en").
 * Returns: 0 and *lang set, or -1 for any other name.
 */
CUSTOS_API int custos_lang_parse(const char *s, int *lang);

#ifdef __cplusplus
}
#endif

#endif
