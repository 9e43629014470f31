/* SPDX-License-Identifier: ISC */
#include "custos/error.h"

#include <errno.h>

#include "tap.h"

int
main(void)
{
    struct custos_error err;
    custos_error_clear(&err);
    is_int(err.status, CUSTOS_OK, "clear sets OK");

    int rc = custos_error_set(&err, CUSTOS_E_IO, ENOENT, "disk.E01", "cannot open");
    is_int(rc, CUSTOS_E_IO, "set returns the status");
    is_str(err.message, "disk.E01: cannot open: No such file or directory",
           "message names the file, the cause and errno");
    is_str(err.path, "disk.E01", "path kept");

    custos_error_set(&err, CUSTOS_E_CORRUPT, 0, "bad\nname", "entry %d: torn", 7);
    is_str(err.message, "bad?name: entry 7: torn", "control characters replaced: one line");

    custos_error_set(&err, CUSTOS_E_USAGE, 0, NULL, "missing %s", "--key");
    is_str(err.message, "missing --key", "no path, no prefix");

    char longpath[3000];
    memset(longpath, 'a', sizeof(longpath) - 1);
    longpath[sizeof(longpath) - 1] = '\0';
    custos_error_set(&err, CUSTOS_E_IO, EIO, longpath, "x");
    is_int(strlen(err.message) < CUSTOS_ERROR_MESSAGE_MAX, 1, "long messages are cut safely");

    is_int(custos_exit_code(CUSTOS_OK), 0, "OK exits 0");
    is_int(custos_exit_code(CUSTOS_E_MISMATCH), 1, "MISMATCH exits 1");
    is_int(custos_exit_code(CUSTOS_E_USAGE), 2, "USAGE exits 2");
    is_int(custos_exit_code(CUSTOS_E_INCOMPLETE), 3, "INCOMPLETE exits 3");
    is_int(custos_exit_code(CUSTOS_E_UNTRUSTED), 4, "UNTRUSTED exits 4");
    is_int(custos_exit_code(CUSTOS_E_CORRUPT), 5, "CORRUPT exits 5");
    is_int(custos_exit_code(CUSTOS_E_UNSUPPORTED), 5, "UNSUPPORTED exits 5");
    is_int(custos_exit_code(CUSTOS_E_REFUSED), 6, "REFUSED exits 6");
    is_int(custos_exit_code(CUSTOS_E_IO), 7, "IO exits 7");
    is_int(custos_exit_code(CUSTOS_E_NOMEM), 7, "NOMEM exits 7");
    is_int(custos_exit_code(CUSTOS_E_INTERRUPTED), 130, "INTERRUPTED exits 130");
    is_int(custos_exit_code(CUSTOS_E_PARTIAL), 8, "PARTIAL exits 8");
    is_int(custos_exit_code(999), 7, "unknown exits 7");
    is_str(custos_status_name(CUSTOS_E_PARTIAL), "partial", "PARTIAL is named");
    /* PARTIAL: a result was published without all of it; only run-stopping codes outrank it. */
    static const int partial_vs[][2] = {{CUSTOS_E_INCOMPLETE, CUSTOS_E_PARTIAL},
                                        {CUSTOS_E_UNTRUSTED, CUSTOS_E_PARTIAL},
                                        {CUSTOS_E_IO, CUSTOS_E_IO}};
    for (size_t i = 0; i < sizeof(partial_vs) / sizeof(partial_vs[0]); i++)
        is_int(custos_status_worst(CUSTOS_E_PARTIAL, partial_vs[i][0]), partial_vs[i][1],
               "PARTIAL against %s", custos_status_name(partial_vs[i][0]));

    is_int(custos_status_worst(CUSTOS_E_INCOMPLETE, CUSTOS_E_MISMATCH), CUSTOS_E_MISMATCH,
           "mismatch outranks incomplete");
    is_int(custos_status_worst(CUSTOS_E_UNTRUSTED, CUSTOS_E_CORRUPT), CUSTOS_E_UNTRUSTED,
           "untrusted outranks corrupt");
    is_int(custos_status_worst(CUSTOS_E_CORRUPT, CUSTOS_E_MISMATCH), CUSTOS_E_CORRUPT,
           "corrupt outranks mismatch");
    is_int(custos_status_worst(CUSTOS_OK, CUSTOS_E_INCOMPLETE), CUSTOS_E_INCOMPLETE,
           "incomplete outranks ok");
    is_str(custos_status_name(CUSTOS_E_REFUSED), "refused", "status names");
    return tap_done();
}
