/*
 * switchyard.h — the Switchyard module ABI, version 1.0.
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
 *    dispatcher thread and must not block. Host functions may be called
 *    from any thread, including the module's own; an event the module owns
 *    must not be used from two threads at once.
 *  - Versioning: within major version 1, sy_host_api and the enumerated
 *    constants only ever grow at the end; each addition bumps
 *    SY_ABI_MINOR. A module must check `host->size` (or `host->abi_minor`)
 *    before using a field added after the minor version it was built for.
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
#define SY_ABI_MINOR 0

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
/* Plain data                                                          */
/* ------------------------------------------------------------------ */

/** A borrowed UTF-8 string: `len` bytes at `ptr`; `ptr` may be NULL when len is 0. */
typedef struct sy_str {
    const char *ptr;
    size_t len;
} sy_str;

/* ------------------------------------------------------------------ */
/* Opaque handles                                                      */
/* ------------------------------------------------------------------ */

/** The host's handle for one loaded module; passed to load and to host functions. */
typedef struct sy_module sy_module;
/** Output of an API command; write to it with host->stream_write. */
typedef struct sy_stream sy_stream;
/** An event: a name, ordered headers and an optional body. */
typedef struct sy_event sy_event;
/** A call leg; the functions that act on it arrive in later minor versions. */
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
} sy_host_api;

/* ------------------------------------------------------------------ */
/* The module descriptor                                               */
/* ------------------------------------------------------------------ */

/**
 * What a module exports as `switchyard_module`. All pointers are static.
 */
typedef struct sy_module_descriptor {
    /** SY_ABI_MAJOR the module was built against. */
    uint32_t abi_major;
    /** SY_ABI_MINOR the module was built against. */
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
