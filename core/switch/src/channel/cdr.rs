//! Call detail records: one row per leg in the `cdrs` table (store
//! migration 4), committed durably before `CHANNEL_HANGUP_COMPLETE` reports
//! the leg's end.
//!
//! The table, as migration 4 creates it:
//!
//! | column | type | meaning |
//! | --- | --- | --- |
//! | `uuid` | TEXT, key | the leg's `Unique-ID` |
//! | `domain` | TEXT | the tenant billed (no foreign key: a CDR outlives its tenant) |
//! | `direction` | TEXT | `inbound` / `outbound` |
//! | `channel_name` | TEXT | `sofia/internal/1001@acme.test` |
//! | `caller_id_name`, `caller_id_number` | TEXT | the caller |
//! | `destination_number`, `context` | TEXT | what was dialled, where it was routed |
//! | `network_addr` | TEXT | the peer's IP |
//! | `start_stamp`, `answer_stamp`, `end_stamp` | INTEGER | **microseconds since the Unix epoch (UTC)**; `answer_stamp` NULL when never answered. Integers, so that ranges and sums are exact; `datetime(start_stamp / 1000000, 'unixepoch')` gives text. |
//! | `duration`, `billsec` | INTEGER | seconds, computed as FreeSWITCH does ([`Durations`]) |
//! | `hangup_cause`, `hangup_cause_q850` | TEXT, INTEGER | `USER_BUSY`, 17 |
//! | `sip_hangup_code` | INTEGER | the SIP status that ended the leg, NULL when none |
//! | `gateway` | TEXT | the trunk, NULL when none |
//! | `other_leg_uuid` | TEXT | the leg it was (last) bridged to, NULL when none |
//! | `bridged` | INTEGER | 1 when the leg was ever bridged, else 0 |
//!
//! Indexes: `cdrs_by_domain_end (domain COLLATE NOCASE, end_stamp)` for a
//! tenant's recent calls, `cdrs_by_end (end_stamp)` for everyone's.
//!
//! The one way to end a leg is [`finish`]: CDR committed (the store's main
//! connection commits with `synchronous = FULL`), then
//! `CHANNEL_HANGUP_COMPLETE`, then `CHANNEL_DESTROY`, then the leg leaves
//! the registry.

use super::events::{self, ChannelEvent};
use super::registry::{ChannelHandle, ChannelRegistry};
use super::{Channel, ChannelError, ChannelState, HangupCause, Timestamps, epoch_micros};
use crate::event::bus::EventBus;
use crate::store::{Store, StoreError};
use crate::switch::SessionStats;
use rusqlite::{Connection, OptionalExtension, params};

/// A leg's durations, in FreeSWITCH's way: whole seconds are differences
/// of the epoch times truncated to seconds (a leg from 10.9 s to 11.1 s
/// lasts 1 s), milliseconds likewise; a time that did not happen gives 0,
/// and a clock that stepped back gives 0 rather than a negative figure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Durations {
    /// Creation to hangup (`duration`).
    pub duration: i64,
    /// Answer to hangup, 0 if never answered (`billsec`).
    pub billsec: i64,
    /// Creation to ringing (`progresssec`).
    pub progresssec: i64,
    /// Creation to answer (`answersec`).
    pub answersec: i64,
    /// Creation to early media (`progress_mediasec`).
    pub progress_mediasec: i64,
    /// Creation to hangup in milliseconds (`mduration`).
    pub mduration: i64,
    /// Answer to hangup in milliseconds (`billmsec`).
    pub billmsec: i64,
}

impl Durations {
    /// The durations of a leg; a leg not hung up yet is measured up to its
    /// creation (all zero).
    pub fn of(times: &Timestamps) -> Durations {
        let us = |t: std::time::SystemTime| epoch_micros(t);
        let created = us(times.created);
        let end = times.hangup.map(us).unwrap_or(created);
        let secs = |from: i64, to: i64| (to / 1_000_000 - from / 1_000_000).max(0);
        let millis = |from: i64, to: i64| (to / 1_000 - from / 1_000).max(0);
        let since_created =
            |t: Option<std::time::SystemTime>| t.map(|t| secs(created, us(t))).unwrap_or(0);
        let answered = times.answered.map(us);
        Durations {
            duration: secs(created, end),
            billsec: answered.map(|a| secs(a, end)).unwrap_or(0),
            progresssec: since_created(times.progress),
            answersec: since_created(times.answered),
            progress_mediasec: since_created(times.progress_media),
            mduration: millis(created, end),
            billmsec: answered.map(|a| millis(a, end)).unwrap_or(0),
        }
    }
}

/// One row of the `cdrs` table.
#[derive(Debug, Clone, PartialEq)]
pub struct Cdr {
    /// The leg's `Unique-ID`.
    pub uuid: String,
    /// The tenant billed.
    pub domain: String,
    /// `inbound` / `outbound`.
    pub direction: String,
    /// `Channel-Name`.
    pub channel_name: String,
    /// Caller-ID name.
    pub caller_id_name: String,
    /// Caller-ID number.
    pub caller_id_number: String,
    /// What was dialled.
    pub destination_number: String,
    /// The dialplan context.
    pub context: String,
    /// The peer's IP.
    pub network_addr: String,
    /// Creation, microseconds since the Unix epoch.
    pub start_stamp: i64,
    /// Answer, microseconds since the Unix epoch; `None` if never answered.
    pub answer_stamp: Option<i64>,
    /// Hangup, microseconds since the Unix epoch.
    pub end_stamp: i64,
    /// Seconds from creation to hangup.
    pub duration: i64,
    /// Seconds from answer to hangup (0 if never answered).
    pub billsec: i64,
    /// FreeSWITCH's cause name.
    pub hangup_cause: String,
    /// The cause number.
    pub hangup_cause_q850: i64,
    /// The SIP status that ended the leg.
    pub sip_hangup_code: Option<i64>,
    /// The gateway (trunk).
    pub gateway: Option<String>,
    /// The leg it was last bridged to.
    pub other_leg_uuid: Option<String>,
    /// Whether it was ever bridged.
    pub bridged: bool,
    /// The codec its media used (`rtp_use_codec_name`), when anchored.
    pub read_codec: Option<String>,
    /// RTP packets received (`rtp_audio_in_packet_count`).
    pub rtp_in_packets: Option<i64>,
    /// RTP packets sent (`rtp_audio_out_packet_count`).
    pub rtp_out_packets: Option<i64>,
    /// Received packets not used (`rtp_audio_in_skip_packet_count`).
    pub rtp_in_skipped: Option<i64>,
    /// Gaps and disorder in what was received (`rtp_audio_in_flaw_total`).
    pub rtp_in_flaws: Option<i64>,
    /// Estimated listening quality, 1–4.5 (`rtp_audio_in_mos`).
    pub rtp_in_mos: Option<f64>,
}

impl Cdr {
    /// The record of a leg that has hung up.
    pub fn from_channel(channel: &Channel) -> Result<Cdr, ChannelError> {
        let (Some(cause), Some(end)) = (channel.hangup_cause(), channel.times().hangup) else {
            return Err(ChannelError::NotHungUp(channel.id().clone()));
        };
        let p = channel.profile();
        let t = channel.times();
        let d = Durations::of(t);
        Ok(Cdr {
            uuid: channel.id().to_string(),
            domain: channel.tenant().to_owned(),
            direction: channel.direction().as_str().to_owned(),
            channel_name: channel.name().to_owned(),
            caller_id_name: p.caller_id_name.clone(),
            caller_id_number: p.caller_id_number.clone(),
            destination_number: p.destination_number.clone(),
            context: p.context.clone(),
            network_addr: p.network_addr.clone(),
            start_stamp: epoch_micros(t.created),
            answer_stamp: t.answered.map(epoch_micros),
            end_stamp: epoch_micros(end),
            duration: d.duration,
            billsec: d.billsec,
            hangup_cause: cause.name().to_owned(),
            hangup_cause_q850: i64::from(cause.code()),
            sip_hangup_code: channel.sip_hangup_code().map(i64::from),
            gateway: channel.gateway().map(str::to_owned),
            other_leg_uuid: channel.other_leg().map(|id| id.to_string()),
            bridged: channel.was_bridged(),
            read_codec: channel.variable("rtp_use_codec_name").map(str::to_owned),
            rtp_in_packets: number(channel, "rtp_audio_in_packet_count"),
            rtp_out_packets: number(channel, "rtp_audio_out_packet_count"),
            rtp_in_skipped: number(channel, "rtp_audio_in_skip_packet_count"),
            rtp_in_flaws: number(channel, "rtp_audio_in_flaw_total"),
            rtp_in_mos: channel
                .variable("rtp_audio_in_mos")
                .and_then(|v| v.parse().ok()),
        })
    }

    /// The cause as a [`HangupCause`], when the stored name is known.
    pub fn cause(&self) -> Option<HangupCause> {
        HangupCause::parse(&self.hangup_cause)
    }

    fn from_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Cdr> {
        Ok(Cdr {
            uuid: row.get(0)?,
            domain: row.get(1)?,
            direction: row.get(2)?,
            channel_name: row.get(3)?,
            caller_id_name: row.get(4)?,
            caller_id_number: row.get(5)?,
            destination_number: row.get(6)?,
            context: row.get(7)?,
            network_addr: row.get(8)?,
            start_stamp: row.get(9)?,
            answer_stamp: row.get(10)?,
            end_stamp: row.get(11)?,
            duration: row.get(12)?,
            billsec: row.get(13)?,
            hangup_cause: row.get(14)?,
            hangup_cause_q850: row.get(15)?,
            sip_hangup_code: row.get(16)?,
            gateway: row.get(17)?,
            other_leg_uuid: row.get(18)?,
            bridged: row.get::<_, i64>(19)? != 0,
            read_codec: row.get(20)?,
            rtp_in_packets: row.get(21)?,
            rtp_out_packets: row.get(22)?,
            rtp_in_skipped: row.get(23)?,
            rtp_in_flaws: row.get(24)?,
            rtp_in_mos: row.get(25)?,
        })
    }
}

/// An integer channel variable, when set.
fn number(channel: &Channel, name: &str) -> Option<i64> {
    channel.variable(name).and_then(|v| v.parse().ok())
}

const COLUMNS: &str = "uuid, domain, direction, channel_name, caller_id_name, caller_id_number, \
     destination_number, context, network_addr, start_stamp, answer_stamp, end_stamp, duration, \
     billsec, hangup_cause, hangup_cause_q850, sip_hangup_code, gateway, other_leg_uuid, bridged, \
     read_codec, rtp_in_packets, rtp_out_packets, rtp_in_skipped, rtp_in_flaws, rtp_in_mos";

/// Why a CDR could not be written or a leg not finished.
#[derive(Debug)]
pub enum CdrError {
    /// The channel is not in a state to be recorded or finished.
    Channel(ChannelError),
    /// The store failed; the CDR that could not be written is kept here
    /// (and in the error log).
    Store {
        /// The record.
        cdr: Box<Cdr>,
        /// What went wrong.
        error: StoreError,
    },
}

impl std::fmt::Display for CdrError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CdrError::Channel(e) => write!(f, "{e}"),
            CdrError::Store { cdr, error } => {
                write!(f, "the CDR of channel {} was not stored: {error}", cdr.uuid)
            }
        }
    }
}

impl std::error::Error for CdrError {}

impl From<ChannelError> for CdrError {
    fn from(e: ChannelError) -> CdrError {
        CdrError::Channel(e)
    }
}

/// Writes the CDR of a hung-up leg and commits it durably (the store's
/// main connection: WAL, `synchronous = FULL`). Blocks for the commit: call
/// it from a session thread or `spawn_blocking`, not from the reactor.
pub fn write_cdr(store: &Store, channel: &Channel) -> Result<Cdr, CdrError> {
    let cdr = Cdr::from_channel(channel)?;
    let result = store.with_conn(|conn| {
        conn.execute(
            &format!(
                "INSERT INTO cdrs ({COLUMNS}) VALUES \
                 (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, \
                  ?21, ?22, ?23, ?24, ?25, ?26)"
            ),
            params![
                cdr.uuid,
                cdr.domain,
                cdr.direction,
                cdr.channel_name,
                cdr.caller_id_name,
                cdr.caller_id_number,
                cdr.destination_number,
                cdr.context,
                cdr.network_addr,
                cdr.start_stamp,
                cdr.answer_stamp,
                cdr.end_stamp,
                cdr.duration,
                cdr.billsec,
                cdr.hangup_cause,
                cdr.hangup_cause_q850,
                cdr.sip_hangup_code,
                cdr.gateway,
                cdr.other_leg_uuid,
                i64::from(cdr.bridged),
                cdr.read_codec,
                cdr.rtp_in_packets,
                cdr.rtp_out_packets,
                cdr.rtp_in_skipped,
                cdr.rtp_in_flaws,
                cdr.rtp_in_mos,
            ],
        )
    });
    match result {
        Ok(_) => Ok(cdr),
        Err(error) => Err(CdrError::Store {
            cdr: Box::new(cdr),
            error,
        }),
    }
}

/// The CDR of one leg, read through any connection to the store's file.
pub fn read_cdr_with(conn: &Connection, uuid: &str) -> rusqlite::Result<Option<Cdr>> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM cdrs WHERE uuid = ?1"),
        [uuid],
        Cdr::from_row,
    )
    .optional()
}

/// The CDR of one leg.
pub fn read_cdr(store: &Store, uuid: &str) -> Result<Option<Cdr>, StoreError> {
    store.with_conn(|conn| read_cdr_with(conn, uuid))
}

/// The newest `limit` CDRs of `tenant` (`None`: every tenant), newest
/// first.
pub fn list_cdrs(store: &Store, tenant: Option<&str>, limit: u32) -> Result<Vec<Cdr>, StoreError> {
    store.with_conn(|conn| {
        let filter = if tenant.is_some() {
            "WHERE domain = ?1 COLLATE NOCASE"
        } else {
            "WHERE ?1 IS NULL"
        };
        let mut stmt = conn.prepare(&format!(
            "SELECT {COLUMNS} FROM cdrs {filter} ORDER BY end_stamp DESC, uuid LIMIT ?2"
        ))?;
        let rows = stmt.query_map(params![tenant, limit], Cdr::from_row)?;
        rows.collect()
    })
}

/// Ends a leg, in the one order that keeps the promise of "nothing lost":
///
/// 1. a leg still bridged is unbridged (`CHANNEL_UNBRIDGE`); a leg not hung
///    up yet is hung up with `NORMAL_CLEARING` (`CHANNEL_HANGUP`);
/// 2. `CS_REPORTING`: FreeSWITCH's CDR variables are set (`duration`,
///    `billsec`, `start_stamp`…);
/// 3. the CDR row is committed to the store;
/// 4. `CHANNEL_HANGUP_COMPLETE` is fired;
/// 5. `CS_DESTROY`: `CHANNEL_DESTROY` is fired;
/// 6. the leg leaves the registry and its session is counted closed.
///
/// If the store fails, the leg still ends (a switch that kept dead legs
/// would fail worse): the error and the whole record are logged,
/// `CHANNEL_HANGUP_COMPLETE` carries `variable_cdr_write_error`, and the
/// error is returned with the record. A leg being finished by someone else
/// is refused with [`ChannelError::WrongState`]. Blocks for the commit (see
/// [`write_cdr`]).
pub fn finish(
    store: &Store,
    bus: &EventBus,
    registry: &ChannelRegistry,
    sessions: &SessionStats,
    channel: &ChannelHandle,
) -> Result<Cdr, CdrError> {
    if channel.with(|c| c.bridge().is_some()) {
        // A peer that vanished meanwhile is not an error worth stopping for.
        let _ = registry.unbridge(bus, channel.id().as_str());
    }
    let report = {
        let mut c = channel.lock();
        if c.state().is_hungup() && c.state() != ChannelState::Hangup {
            return Err(ChannelError::WrongState {
                id: c.id().clone(),
                from: c.state(),
                to: ChannelState::Reporting,
            }
            .into());
        }
        if c.hangup(HangupCause::NormalClearing, None, channel.now())? {
            bus.fire(events::build(ChannelEvent::Hangup, &c));
        }
        c.begin_reporting()?;
        c.clone()
    };
    let written = write_cdr(store, &report);
    let mut complete = report;
    if let Err(CdrError::Store { cdr, error }) = &written {
        tracing::error!(
            uuid = %cdr.uuid,
            "the CDR of channel {} could not be stored ({error}); the record was: {cdr:?}",
            cdr.uuid
        );
        complete.set_variable("cdr_write_error", error.to_string());
    }
    bus.fire(events::build(ChannelEvent::HangupComplete, &complete));
    {
        let mut c = channel.lock();
        if let Some(error) = complete.variable("cdr_write_error") {
            c.set_variable("cdr_write_error", error);
        }
        c.destroy()?;
        bus.fire(events::build(ChannelEvent::Destroy, &c));
    }
    registry.remove(sessions, channel.id().as_str());
    written
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::channel::test_support::{BASE_SECS, Harness, inbound, outbound};
    use crate::event::bus::EventSelector;
    use std::sync::{Arc, Mutex};
    use std::time::{Duration, UNIX_EPOCH};

    fn store() -> (Store, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("switchyard.db")).unwrap();
        (store, dir)
    }

    fn times(created: u64, answered: Option<u64>, hangup: u64) -> Timestamps {
        let at = |us: u64| UNIX_EPOCH + Duration::from_micros(us);
        Timestamps {
            created: at(created),
            progress: None,
            progress_media: None,
            answered: answered.map(at),
            bridged: None,
            hangup: Some(at(hangup)),
        }
    }

    #[test]
    fn durations_follow_freeswitch_truncation() {
        // 10.9 s → 11.1 s: one second boundary crossed.
        let d = Durations::of(&times(10_900_000, None, 11_100_000));
        assert_eq!((d.duration, d.billsec, d.mduration), (1, 0, 200));
        // Created 100.2, answered 103.7, hung up 160.1.
        let d = Durations::of(&times(100_200_000, Some(103_700_000), 160_100_000));
        assert_eq!(d.duration, 60);
        assert_eq!(d.billsec, 57);
        assert_eq!(d.answersec, 3);
        assert_eq!(d.mduration, 59_900);
        assert_eq!(d.billmsec, 56_400);
        assert_eq!(d.progresssec, 0);
        // A clock that stepped back never gives negative figures.
        let d = Durations::of(&times(50_000_000, Some(40_000_000), 30_000_000));
        assert_eq!(d, Durations::default());
    }

    #[test]
    fn answered_and_unanswered_legs_bill_right() {
        let (store, _dir) = store();
        let h = Harness::new();
        let a = h.create(inbound("acme.test", "1001", "1002"));
        let mut spec = outbound("acme.test", "1002");
        spec.gateway = Some("carrier1".into());
        spec.originator = Some(a.id().clone());
        let b = h.create(spec);
        h.set_offset_micros(2_000_000);
        b.ring(&h.bus).unwrap();
        h.set_offset_micros(7_400_000);
        b.answer(&h.bus).unwrap();
        a.answer(&h.bus).unwrap();
        h.registry
            .bridge(&h.bus, a.id().as_str(), b.id().as_str())
            .unwrap();
        h.set_offset_micros(67_900_000);
        assert!(b.hangup(&h.bus, HangupCause::NormalClearing, Some(200)));
        let cdr_b = finish(&store, &h.bus, &h.registry, &h.sessions, &b).unwrap();
        let cdr_a = finish(&store, &h.bus, &h.registry, &h.sessions, &a).unwrap();

        assert_eq!(cdr_b.duration, 67);
        assert_eq!(cdr_b.billsec, 60);
        assert_eq!(
            cdr_b.answer_stamp,
            Some((BASE_SECS * 1_000_000 + 7_400_000) as i64)
        );
        assert_eq!(cdr_b.start_stamp, (BASE_SECS * 1_000_000) as i64);
        assert_eq!(cdr_b.end_stamp, (BASE_SECS * 1_000_000 + 67_900_000) as i64);
        assert_eq!(cdr_b.gateway.as_deref(), Some("carrier1"));
        assert_eq!(cdr_b.sip_hangup_code, Some(200));
        assert_eq!(cdr_b.other_leg_uuid.as_deref(), Some(a.id().as_str()));
        assert!(cdr_b.bridged);
        assert_eq!(cdr_b.direction, "outbound");
        assert_eq!(cdr_a.hangup_cause, "NORMAL_CLEARING");
        assert_eq!(cdr_a.hangup_cause_q850, 16);
        assert_eq!(cdr_a.sip_hangup_code, None);
        assert_eq!(cdr_a.other_leg_uuid.as_deref(), Some(b.id().as_str()));

        let c = h.create(inbound("bravo.test", "2001", "2002"));
        h.set_offset_micros(72_000_000);
        c.ring(&h.bus).unwrap();
        h.set_offset_micros(90_500_000);
        c.hangup(&h.bus, HangupCause::NoAnswer, Some(480));
        let cdr_c = finish(&store, &h.bus, &h.registry, &h.sessions, &c).unwrap();
        assert_eq!(cdr_c.duration, 23);
        assert_eq!(cdr_c.billsec, 0);
        assert_eq!(cdr_c.answer_stamp, None);
        assert_eq!(cdr_c.hangup_cause, "NO_ANSWER");
        assert_eq!(cdr_c.hangup_cause_q850, 19);
        assert!(!cdr_c.bridged);
        assert_eq!(cdr_c.other_leg_uuid, None);

        assert_eq!(read_cdr(&store, b.id().as_str()).unwrap(), Some(cdr_b));
        assert_eq!(list_cdrs(&store, Some("BRAVO.test"), 10).unwrap(), [cdr_c]);
        assert_eq!(list_cdrs(&store, Some("acme.test"), 10).unwrap().len(), 2);
        assert_eq!(list_cdrs(&store, None, 10).unwrap().len(), 3);
        assert_eq!(h.registry.count(None), 0);
        assert_eq!(h.sessions.snapshot().current, 0);
    }

    #[test]
    fn the_cdr_is_committed_before_hangup_complete_is_seen() {
        let (store, dir) = store();
        let h = Harness::new();
        let path = dir.path().join("switchyard.db");
        // A subscriber reading through its own connection the moment
        // CHANNEL_HANGUP_COMPLETE arrives.
        let found: Arc<Mutex<Vec<Option<Cdr>>>> = Arc::default();
        let sink = Arc::clone(&found);
        let reader = Mutex::new(Connection::open(&path).unwrap());
        h.bus.bind(
            "cdr-check",
            EventSelector::for_binding("CHANNEL_HANGUP_COMPLETE", None).unwrap(),
            Box::new(move |fired| {
                let uuid = fired.event().header("Unique-ID").unwrap_or("").to_owned();
                let row = read_cdr_with(&reader.lock().unwrap(), &uuid).unwrap();
                sink.lock().unwrap().push(row);
            }),
        );
        let a = h.create(inbound("acme.test", "1001", "1002"));
        h.set_offset_micros(1_000_000);
        a.answer(&h.bus).unwrap();
        h.set_offset_micros(31_000_000);
        a.hangup(&h.bus, HangupCause::NormalClearing, Some(200));
        finish(&store, &h.bus, &h.registry, &h.sessions, &a).unwrap();
        let events = h.events();
        let found = found.lock().unwrap();
        assert_eq!(found.len(), 1);
        let row = found[0]
            .as_ref()
            .expect("the row was visible to another connection");
        assert_eq!(row.uuid, a.id().as_str());
        assert_eq!(row.billsec, 30);

        let names: Vec<_> = events.iter().map(|e| e.name()).collect();
        assert_eq!(
            names,
            [
                "CHANNEL_CREATE",
                "CHANNEL_ANSWER",
                "CHANNEL_HANGUP",
                "CHANNEL_HANGUP_COMPLETE",
                "CHANNEL_DESTROY"
            ]
        );
        let complete = &events[3];
        assert_eq!(complete.header("Channel-State"), Some("CS_REPORTING"));
        assert_eq!(complete.header("Channel-State-Number"), Some("11"));
        assert_eq!(complete.header("Hangup-Cause"), Some("NORMAL_CLEARING"));
        assert_eq!(complete.header("variable_duration"), Some("31"));
        assert_eq!(complete.header("variable_billsec"), Some("30"));
        assert_eq!(complete.header("variable_answersec"), Some("1"));
        assert_eq!(complete.header("variable_billmsec"), Some("30000"));
        assert_eq!(
            complete.header("variable_start_epoch"),
            Some(BASE_SECS.to_string().as_str())
        );
        assert_eq!(
            complete.header("variable_answer_uepoch"),
            Some((BASE_SECS * 1_000_000 + 1_000_000).to_string().as_str())
        );
        assert_eq!(
            complete.header("variable_end_stamp"),
            Some(
                crate::channel::local_stamp(UNIX_EPOCH + Duration::from_secs(BASE_SECS + 31))
                    .as_str()
            )
        );
        assert_eq!(complete.header("variable_progress_uepoch"), Some("0"));
        assert_eq!(complete.header("variable_cdr_write_error"), None);
        assert_eq!(events[4].header("Channel-State"), Some("CS_DESTROY"));
        assert_eq!(events[4].header("Channel-State-Number"), Some("12"));
    }

    #[test]
    fn finish_hangs_up_a_live_bridged_leg_and_refuses_a_second_finish() {
        let (store, _dir) = store();
        let h = Harness::new();
        let a = h.create(inbound("acme.test", "1001", "1002"));
        let b = h.create(outbound("acme.test", "1002"));
        h.registry
            .bridge(&h.bus, a.id().as_str(), b.id().as_str())
            .unwrap();
        let cdr = finish(&store, &h.bus, &h.registry, &h.sessions, &b).unwrap();
        assert_eq!(cdr.hangup_cause, "NORMAL_CLEARING");
        assert!(
            a.with(|c| c.bridge().is_none()),
            "the peer was unbridged too"
        );
        let again = finish(&store, &h.bus, &h.registry, &h.sessions, &b);
        assert!(matches!(
            again,
            Err(CdrError::Channel(ChannelError::WrongState { .. }))
        ));
        let names: Vec<_> = h
            .events()
            .iter()
            .filter(|e| e.header("Unique-ID") == Some(b.id().as_str()))
            .map(|e| e.name())
            .collect();
        assert_eq!(
            names,
            [
                "CHANNEL_CREATE",
                "CHANNEL_HANGUP",
                "CHANNEL_HANGUP_COMPLETE",
                "CHANNEL_DESTROY"
            ]
        );
        assert_eq!(h.sessions.snapshot().current, 1);
    }

    #[test]
    fn a_store_failure_still_ends_the_leg_and_says_so() {
        let (store, _dir) = store();
        let h = Harness::new();
        let a = h.create(inbound("acme.test", "1001", "1002"));
        store
            .with_conn(|c| c.execute_batch("DROP TABLE cdrs"))
            .unwrap();
        a.hangup(&h.bus, HangupCause::UserBusy, Some(486));
        let err = finish(&store, &h.bus, &h.registry, &h.sessions, &a).unwrap_err();
        let CdrError::Store { cdr, .. } = &err else {
            panic!("expected a store error, got {err:?}");
        };
        assert_eq!(cdr.hangup_cause, "USER_BUSY");
        assert!(err.to_string().contains("was not stored"));
        let complete = h
            .events()
            .into_iter()
            .find(|e| e.name() == "CHANNEL_HANGUP_COMPLETE")
            .unwrap();
        assert!(complete.header("variable_cdr_write_error").is_some());
        assert_eq!(h.registry.count(None), 0);
    }

    #[test]
    fn a_tenant_listing_uses_the_domain_index() {
        let (store, _dir) = store();
        let plan: Vec<String> = store
            .with_conn(|c| {
                let mut stmt = c.prepare(
                    "EXPLAIN QUERY PLAN SELECT uuid FROM cdrs WHERE domain = ?1 COLLATE NOCASE \
                     ORDER BY end_stamp DESC LIMIT 10",
                )?;
                let rows = stmt.query_map(["acme.test"], |r| r.get::<_, String>(3))?;
                rows.collect()
            })
            .unwrap();
        assert!(
            plan.iter().any(|p| p.contains("cdrs_by_domain_end")),
            "{plan:?}"
        );
    }

    #[test]
    fn a_live_leg_has_no_cdr() {
        let h = Harness::new();
        let a = h.create(inbound("acme.test", "1001", "1002"));
        assert!(matches!(
            Cdr::from_channel(&a.snapshot()),
            Err(ChannelError::NotHungUp(_))
        ));
    }
}
