/*
 * switchyard.h — the Switchyard module ABI, version 1.1.
 *
 * This header is the whole contract between the Switchyard host and a
 * loadable module. A module includes this file only, links against no host
 * symbol, and exports exactly one data symbol:
 *
 *     SY_EXPORT const sy_module_descriptor switchyard_module = { ... };
 *
 * The host reads the descriptor, refuses a module whose ABI major differs
 * from its own, then calls `load` with a table of host functions
 * (sy_host_api). Everything a module can do goes through that table.
 *
 * Rules (see docs/ABI.md for the long form):
 *  - Strings are UTF-8 with an explicit length (sy_str) and are not
 *    NUL-terminated unless stated. A string the host passes to a module
 *    callback lives until that callback returns; a string a host function
 *    returns lives as long as that function says (the module's directories
 *    while it is loaded, event headers as long as the event); copy it to
 *    keep it longer. A string a module passes to a host function only needs
 *    to live until that function returns; the host copies what it keeps.
 *  - Whoever allocates frees. Events created with event_create belong to the
 *    module until event_fire (which takes them) or event_destroy.
 *  - Threads: API command and dialplan application callbacks run on a worker
 *    or session thread and may block; event handlers run on the event
 *    dispatcher thread and must not block; media taps (1.1) run on the media
 *    path and must neither block nor allocate. Host functions may be called
 *    from any thread, including the module's own (except the blocking
 *    channel media functions, see "1.1: channels"); an event the module owns
 *    must not be used from two threads at once.
 *  - Versioning: within major version 1, sy_host_api and the enumerated
 *    constants only ever grow at the end; each addition bumps
 *    SY_ABI_MINOR. A module must check `host->size` (or `host->abi_minor`)
 *    before using a field added after 1.0: SY_HOST_HAS(host, field), or
 *    `host->abi_minor >= 1` for everything marked 1.1. A module built
 *    against 1.0 loads on a 1.1 host unchanged. A host refuses a module
 *    whose descriptor states a newer minor than its own; a module built
 *    against 1.1 that states minor 0 loads on a 1.0 host too and must then
 *    do without the 1.1 functions.
 *    Released struct layouts never change within a major version.
 */
#ifndef SWITCHYARD_H
#define SWITCHYARD_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Major version: a host refuses modules built for another major. */
#define SY_ABI_MAJOR 1
/** Minor version: grows when host functions are appended. */
#define SY_ABI_MINOR 1

/** Name of the one symbol every module exports (a sy_module_descriptor). */
#define SY_MODULE_SYMBOL "switchyard_module"

#if defined(_WIN32)
#define SY_EXPORT __declspec(dllexport)
#else
#define SY_EXPORT __attribute__((visibility("default")))
#endif

/* ------------------------------------------------------------------ */
/* Status codes                                                        */
/* ------------------------------------------------------------------ */

/** Result of a host function or module callback. */
typedef int32_t sy_status;

/** Success. */
#define SY_OK 0
/** Generic failure; a module may explain it with host->set_error. */
#define SY_ERROR 1
/** The named thing does not exist. */
#define SY_NOT_FOUND 2
/** The thing is busy or in use. */
#define SY_IN_USE 3
/** An argument was invalid (NULL, bad UTF-8, empty name, ...). */
#define SY_INVALID 4
/** Something with this name is already registered. */
#define SY_EXISTS 5
/** A module callback panicked / crashed its own call (set by SDKs). */
#define SY_PANICKED 6

/* ------------------------------------------------------------------ */
/* Log levels (FreeSWITCH's numbering)                                 */
/* ------------------------------------------------------------------ */

/** Log level: an error the operator must act on. */
#define SY_LOG_ERROR 3
/** Log level: something unexpected that the switch worked around. */
#define SY_LOG_WARNING 4
/** Log level: a notable normal event. */
#define SY_LOG_NOTICE 5
/** Log level: informational. */
#define SY_LOG_INFO 6
/** Log level: debugging detail. */
#define SY_LOG_DEBUG 7

/* ------------------------------------------------------------------ */
/* Media tap flags (since 1.1)                                         */
/* ------------------------------------------------------------------ */

/**
 * Tap direction: audio read from the channel, i.e. coming from its far end
 * (what the caller says). Also the `direction` a tap callback receives.
 */
#define SY_TAP_READ 1
/**
 * Tap direction: audio written to the channel, i.e. going to its far end
 * (what the caller hears). Also the `direction` a tap callback receives.
 */
#define SY_TAP_WRITE 2
/**
 * Tap flag: the tap may rewrite the samples in place, and what it leaves in
 * the frame is what the media path carries on with (mod_fax generating its
 * tones, a voice changer). Without it the frame is a copy: changes to it
 * have no effect.
 */
#define SY_TAP_REPLACE 4

/* ------------------------------------------------------------------ */
/* Plain data                                                          */
/* ------------------------------------------------------------------ */

/** A borrowed UTF-8 string: `len` bytes at `ptr`; `ptr` may be NULL when len is 0. */
typedef struct sy_str {
    const char *ptr;
    size_t len;
} sy_str;

/**
 * One frame of audio handed to a media tap (since 1.1): 16-bit signed
 * linear PCM in host byte order. In practice the host always delivers mono
 * (`channels` 1) at the rate of the channel's codec (8000 Hz for G.711,
 * 20 ms = 160 samples per frame); a tap must still read the fields rather
 * than assume them. The frame and its samples live until the tap callback
 * returns. A tap may write to `samples` (it takes effect only with
 * SY_TAP_REPLACE) but must not change the other fields.
 */
typedef struct sy_frame {
    /** The samples, interleaved when channels > 1; NULL only when samples_len is 0. */
    int16_t *samples;
    /** The number of int16_t values at `samples` (samples per channel times channels). */
    size_t samples_len;
    /** Samples per second per channel (8000, 16000, 48000, ...). */
    uint32_t sample_rate;
    /** The number of interleaved channels (1 in practice). */
    uint32_t channels;
} sy_frame;

/* ------------------------------------------------------------------ */
/* Opaque handles                                                      */
/* ------------------------------------------------------------------ */

/** The host's handle for one loaded module; passed to load and to host functions. */
typedef struct sy_module sy_module;
/** Output of an API command; write to it with host->stream_write. */
typedef struct sy_stream sy_stream;
/** An event: a name, ordered headers and an optional body. */
typedef struct sy_event sy_event;
/**
 * A call leg; the functions that act on it arrive in 1.1. The handle passed
 * to an application callback is valid until that callback returns (the
 * module never releases it); a handle from channel_locate is valid until
 * channel_release. A valid handle outlives the call's hangup.
 */
typedef struct sy_channel sy_channel;

/* ------------------------------------------------------------------ */
/* Callbacks a module registers                                        */
/* ------------------------------------------------------------------ */

/**
 * An API command. `args` is everything after the command name (trimmed).
 * Write the reply to `out`. Return SY_OK, or SY_ERROR after writing
 * "-ERR reason" to `out`. Runs on a worker thread and may block.
 */
typedef sy_status (*sy_api_fn)(void *user_data, sy_str args, sy_stream *out);

/**
 * An event handler. The event is valid until the handler returns. Runs on
 * the event dispatcher thread: it must not block.
 */
typedef void (*sy_event_fn)(void *user_data, const sy_event *event);

/**
 * A dialplan application. Runs on the channel's session thread and may
 * block, but must return soon after the channel hangs up.
 */
typedef sy_status (*sy_app_fn)(void *user_data, sy_channel *channel, sy_str args);

/** Receives a string produced by the host; the string lives until the callback returns. */
typedef void (*sy_str_fn)(void *user_data, sy_str text);

/**
 * A media tap (since 1.1): receives every frame of the tapped direction(s);
 * `direction` is SY_TAP_READ or SY_TAP_WRITE. Runs on the media path: it
 * must not block and must not allocate in steady state. Calls for one tap
 * never overlap (the host serialises them, both directions included), but
 * may come from different threads over the tap's life.
 */
typedef void (*sy_tap_fn)(void *user_data, uint32_t direction, sy_frame *frame);

/**
 * Ends a media tap (since 1.1): called exactly once per tap, after its last
 * sy_tap_fn call has returned, when the tap is removed with
 * channel_remove_tap or when its channel ends. The module frees
 * `user_data` here. Must not block.
 */
typedef void (*sy_tap_close_fn)(void *user_data);

/* ------------------------------------------------------------------ */
/* The host function table                                             */
/* ------------------------------------------------------------------ */

/**
 * Functions the host offers a module. Append-only within a major version:
 * fields are never removed or reordered. `size` is sizeof the table the
 * host filled in; a field lies inside the table when its offset plus its
 * size is at most `size`.
 */
typedef struct sy_host_api {
    /** sizeof(sy_host_api) as the host compiled it. */
    size_t size;
    /** The host's ABI major version. */
    uint32_t abi_major;
    /** The host's ABI minor version. */
    uint32_t abi_minor;

    /* --- 1.0: logging and the module's own places --- */

    /** Writes `message` to the switch log at `level` (SY_LOG_*), tagged with the module's name. */
    void (*log)(sy_module *module, int32_t level, sy_str message);
    /**
     * Explains the failure the module is about to return (from load, unload,
     * an API command or an application); the host shows it to the operator.
     */
    void (*set_error)(sy_module *module, sy_str message);
    /** The configuration directory (read-only for modules). Lives while the module is loaded. */
    sy_str (*config_dir)(sy_module *module);
    /** The module's private data directory, created by the host. Lives while the module is loaded. */
    sy_str (*data_dir)(sy_module *module);
    /** Path of the module's private SQLite database (inside data_dir; the module opens it). */
    sy_str (*db_path)(sy_module *module);

    /* --- 1.0: registrations (all removed by the host when the module unloads) --- */

    /** Registers API command `name` (no spaces). Fails with SY_EXISTS if the name is taken. */
    sy_status (*register_api)(sy_module *module, sy_str name, sy_str description, sy_str syntax,
                              sy_api_fn fn, void *user_data);
    /** Registers dialplan application `name`. Fails with SY_EXISTS if the name is taken. */
    sy_status (*register_app)(sy_module *module, sy_str name, sy_str description, sy_str syntax,
                              sy_app_fn fn, void *user_data);
    /**
     * Calls `fn` for every event named `event_name` ("ALL" for every event).
     * For CUSTOM events a non-empty `subclass` narrows to that Event-Subclass.
     * Writes an id usable with unbind_event to `*binding_id` when not NULL.
     */
    sy_status (*bind_event)(sy_module *module, sy_str event_name, sy_str subclass,
                            sy_event_fn fn, void *user_data, uint64_t *binding_id);
    /** Removes a binding made by bind_event; no call to its handler starts after this returns. */
    sy_status (*unbind_event)(sy_module *module, uint64_t binding_id);

    /* --- 1.0: API output --- */

    /** Appends `text` to an API command's reply. */
    sy_status (*stream_write)(sy_stream *stream, sy_str text);

    /* --- 1.0: events --- */

    /**
     * Creates an event owned by the module. `event_name` is a core name
     * (e.g. "CUSTOM"); for CUSTOM, `subclass` (e.g. "acd::member-enter") is
     * required. Returns NULL on an unknown name or a missing subclass.
     */
    sy_event *(*event_create)(sy_module *module, sy_str event_name, sy_str subclass);
    /** Appends a header to an event the module owns. */
    sy_status (*event_add_header)(sy_event *event, sy_str name, sy_str value);
    /** Sets (replaces) the body of an event the module owns. */
    sy_status (*event_set_body)(sy_event *event, sy_str body);
    /** Fires an event and takes ownership of it, whatever the result. */
    sy_status (*event_fire)(sy_module *module, sy_event *event);
    /** Frees an event the module created and did not fire. */
    void (*event_destroy)(sy_event *event);
    /** The first value of header `name` (case-insensitive); {NULL, 0} when absent. Lives as long as the event. */
    sy_str (*event_header)(const sy_event *event, sy_str name);
    /** The event's body; {NULL, 0} when it has none. Lives as long as the event. */
    sy_str (*event_body)(const sy_event *event);
    /** The number of headers of the event. */
    size_t (*event_header_count)(const sy_event *event);
    /** Header number `index` (0-based) into `*name` and `*value`; SY_NOT_FOUND past the end. */
    sy_status (*event_header_at)(const sy_event *event, size_t index, sy_str *name, sy_str *value);

    /* --- 1.0: running core and module API commands --- */

    /**
     * Runs API command line `command` ("status", "show modules", ...) and
     * hands its complete reply to `on_reply`. Returns the command's status.
     */
    sy_status (*api_execute)(sy_module *module, sy_str command, sy_str_fn on_reply, void *user_data);

    /* --- 1.1: channels --- */
    /*
     * Check host->abi_minor >= 1 (or SY_HOST_HAS) before using any field of
     * this section or the next: a 1.0 host's table ends before them.
     *
     * Handles: see sy_channel. Once the call has hung up, a still valid
     * handle keeps working for channel_ready (0), channel_uuid and the
     * variable functions; the functions that act on the call then return
     * what each says below (mostly SY_ERROR).
     *
     * Threads: channel_play, channel_collect_digits and channel_bridge use
     * the channel's media and block; they work only on the channel's session
     * thread (from an application running on that channel) and return
     * SY_IN_USE anywhere else. The other functions may be called from any
     * thread, with any valid handle.
     */

    /**
     * Answers the call (200 OK). SY_OK also when it is already answered;
     * SY_ERROR when it has hung up or the answer failed.
     */
    sy_status (*channel_answer)(sy_channel *channel);
    /**
     * Opens early media (183 Session Progress with SDP) without answering,
     * so that channel_play is heard before the answer. SY_OK also when the
     * call already has media; SY_ERROR when it has hung up.
     */
    sy_status (*channel_pre_answer)(sy_channel *channel);
    /**
     * Tells the caller it is ringing (180 Ringing, no media). Does nothing
     * and returns SY_OK when the call already rings, has media or is
     * answered; SY_ERROR when it has hung up.
     */
    sy_status (*channel_ring_ready)(sy_channel *channel);
    /**
     * Hangs up the call with `cause`, a Q.850 cause as FreeSWITCH names it
     * ("NORMAL_CLEARING", "USER_BUSY", "NO_ANSWER", "CALL_REJECTED", ...);
     * empty means NORMAL_CLEARING. SY_INVALID for an unknown name. SY_OK and
     * nothing changes when the call has already hung up (the first cause
     * stays). An application that hangs up its own channel should return.
     */
    sy_status (*channel_hangup)(sy_channel *channel, sy_str cause);
    /** 1 while the call is up (not hung up or hanging up), else 0 (also for NULL). */
    int32_t (*channel_ready)(sy_channel *channel);
    /** Hands the channel's UUID (the Unique-ID of its events) to `on_value`. */
    sy_status (*channel_uuid)(sy_channel *channel, sy_str_fn on_value, void *user_data);
    /**
     * Hands the value of channel variable `name` to `on_value`; a variable
     * set to "" is handed over as "". SY_NOT_FOUND, without calling
     * `on_value`, when the variable is not set.
     */
    sy_status (*channel_get_variable)(sy_channel *channel, sy_str name, sy_str_fn on_value,
                                      void *user_data);
    /**
     * Sets channel variable `name` to `value`, replacing any value; an empty
     * value sets it to "" (channel_unset_variable removes it). SY_INVALID for
     * an empty name.
     */
    sy_status (*channel_set_variable)(sy_channel *channel, sy_str name, sy_str value);
    /** Removes channel variable `name`; SY_OK also when it was not set. */
    sy_status (*channel_unset_variable)(sy_channel *channel, sy_str name);
    /**
     * Plays `source` to the caller and blocks until it has been played.
     * `source` is the path of a WAV file (a relative path is taken from the
     * channel variable `sound_prefix`, as in FreeSWITCH), a FreeSWITCH tone
     * script "tone_stream://..." (e.g. "tone_stream://%(500,0,1000)": 500 ms
     * of 1 kHz) or "silence_stream://MS". A DTMF digit listed in
     * `terminators` (e.g. "#", "0123456789*#"; empty: none) stops playback
     * early and is consumed; other digits stay queued for
     * channel_collect_digits. When `terminator_out` is not NULL it is always
     * written: the digit that stopped playback, else 0.
     * Returns SY_OK when played to the end or stopped by a terminator;
     * SY_NOT_FOUND for a file that does not exist; SY_INVALID for a source
     * that cannot be played (bad tone script, unsupported WAV format);
     * SY_ERROR when the call hangs up before or during playback.
     */
    sy_status (*channel_play)(sy_channel *channel, sy_str source, sy_str terminators,
                              char *terminator_out);
    /**
     * Collects DTMF digits from the caller, queued ones first. Collection
     * ends when `max_digits` digits are in, when a digit listed in
     * `terminators` arrives (it is consumed, not collected), when no digit
     * arrives within `first_timeout_ms`, or when no further digit arrives
     * within `digit_timeout_ms` of the previous one. With at least
     * `min_digits` collected it hands them to `on_digits` (possibly "" when
     * min_digits is 0) and returns SY_OK; with fewer it returns SY_NOT_FOUND
     * without calling `on_digits`. SY_INVALID when max_digits is 0 or less
     * than min_digits; SY_ERROR when the call hangs up.
     */
    sy_status (*channel_collect_digits)(sy_channel *channel, uint32_t min_digits,
                                        uint32_t max_digits, sy_str terminators,
                                        uint32_t first_timeout_ms, uint32_t digit_timeout_ms,
                                        sy_str_fn on_digits, void *user_data);
    /**
     * Sends DTMF `digits` (0-9, *, #, A-D) to the far end, the way the call
     * negotiated (RFC 4733); queues them and returns without waiting for
     * them to be sent. SY_INVALID for an empty string or any other
     * character; SY_ERROR when the call has hung up.
     */
    sy_status (*channel_send_dtmf)(sy_channel *channel, sy_str digits);
    /**
     * Bridges the call to `dial_string` (as the dialplan's bridge
     * application takes it: "user/1001@example.com", "gateway/NAME/NUMBER",
     * "," rings in parallel, "|" fails over, "{var=value}" prefixes) and
     * blocks until the bridged call ends: SY_OK (the channel may still be
     * up when the other party hung up first: check channel_ready). When no
     * target answers or the bridge cannot be set up, returns SY_ERROR and
     * leaves the cause ("USER_BUSY", "NO_ANSWER", ...) in channel variable
     * `last_bridge_hangup_cause`. SY_INVALID for a dial string that cannot
     * be parsed.
     */
    sy_status (*channel_bridge)(sy_channel *channel, sy_str dial_string);
    /**
     * Finds the channel whose UUID is `uuid` and writes a new handle to
     * `*out` (only on SY_OK), so that API commands, event handlers and the
     * module's own threads can act on a call. The handle holds a reference:
     * it stays valid, even after the call ends, until channel_release. A
     * module releases every handle it located before its unload returns.
     * SY_NOT_FOUND when no channel has that UUID.
     */
    sy_status (*channel_locate)(sy_module *module, sy_str uuid, sy_channel **out);
    /**
     * Releases a handle from channel_locate; the handle is invalid
     * afterwards. Never pass the handle an application callback received.
     */
    void (*channel_release)(sy_channel *channel);

    /* --- 1.1: media taps --- */

    /**
     * Adds a media tap to the channel for `module`. `flags` is SY_TAP_READ,
     * SY_TAP_WRITE or both, optionally with SY_TAP_REPLACE. From now on the
     * host calls `on_frame` with each frame of the tapped directions while
     * the call has media (early media included), and
     * `on_close` (may be NULL) exactly once at the end: on
     * channel_remove_tap or when the channel ends. A module with live taps
     * is in use (the host refuses to unload it), so every tap is closed
     * before the module's unload runs. Writes an id for
     * channel_remove_tap to `*tap_id` when not NULL. On any status
     * but SY_OK neither callback is ever called and `user_data` stays the
     * module's to free. SY_INVALID for a NULL `on_frame`, no direction or an
     * unknown flag bit; SY_ERROR when the call has hung up.
     */
    sy_status (*channel_add_tap)(sy_module *module, sy_channel *channel, uint32_t flags,
                                 sy_tap_fn on_frame, sy_tap_close_fn on_close, void *user_data,
                                 uint64_t *tap_id);
    /**
     * Removes a tap the module added to this channel. When it returns SY_OK,
     * no `on_frame` call is running or will start and `on_close` has been
     * called. SY_NOT_FOUND when the tap is already gone (the channel ended).
     * Never call it from the tap's own callbacks.
     */
    sy_status (*channel_remove_tap)(sy_module *module, sy_channel *channel, uint64_t tap_id);
} sy_host_api;

/**
 * True when the host table `api` contains `field`, that is when the host
 * offers that function: its offset plus its size is at most `api->size`.
 * Every 1.0 field is always present; check later ones before calling them:
 *
 *     if (SY_HOST_HAS(host, channel_answer)) { host->channel_answer(channel); }
 */
#define SY_HOST_HAS(api, field) \
    (offsetof(sy_host_api, field) + sizeof((api)->field) <= (api)->size)

/* ------------------------------------------------------------------ */
/* The module descriptor                                               */
/* ------------------------------------------------------------------ */

/**
 * What a module exports as `switchyard_module`. All pointers are static.
 */
typedef struct sy_module_descriptor {
    /** SY_ABI_MAJOR the module was built against. */
    uint32_t abi_major;
    /**
     * SY_ABI_MINOR the module was built against. A host refuses a module
     * whose minor is newer than its own, so a module that must also load on
     * older hosts puts the oldest minor it needs here (e.g. 0) and checks
     * for newer functions at run time (SY_HOST_HAS, host->abi_minor).
     */
    uint32_t abi_minor;
    /** The module's name, NUL-terminated (e.g. "mod_ivr"); must match the file name. */
    const char *name;
    /** The module's own version, NUL-terminated (free text, e.g. "1.2.0"). */
    const char *version;
    /**
     * Called once after the module is mapped. Register everything here.
     * `host` and `module` stay valid until unload returns. Return SY_OK, or an
     * error after calling host->set_error; on error the host removes what the
     * module registered and does not call unload.
     */
    sy_status (*load)(sy_module *module, const sy_host_api *host);
    /**
     * Called once before the module is dropped, after the host has removed
     * its registrations and waited for running callbacks to finish. Stop the
     * module's threads and free its resources here. May be NULL.
     */
    sy_status (*unload)(sy_module *module);
} sy_module_descriptor;

/**
 * The one symbol a module defines (as `SY_EXPORT const sy_module_descriptor
 * switchyard_module = {...};`). Declared here so that it has external
 * linkage in C++ too, where a namespace-scope const would otherwise be
 * internal and not exported.
 */
extern SY_EXPORT const sy_module_descriptor switchyard_module;

#ifdef __cplusplus
}
#endif

#endif /* SWITCHYARD_H */
