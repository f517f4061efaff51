/*
 * mod_c_badabi — a module that claims ABI 2.0. The host must refuse it,
 * naming both versions, and must never call its load function (which would
 * register the API command `badabi_ran`).
 */
#include "switchyard.h"

static sy_str text(const char *s)
{
    sy_str out;
    size_t len = 0;
    while (s[len] != '\0') {
        len++;
    }
    out.ptr = s;
    out.len = len;
    return out;
}

static sy_status api_badabi_ran(void *user_data, sy_str args, sy_stream *out)
{
    (void)user_data;
    (void)args;
    (void)out;
    return SY_OK;
}

static sy_status badabi_load(sy_module *module, const sy_host_api *host)
{
    return host->register_api(module, text("badabi_ran"), text("must never exist"),
                              text("badabi_ran"), api_badabi_ran, NULL);
}

SY_EXPORT const sy_module_descriptor switchyard_module = {
    2, 0, "mod_c_badabi", "1.0.0", badabi_load, NULL,
};
