#!/usr/bin/env python3
"""Drives a running Switchyard with the third-party ESL library greenswitch.

greenswitch was written for FreeSWITCH, so it is an honest judge of ESL
compatibility. The script:

1. connects and authenticates (greenswitch.InboundESL),
2. runs `api status` and checks that it says UP,
3. subscribes with `events plain BACKGROUND_JOB CUSTOM <subclass>` (the plural
   form greenswitch users write, as FreeSWITCH accepts),
4. runs `bgapi status` and waits for the BACKGROUND_JOB event with its Job-UUID,
5. prints READY on stdout and waits for a CUSTOM <subclass> event with header
   Greeting=<greeting>, which the calling test fires through `switchyard cli`,
6. prints a JSON summary on one line and exits 0.

Any failure prints `FAIL: reason` on stderr and exits 1. The whole run is
bounded by --timeout seconds.
"""

import argparse
import json
import sys

import gevent
import gevent.event
import greenswitch


def fail(message):
    print(f"FAIL: {message}", file=sys.stderr, flush=True)
    sys.exit(1)


def wait_for(condition, seconds, what):
    """Polls `condition` (cooperatively) until it is true or time is up."""
    with gevent.Timeout(seconds, False):
        while not condition():
            gevent.sleep(0.02)
        return
    fail(f"timed out after {seconds}s waiting for {what}")


def run(args):
    summary = {}
    esl = greenswitch.InboundESL(host=args.host, port=args.port, password=args.password)
    esl.connect()
    summary["connected"] = True

    status = esl.send("api status")
    if "UP" not in (status.data or ""):
        fail(f"api status did not say UP: {status.data!r}")
    summary["api_status_first_line"] = status.data.splitlines()[0]

    background_jobs = {}
    custom_events = []

    def on_background_job(event):
        background_jobs[event.headers.get("Job-UUID")] = event.headers

    def on_custom(event):
        custom_events.append(event.headers)

    esl.register_handle("BACKGROUND_JOB", on_background_job)
    # greenswitch dispatches CUSTOM events by their Event-Subclass.
    esl.register_handle(args.subclass, on_custom)

    subscribed = esl.send(f"events plain BACKGROUND_JOB CUSTOM {args.subclass}")
    if not (subscribed.data or "").startswith("+OK"):
        fail(f"subscription refused: {subscribed.data!r}")
    summary["subscribe_reply"] = subscribed.data

    job = esl.send("bgapi status")
    job_uuid = job.headers.get("Job-UUID")
    if not job_uuid and (job.data or "").startswith("+OK Job-UUID: "):
        job_uuid = job.data[len("+OK Job-UUID: "):].strip()
    if not job_uuid:
        fail(f"bgapi reply carries no Job-UUID: {job.headers!r}")
    wait_for(lambda: job_uuid in background_jobs, args.timeout, f"BACKGROUND_JOB {job_uuid}")
    job_headers = background_jobs[job_uuid]
    if job_headers.get("Job-Command") != "status":
        fail(f"BACKGROUND_JOB has Job-Command {job_headers.get('Job-Command')!r}")
    summary["background_job_uuid"] = job_uuid
    summary["background_job_command"] = job_headers.get("Job-Command")

    print("READY", flush=True)
    wait_for(
        lambda: any(e.get("Greeting") == args.greeting for e in custom_events),
        args.timeout,
        f"CUSTOM {args.subclass} with Greeting={args.greeting}",
    )
    event = next(e for e in custom_events if e.get("Greeting") == args.greeting)
    summary["custom_event_name"] = event.get("Event-Name")
    summary["custom_event_subclass"] = event.get("Event-Subclass")
    summary["custom_event_greeting"] = event.get("Greeting")

    esl.stop()
    summary["stopped"] = True
    print(json.dumps(summary, sort_keys=True), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--subclass", default="probe::ping")
    parser.add_argument("--greeting", default="hi")
    parser.add_argument("--timeout", type=float, default=20.0)
    args = parser.parse_args()
    # Bounds everything, including greenswitch's unbounded waits.
    with gevent.Timeout(args.timeout * 3, False):
        run(args)
        return
    fail(f"the whole check took longer than {args.timeout * 3}s")


if __name__ == "__main__":
    main()
