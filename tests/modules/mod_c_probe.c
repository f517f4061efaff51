/*
 * mod_c_probe — a test module written in C99 against switchyard.h alone.
 *
 * API commands:
 *   cprobe ARGS    replies "+OK cprobe ARGS"
 *   cprobe_last    replies the Greeting header of the last CUSTOM probe::ping
 *                  event seen (an -ERR while none was seen)
 *   cprobe_fire    fires CUSTOM probe::pong with header Greeting: pong
 *   cprobe_paths   replies the host's config_dir, data_dir and db_path, one a line
 *
 * The event handler runs on the dispatcher thread while API commands run on
 * worker threads, so the remembered greeting is guarded by a small spin lock
 * built on a compiler builtin (the module includes no other header).
 */
#include "switchyard.h"

#define GREETING_CAPACITY 256

static const sy_host_api *host;
static sy_module *self;

static volatile int greeting_lock;
static char last_greeting[GREETING_CAPACITY];
static size_t last_greeting_len;
static int greeting_seen;

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

static void lock_greeting(void)
{
    while (__sync_lock_test_and_set(&greeting_lock, 1)) {
        /* spin: the critical sections copy at most 256 bytes */
    }
}

static void unlock_greeting(void)
{
    __sync_lock_release(&greeting_lock);
}

static sy_status api_cprobe(void *user_data, sy_str args, sy_stream *out)
{
    (void)user_data;
    host->stream_write(out, text("+OK cprobe "));
    host->stream_write(out, args);
    return SY_OK;
}

static sy_status api_cprobe_last(void *user_data, sy_str args, sy_stream *out)
{
    char copy[GREETING_CAPACITY];
    size_t len;
    size_t i;
    int seen;
    sy_str reply;
    (void)user_data;
    (void)args;

    lock_greeting();
    seen = greeting_seen;
    len = last_greeting_len;
    for (i = 0; i < len; i++) {
        copy[i] = last_greeting[i];
    }
    unlock_greeting();

    if (!seen) {
        host->stream_write(out, text("-ERR no probe::ping event seen yet"));
        return SY_ERROR;
    }
    reply.ptr = copy;
    reply.len = len;
    host->stream_write(out, reply);
    return SY_OK;
}

static sy_status api_cprobe_fire(void *user_data, sy_str args, sy_stream *out)
{
    sy_event *event;
    (void)user_data;
    (void)args;

    event = host->event_create(self, text("CUSTOM"), text("probe::pong"));
    if (event == NULL) {
        host->stream_write(out, text("-ERR event_create refused CUSTOM probe::pong"));
        return SY_ERROR;
    }
    host->event_add_header(event, text("Greeting"), text("pong"));
    host->event_add_header(event, text("Probe-Language"), text("C"));
    if (host->event_fire(self, event) != SY_OK) {
        host->stream_write(out, text("-ERR event_fire failed"));
        return SY_ERROR;
    }
    host->stream_write(out, text("+OK fired probe::pong"));
    return SY_OK;
}

static sy_status api_cprobe_paths(void *user_data, sy_str args, sy_stream *out)
{
    (void)user_data;
    (void)args;
    host->stream_write(out, host->config_dir(self));
    host->stream_write(out, text("\n"));
    host->stream_write(out, host->data_dir(self));
    host->stream_write(out, text("\n"));
    host->stream_write(out, host->db_path(self));
    host->stream_write(out, text("\n"));
    return SY_OK;
}

static void on_probe_ping(void *user_data, const sy_event *event)
{
    sy_str greeting;
    size_t i;
    (void)user_data;

    greeting = host->event_header(event, text("Greeting"));
    if (greeting.ptr == NULL) {
        return;
    }
    lock_greeting();
    last_greeting_len = greeting.len < GREETING_CAPACITY ? greeting.len : GREETING_CAPACITY;
    for (i = 0; i < last_greeting_len; i++) {
        last_greeting[i] = greeting.ptr[i];
    }
    greeting_seen = 1;
    unlock_greeting();
}

static sy_status refuse(const char *why)
{
    host->set_error(self, text(why));
    return SY_ERROR;
}

static sy_status probe_load(sy_module *module, const sy_host_api *api)
{
    host = api;
    self = module;
    if (api->abi_major != SY_ABI_MAJOR) {
        return refuse("mod_c_probe needs host ABI major 1");
    }
    greeting_seen = 0;
    last_greeting_len = 0;

    if (api->register_api(module, text("cprobe"), text("C probe: echoes its arguments"),
                          text("cprobe <text>"), api_cprobe, NULL) != SY_OK) {
        return refuse("cannot register API cprobe");
    }
    if (api->register_api(module, text("cprobe_last"),
                          text("C probe: Greeting of the last probe::ping event"),
                          text("cprobe_last"), api_cprobe_last, NULL) != SY_OK) {
        return refuse("cannot register API cprobe_last");
    }
    if (api->register_api(module, text("cprobe_fire"), text("C probe: fires CUSTOM probe::pong"),
                          text("cprobe_fire"), api_cprobe_fire, NULL) != SY_OK) {
        return refuse("cannot register API cprobe_fire");
    }
    if (api->register_api(module, text("cprobe_paths"), text("C probe: the module's directories"),
                          text("cprobe_paths"), api_cprobe_paths, NULL) != SY_OK) {
        return refuse("cannot register API cprobe_paths");
    }
    if (api->bind_event(module, text("CUSTOM"), text("probe::ping"), on_probe_ping, NULL, NULL) !=
        SY_OK) {
        return refuse("cannot bind CUSTOM probe::ping");
    }
    api->log(module, SY_LOG_INFO, text("mod_c_probe loaded"));
    return SY_OK;
}

static sy_status probe_unload(sy_module *module)
{
    host->log(module, SY_LOG_INFO, text("mod_c_probe unloading"));
    return SY_OK;
}

SY_EXPORT const sy_module_descriptor switchyard_module = {
    SY_ABI_MAJOR, SY_ABI_MINOR, "mod_c_probe", "1.0.0", probe_load, probe_unload,
};
