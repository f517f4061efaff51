//! API commands on a call's media, with FreeSWITCH's names and arguments:
//! `uuid_send_dtmf`, `uuid_break`, `uuid_broadcast` and `uuid_hold`.

use crate::media::{MediaLeg, PcmFrame};
use crate::session::source::AudioSource;
use crate::switch::Switch;
use std::sync::Arc;
use std::time::Duration;

/// Usage of `uuid_send_dtmf`.
pub const SEND_DTMF_USAGE: &str = "uuid_send_dtmf <uuid> <digits>[@<tone duration ms>]";
/// Usage of `uuid_break`.
pub const BREAK_USAGE: &str = "uuid_break <uuid> [all]";
/// Usage of `uuid_broadcast`.
pub const BROADCAST_USAGE: &str = "uuid_broadcast <uuid> <path> [aleg|bleg|both]";
/// Usage of `uuid_hold`.
pub const HOLD_USAGE: &str = "uuid_hold [off|toggle] <uuid>";

fn leg(switch: &Switch, uuid: &str) -> Result<Arc<MediaLeg>, String> {
    if switch.channels.get(uuid).is_none() {
        return Err("-ERR No such channel!\n".into());
    }
    switch
        .media()
        .leg(uuid)
        .filter(|leg| leg.negotiated().is_some())
        .ok_or_else(|| "-ERR the channel has no media (not answered, or bypass_media)\n".into())
}

/// `uuid_send_dtmf <uuid> <digits>[@ms]`.
pub fn uuid_send_dtmf(switch: &Arc<Switch>, args: &str) -> String {
    let mut words = args.split_whitespace();
    let (Some(uuid), Some(digits)) = (words.next(), words.next()) else {
        return format!("-USAGE: {SEND_DTMF_USAGE}\n");
    };
    let (digits, ms) = match digits.split_once('@') {
        Some((digits, ms)) => match ms.parse::<u32>() {
            Ok(ms) => (digits, ms),
            Err(_) => return format!("-ERR '{ms}' is not a duration in ms\n"),
        },
        None => (digits, 100),
    };
    if let Some(bad) = digits
        .chars()
        .find(|c| switchyard_media::dtmf::Digit::from_char(*c).is_none())
    {
        return format!("-ERR '{bad}' is not a DTMF digit (0-9 * # A-D)\n");
    }
    match leg(switch, uuid) {
        Ok(leg) => {
            leg.send_dtmf(digits, ms);
            "+OK\n".into()
        }
        Err(e) => e,
    }
}

/// `uuid_break <uuid> [all]`: stops a playback, recording or broadcast.
pub fn uuid_break(switch: &Arc<Switch>, args: &str) -> String {
    let Some(uuid) = args.split_whitespace().next() else {
        return format!("-USAGE: {BREAK_USAGE}\n");
    };
    match leg(switch, uuid) {
        Ok(leg) => {
            leg.interrupt();
            "+OK\n".into()
        }
        Err(e) => e,
    }
}

/// `uuid_broadcast <uuid> <path> [aleg|bleg|both]`: plays a file or tone
/// to the channel (and/or the leg bridged to it) in place of its audio.
pub fn uuid_broadcast(switch: &Arc<Switch>, args: &str) -> String {
    let mut words = args.split_whitespace();
    let (Some(uuid), Some(path)) = (words.next(), words.next()) else {
        return format!("-USAGE: {BROADCAST_USAGE}\n");
    };
    let which = words.next().unwrap_or("aleg");
    let Some(channel) = switch.channels.get(uuid) else {
        return "-ERR No such channel!\n".into();
    };
    let other = channel.with(|c| c.other_leg().map(|id| id.as_str().to_owned()));
    let targets: Vec<String> = match which {
        "aleg" => vec![uuid.to_owned()],
        "bleg" | "both" => {
            let Some(other) = other else {
                return "-ERR the channel is not bridged\n".into();
            };
            if which == "both" {
                vec![uuid.to_owned(), other]
            } else {
                vec![other]
            }
        }
        _ => return format!("-USAGE: {BROADCAST_USAGE}\n"),
    };
    let sounds = switch.paths.conf_dir.join("sounds");
    let mut started = Vec::new();
    for target in targets {
        let leg = match leg(switch, &target) {
            Ok(leg) => leg,
            Err(e) => return e,
        };
        let Some((rate, frame_len)) = leg.pcm_format() else {
            return "-ERR the channel has no media\n".into();
        };
        let source = match AudioSource::open(path, rate, &sounds) {
            Ok(source) => source,
            Err(e) => return format!("-ERR {e}\n"),
        };
        started.push((leg, source, rate, frame_len));
    }
    for (leg, mut source, rate, frame_len) in started {
        let (frames, overlay) = crossbeam_channel::bounded(3);
        leg.overlay_frames(overlay);
        let spawned = std::thread::Builder::new()
            .name("broadcast".into())
            .spawn(move || {
                loop {
                    let mut frame = PcmFrame::silence(frame_len, rate);
                    if source.fill(frame.samples_mut()) == 0 {
                        break;
                    }
                    // Fails once the leg ends or uuid_break clears it.
                    if frames.send_timeout(frame, Duration::from_secs(2)).is_err() {
                        break;
                    }
                }
            });
        if let Err(e) = spawned {
            return format!("-ERR cannot start the broadcast: {e}\n");
        }
    }
    "+OK Message queued\n".into()
}

/// `uuid_hold [off|toggle] <uuid>`: holds the channel's far end with a
/// re-INVITE (`a=sendonly`) and plays its `hold_music` to the leg bridged
/// to it; `off` resumes.
pub fn uuid_hold(switch: &Arc<Switch>, args: &str) -> String {
    let words: Vec<&str> = args.split_whitespace().collect();
    let (action, uuid) = match words.as_slice() {
        [uuid] => (crate::sip::HoldAction::Hold, *uuid),
        ["off", uuid] => (crate::sip::HoldAction::Unhold, *uuid),
        ["toggle", uuid] => (crate::sip::HoldAction::Toggle, *uuid),
        _ => return format!("-USAGE: {HOLD_USAGE}\n"),
    };
    super::call_control_reply(
        switch,
        |reply| crate::sip::CallCommand::Hold {
            uuid: uuid.to_owned(),
            action,
            reply,
        },
        "",
    )
}
