/*
 * mod_c_tone — a test module written in C99 against switchyard.h alone,
 * using the ABI 1.1 channel functions. Build it as mod_c_tone.so (the
 * descriptor's name), e.g. compile_c_module("tone_app.c", "mod_c_tone", dir).
 *
 * Dialplan application:
 *   c_tone [SOURCE]  answers the channel, plays SOURCE (a tone_stream://,
 *                    silence_stream:// or WAV path, passed verbatim; when
 *                    empty, tone_stream://%(500,0,1000): 500 ms of 1 kHz),
 *                    then sets channel variable c_tone_played to "yes".
 *                    Playback runs to its end (no DTMF terminators).
 *
 * Built against the 1.1 header, it states ABI 1.0 in its descriptor (a host
 * refuses a module stating a newer minor than its own), so it loads on any
 * 1.x host. On a 1.0 host (host->abi_minor < 1: the table ends before the
 * channel functions) it registers the application all the same, and c_tone
 * fails with an error naming the host's version instead of calling past the
 * end of the table.
 */
#include "switchyard.h"

static const sy_host_api *host;
static sy_module *self;

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

static sy_status fail(const char *why, sy_status status)
{
    host->set_error(self, text(why));
    return status;
}

static sy_status app_c_tone(void *user_data, sy_channel *channel, sy_str args)
{
    sy_str source = args;
    sy_status status;
    (void)user_data;

    /* The 1.1 functions exist only on a 1.1 host (SY_HOST_HAS(host,
     * channel_play) says the same by the table's size). */
    if (host->abi_minor < 1) {
        return fail("c_tone needs a host with ABI 1.1 or later (this host is 1.0)", SY_ERROR);
    }
    if (source.len == 0) {
        source = text("tone_stream://%(500,0,1000)");
    }

    status = host->channel_answer(channel);
    if (status != SY_OK) {
        return fail("c_tone: channel_answer failed", status);
    }
    status = host->channel_play(channel, source, text(""), NULL);
    if (status == SY_NOT_FOUND) {
        return fail("c_tone: the source to play does not exist", status);
    }
    if (status != SY_OK) {
        return fail("c_tone: channel_play failed (bad source, or the call hung up)", status);
    }
    status = host->channel_set_variable(channel, text("c_tone_played"), text("yes"));
    if (status != SY_OK) {
        return fail("c_tone: channel_set_variable failed", status);
    }
    return SY_OK;
}

static sy_status tone_load(sy_module *module, const sy_host_api *api)
{
    host = api;
    self = module;
    if (api->abi_major != SY_ABI_MAJOR) {
        return fail("mod_c_tone needs host ABI major 1", SY_ERROR);
    }
    if (api->register_app(module, text("c_tone"),
                          text("C tone: answers, plays a tone, sets c_tone_played=yes"),
                          text("c_tone [tone_stream://...|silence_stream://MS|file.wav]"),
                          app_c_tone, NULL) != SY_OK) {
        return fail("cannot register application c_tone", SY_ERROR);
    }
    if (api->abi_minor < 1) {
        api->log(module, SY_LOG_WARNING,
                 text("mod_c_tone loaded on an ABI 1.0 host: c_tone will refuse to run"));
    } else {
        api->log(module, SY_LOG_INFO, text("mod_c_tone loaded"));
    }
    return SY_OK;
}

static sy_status tone_unload(sy_module *module)
{
    host->log(module, SY_LOG_INFO, text("mod_c_tone unloading"));
    return SY_OK;
}

/* Minor 0: the oldest host it loads on; the 1.1 functions are checked for at run time. */
SY_EXPORT const sy_module_descriptor switchyard_module = {
    SY_ABI_MAJOR, 0, "mod_c_tone", "1.0.0", tone_load, tone_unload,
};
