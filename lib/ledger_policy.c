/* SPDX-License-Identifier: ISC */
/*
 * ledger_policy.c: the policy table: for each action, which capacities an
 * entry names (and which roles may act in each), which fields it carries
 * and of what type, and what it does to an item. Replay enforces it on
 * append and on verify; custos-ledger builds its options and its
 * `add ACTION --help` from it. docs/formats/ledger.md prints the same table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ledger_private.h"

#define OPT_COMMON                                                                                 \
    {"comment", F_STR, 0},                                                                         \
    {                                                                                              \
        "place", F_STR, 0                                                                          \
    }

static const struct arule policy[] = {
    {CUSTOS_ACTION_OPEN,
     {{"owner", R_CUSTODIAN | R_LEGAL, 1, 1}},
     {{"case", F_STR, 1},
      {"level", F_INT, 1},
      {"authorisation", F_STR, 1},
      {"ledger", F_STR, 1},
      {"report_due", F_TIME, 1},
      {"recovery_due", F_TIME, 1},
      OPT_COMMON},
     I_NONE,
     NULL},
    {CUSTOS_ACTION_ENROLL,
     {{"subject", R_ANY, 1, 1}, {"approver", R_CUSTODIAN | R_LEGAL, 1, 0}},
     {{"organisation", F_STR, 0}, {"id_ref", F_STR, 0}, {"phone", F_STR, 0}, OPT_COMMON},
     I_NONE,
     NULL},
    {CUSTOS_ACTION_REVOKE,
     {{"approver", R_CUSTODIAN | R_LEGAL, 1, 0}, {"subject", R_ANY, 0, 0}},
     {{"key", F_HEX, 1}, {"reason", F_STR, 1}, OPT_COMMON},
     I_NONE,
     NULL},
    {CUSTOS_ACTION_COLLECT,
     {{"custodian", R_CUSTODIAN, 1, 0},
      {"witness", R_WITNESS, 0, 0},
      {"recorder", R_RECORDER, 0, 0}},
     {{"item", F_STR, 1},
      {"description", F_STR, 1},
      {"make", F_STR, 0},
      {"model", F_STR, 0},
      {"serial", F_STR, 0},
      {"location", F_STR, 0},
      OPT_COMMON},
     I_NEW,
     "custodian"},
    {CUSTOS_ACTION_ACQUIRE,
     {{"custodian", R_CUSTODIAN, 1, 0},
      {"witness", R_WITNESS, 1, 0},
      {"recorder", R_RECORDER, 0, 0}},
     {{"item", F_STR, 1},
      {"record", F_STR, 1},
      {"record_sha256", F_HEX, 1},
      {"image_sha256", F_HEX, 0},
      {"md5", F_STR, 0},
      {"sha1", F_STR, 0},
      {"size", F_INT, 0},
      {"tool", F_STR, 0},
      OPT_COMMON},
     I_HOLDER,
     "custodian"},
    {CUSTOS_ACTION_SEAL,
     {{"custodian", R_CUSTODIAN, 1, 0},
      {"witness", R_WITNESS, 1, 0},
      {"recorder", R_RECORDER, 0, 0}},
     {{"item", F_STR, 1}, {"seal", F_STR, 1}, {"sha256", F_HEX, 1}, OPT_COMMON},
     I_HOLDER,
     "custodian"},
    {CUSTOS_ACTION_TRANSFER,
     {{"releaser", R_CUSTODIAN | R_VENDOR | R_LEGAL, 1, 0},
      {"receiver", R_CUSTODIAN | R_VENDOR | R_LEGAL, 1, 0},
      {"witness", R_WITNESS, 0, 0},
      {"recorder", R_RECORDER, 0, 0}},
     {{"item", F_STR, 1},
      {"reason", F_STR, 1},
      {"seal_checked", F_STR, 0},
      {"sha256", F_HEX, 0},
      OPT_COMMON},
     I_TRANSFER,
     "releaser"},
    {CUSTOS_ACTION_STORE,
     {{"custodian", R_CUSTODIAN, 1, 0},
      {"witness", R_WITNESS, 0, 0},
      {"recorder", R_RECORDER, 0, 0}},
     {{"item", F_STR, 1}, {"location", F_STR, 1}, OPT_COMMON},
     I_HOLDER,
     "custodian"},
    {CUSTOS_ACTION_ACCESS,
     {{"custodian", R_CUSTODIAN, 1, 0},
      {"witness", R_WITNESS, 0, 0},
      {"recorder", R_RECORDER, 0, 0}},
     {{"item", F_STR, 1}, {"direction", F_STR, 1}, {"purpose", F_STR, 1}, OPT_COMMON},
     I_HOLDER,
     "custodian"},
    {CUSTOS_ACTION_VERIFY,
     {{"verifier", R_CUSTODIAN | R_RECORDER | R_WITNESS | R_LEGAL, 1, 0}},
     {{"item", F_STR, 0},
      {"result", F_STR, 1},
      {"sha256", F_HEX, 0},
      {"record", F_STR, 0},
      OPT_COMMON},
     I_OPTIONAL,
     NULL},
    {CUSTOS_ACTION_DISPOSE,
     {{"vendor", R_VENDOR, 1, 0}, {"custodian", R_CUSTODIAN, 1, 0}, {"witness", R_WITNESS, 0, 0}},
     {{"item", F_STR, 1},
      {"method", F_STR, 1},
      {"certificate", F_STR, 0},
      {"certificate_sha256", F_HEX, 0},
      {"certificate_witness", F_STR, 0},
      {"certificate_witness_key", F_HEX, 0},
      OPT_COMMON},
     I_DISPOSE,
     NULL},
    {CUSTOS_ACTION_NOTE,
     {{"author", R_ANY, 1, 0}},
     {{"text", F_STR, 1}, {"item", F_STR, 0}, OPT_COMMON},
     I_OPTIONAL,
     NULL},
    {CUSTOS_ACTION_ATTEST,
     {{"attester", R_ANY, 1, 0}},
     {{"target", F_INT, 1}, {"target_sha256", F_HEX, 1}, OPT_COMMON},
     I_NONE,
     NULL},
    {CUSTOS_ACTION_CLOSE,
     {{"owner", R_CUSTODIAN | R_LEGAL, 1, 0}, {"witness", R_WITNESS, 0, 0}},
     {{"reason", F_STR, 1}, OPT_COMMON},
     I_NONE,
     NULL},
};

/* Fields the ledger fills in itself: always (a caller's value is ignored), or when absent. */
enum ffill { FILL_NONE, FILL_ALWAYS, FILL_DEFAULT };
static const struct {
    const char *action, *field;
    enum ffill fill;
} fills[] = {
    {CUSTOS_ACTION_OPEN, "ledger", FILL_ALWAYS},
    {CUSTOS_ACTION_OPEN, "report_due", FILL_ALWAYS},
    {CUSTOS_ACTION_OPEN, "recovery_due", FILL_ALWAYS},
    {CUSTOS_ACTION_ATTEST, "target_sha256", FILL_DEFAULT},
};

static enum ffill
fill_of(const char *action, const char *field)
{
    for (size_t i = 0; i < sizeof(fills) / sizeof(fills[0]); i++)
        if (strcmp(fills[i].action, action) == 0 && strcmp(fills[i].field, field) == 0)
            return fills[i].fill;
    return FILL_NONE;
}

const struct arule *
custos__ledger_rule(const char *action)
{
    for (size_t i = 0; i < sizeof(policy) / sizeof(policy[0]); i++)
        if (strcmp(policy[i].action, action) == 0)
            return &policy[i];
    return NULL;
}

unsigned
custos__ledger_role_bit(const char *role)
{
    static const char *const names[] = {CUSTOS_ROLE_CUSTODIAN, CUSTOS_ROLE_RECORDER,
                                        CUSTOS_ROLE_WITNESS, CUSTOS_ROLE_VENDOR, CUSTOS_ROLE_LEGAL};
    for (unsigned i = 0; i < 5; i++)
        if (strcmp(role, names[i]) == 0)
            return 1u << i;
    return 0;
}

/* For people (custos-ledger add ACTION --help) and pre-checks. */
int
custos_ledger_policy(const char *action, char **json, struct custos_error *err)
{
    *json = NULL;
    static const char *const roles[] = {CUSTOS_ROLE_CUSTODIAN, CUSTOS_ROLE_RECORDER,
                                        CUSTOS_ROLE_WITNESS, CUSTOS_ROLE_VENDOR, CUSTOS_ROLE_LEGAL};
    static const char *const types[] = {"text", "integer", "sha256", "time"};
    const struct arule *ar = custos__ledger_rule(action != NULL ? action : "");
    if (ar == NULL)
        return custos_error_set(err, CUSTOS_E_USAGE, 0, NULL, "unknown action \"%s\"",
                                action != NULL ? action : "");
    json_t *caps = json_array(), *fields = json_array();
    for (size_t c = 0; c < 5 && ar->caps[c].as != NULL; c++) {
        json_t *rl = json_array();
        for (unsigned i = 0; i < 5; i++)
            if (ar->caps[c].roles & (1u << i))
                json_array_append_new(rl, json_string(roles[i]));
        json_array_append_new(caps, json_pack("{s:s, s:b, s:o}", "as", ar->caps[c].as, "required",
                                              ar->caps[c].required, "roles", rl));
    }
    for (size_t i = 0; i < 12 && ar->fields[i].name != NULL; i++)
        json_array_append_new(fields, json_pack("{s:s, s:s, s:b}", "name", ar->fields[i].name,
                                                "type", types[ar->fields[i].type], "required",
                                                ar->fields[i].required));
    json_t *o = json_pack("{s:s, s:o, s:o, s:s*}", "action", ar->action, "parties", caps, "fields",
                          fields, "holder", ar->holder_as);
    *json = o != NULL ? custos__ledger_dump(o) : NULL;
    json_decref(o);
    if (*json == NULL)
        return custos_error_set(err, CUSTOS_E_NOMEM, 0, NULL, "out of memory");
    return CUSTOS_OK;
}

const char *
custos_ledger_field_name(size_t i)
{
    size_t n = 0;
    for (size_t a = 0; a < sizeof(policy) / sizeof(policy[0]); a++)
        for (size_t k = 0; k < 12 && policy[a].fields[k].name != NULL; k++) {
            const struct frule *fr = &policy[a].fields[k];
            if (fill_of(policy[a].action, fr->name) == FILL_ALWAYS)
                continue;
            int seen = 0;
            for (size_t b = 0; b <= a && !seen; b++)
                for (size_t j = 0; j < 12 && policy[b].fields[j].name != NULL; j++) {
                    if (b == a && j == k)
                        break;
                    seen |= strcmp(policy[b].fields[j].name, fr->name) == 0 &&
                            fill_of(policy[b].action, fr->name) != FILL_ALWAYS;
                }
            if (!seen && n++ == i)
                return fr->name;
        }
    return NULL;
}

int
custos_ledger_field_automatic(const char *action, const char *field)
{
    const struct arule *ar = custos__ledger_rule(action != NULL ? action : "");
    for (size_t k = 0; ar != NULL && k < 12 && ar->fields[k].name != NULL; k++)
        if (strcmp(ar->fields[k].name, field) == 0)
            return fill_of(ar->action, field) != FILL_NONE;
    return 0;
}
