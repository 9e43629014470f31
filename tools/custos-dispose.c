/* SPDX-License-Identifier: ISC */
/*
 * custos-dispose: destruction proofs for outsourced data disposal. This
 * file only dispatches subcommands; each lives in its own tools/dispose-*.c.
 */
#include <stdio.h>
#include <string.h>

#include <custos/custos.h>

#include "cli.h"
#include "dispose-wipe.h"

static void
usage_text(void)
{
    printf("usage: custos-dispose COMMAND [options] ...\n");
    dispose_wipe_usage(stdout);
    printf("\n"
           "commands:\n"
           "  wipe TARGET    overwrite a device or file once and verify it (signed wipe log)\n"
           "\n"
           "  -h, --help     this text\n"
           "  -V, --version  the version\n");
}

int
main(int argc, char **argv)
{
    struct cli c;
    cli_init(&c, "custos-dispose");
    if (argc < 2)
        return cli_usage(&c, "missing COMMAND");
    const char *cmd = argv[1];
    if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0) {
        usage_text();
        return 0;
    }
    if (strcmp(cmd, "-V") == 0 || strcmp(cmd, "--version") == 0) {
        printf("custos-dispose %s\n", custos_version());
        return 0;
    }
    if (strcmp(cmd, "wipe") == 0)
        return dispose_wipe_main(&c, argc - 1, argv + 1);
    if (cmd[0] == '-')
        return cli_usage(&c, "unknown option %s", cmd);
    return cli_usage(&c, "unknown command '%s'", cmd);
}
