//! Tone scripts: the FreeSWITCH syntax, its errors, and what the generator
//! renders from it.

use switchyard_media::tone::{
    GeneratedSource, OpenError, Ramp, Repeat, ToneErrorKind, ToneGenerator, ToneScript,
    ZERO_DB_PEAK,
};

fn parse(s: &str) -> ToneScript {
    ToneScript::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
}

fn error(s: &str) -> ToneErrorKind {
    ToneScript::parse(s).expect_err(s).kind
}

fn render_all(generator: &mut ToneGenerator, frame: usize) -> Vec<i16> {
    let mut out = Vec::new();
    let mut buf = vec![0i16; frame];
    loop {
        let n = generator.fill(&mut buf);
        if n == 0 {
            return out;
        }
        out.extend_from_slice(&buf[..n]);
        assert!(out.len() < 10_000_000, "runaway generator");
    }
}

#[test]
fn uk_ring_and_documented_examples() {
    let script = parse("tone_stream://%(400,200,400,450);%(400,2000,400,450)");
    assert_eq!(script.segments.len(), 2);
    assert_eq!(script.segments[0].on_ms, 400);
    assert_eq!(script.segments[0].off_ms, 200);
    assert_eq!(script.segments[0].freqs(), &[400.0, 450.0]);
    assert_eq!(script.segments[1].off_ms, 2000);
    assert_eq!(script.segments[0].volume_db, -7.0);
    assert_eq!(script.loops, Repeat::Times(1));

    let script = parse("tone_stream://%(100,15000,800);loops=-1");
    assert_eq!(script.loops, Repeat::Forever);
    let script = parse("tone_stream://L=100;%(100,100,350,440)");
    assert_eq!(script.script_repeats, 100);
    let script = parse("%(350,350,450);LOOPS=4");
    assert_eq!(script.loops, Repeat::Times(4));
    let script = parse("%(274,0,913.8);%(274,0,1370.6);%(380,0,1776.7)");
    assert_eq!(script.segments[0].freqs(), &[913.8]);
    let script = parse("%(100,100,1400,2060,2450,2600)");
    assert_eq!(script.segments[0].freqs().len(), 4);
    // Zero frequencies are skipped; a tone of only zeros is a pause.
    assert_eq!(parse("%(1000,4000,450,0)").segments[0].freqs(), &[450.0]);
    assert!(parse("%(167,0,0)").segments[0].freqs().is_empty());
    // Spaces as in TTML files.
    assert_eq!(parse("%(167, 0, 659)").segments[0].freqs(), &[659.0]);
}

#[test]
fn variables_apply_to_what_follows() {
    let script = parse("v=-7;>=2;+=.1;%(1400,0,350,440)");
    let s = &script.segments[0];
    assert_eq!(s.volume_db, -7.0);
    assert_eq!(
        s.ramp,
        Some(Ramp {
            step_ms: 2,
            step_db: -0.1
        })
    );
    let script = parse("v=-20;<=10;%(100,0,440);v=-3;%(100,0,880)");
    assert_eq!(script.segments[0].volume_db, -20.0);
    assert_eq!(script.segments[0].ramp.unwrap().step_db, 1.0);
    assert_eq!(script.segments[1].volume_db, -3.0);
    // l= repeats the next tone only (as libteletone does).
    let script = parse("l=3;%(100,100,440);%(100,100,880)");
    assert_eq!(script.segments[0].repeat, 3);
    assert_eq!(script.segments[1].repeat, 1);
    let script = parse("r=16000;c=1;%(100,0,440)");
    assert_eq!(script.rate_hint, Some(16000));
    assert_eq!(script.channels_hint, Some(1));
    // Only the first L= counts.
    assert_eq!(parse("L=2;L=5;%(10,0,440)").script_repeats, 2);
}

#[test]
fn dtmf_keys_with_defaults_and_own_durations() {
    let script = parse("tone_stream://1234");
    assert_eq!(script.segments.len(), 4);
    assert_eq!(script.segments[0].freqs(), &[697.0, 1209.0]);
    assert_eq!(script.segments[0].on_ms, 250);
    assert_eq!(script.segments[0].off_ms, 62);
    let script = parse("d=100;w=50;*#aD");
    assert_eq!(script.segments.len(), 4);
    assert_eq!(script.segments[3].freqs(), &[941.0, 1633.0]);
    assert_eq!(
        (script.segments[2].on_ms, script.segments[2].off_ms),
        (100, 50)
    );
    let script = parse("7(1000, 500)8");
    assert_eq!(
        (script.segments[0].on_ms, script.segments[0].off_ms),
        (1000, 500)
    );
    assert_eq!(script.segments[1].on_ms, 250);
    let script = parse("%(5000,0,450);1234;%(1000,4000,450)");
    assert_eq!(script.segments.len(), 6);
}

#[test]
fn errors_say_where_and_what() {
    assert_eq!(error(""), ToneErrorKind::NoTones);
    assert_eq!(error("tone_stream://v=-3"), ToneErrorKind::NoTones);
    assert_eq!(error("%(100,100)"), ToneErrorKind::MissingFrequency);
    assert_eq!(error("%(100)"), ToneErrorKind::MissingFrequency);
    assert_eq!(error("%(100,100,440"), ToneErrorKind::UnclosedParen);
    assert_eq!(error("%100,100,440"), ToneErrorKind::ExpectedParen);
    assert_eq!(
        error("%(abc,100,440)"),
        ToneErrorKind::BadNumber("on duration")
    );
    assert_eq!(
        error("%(-5,100,440)"),
        ToneErrorKind::BadNumber("on duration")
    );
    assert_eq!(error("%(5,100,-440)"), ToneErrorKind::BadFrequency);
    assert_eq!(error("%(5,100,30000)"), ToneErrorKind::BadFrequency);
    assert_eq!(
        error("%(5,5,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19)"),
        ToneErrorKind::TooManyFrequencies
    );
    assert_eq!(error("v=3;%(100,0,440)"), ToneErrorKind::VolumeOutOfRange);
    assert_eq!(
        error("v=loud;%(100,0,440)"),
        ToneErrorKind::BadNumber("v= (volume)")
    );
    assert_eq!(error("L=-1;%(100,0,440)"), ToneErrorKind::BadScriptRepeat);
    assert_eq!(
        error("x=1;%(100,0,440)"),
        ToneErrorKind::UnknownVariable('x')
    );
    assert_eq!(error("12E4"), ToneErrorKind::UnknownTone('E'));
    assert_eq!(error("5(100)"), ToneErrorKind::KeyArguments);
    assert_eq!(error("5(100,1,2)"), ToneErrorKind::KeyArguments);
    assert_eq!(
        error("%(100,0,440);loops=many"),
        ToneErrorKind::BadNumber("loops=")
    );
    assert_eq!(error("path=/tmp/x.ttml"), ToneErrorKind::PathNotSupported);
    let e = ToneScript::parse("tone_stream://%(100,0,440);zz").unwrap_err();
    assert_eq!(e.offset, 27);
    assert_eq!(
        e.to_string(),
        "tone script, at byte 27: 'z' is not a DTMF key (0-9, *, #, A-D) or '%('"
    );
}

#[test]
fn renders_exact_lengths_on_and_off() {
    let script = parse("%(100,50,1000)");
    for rate in [8000, 16000, 48000] {
        let mut generator = ToneGenerator::new(script.clone(), rate);
        assert_eq!(generator.total_len(), Some(u64::from(rate) * 150 / 1000));
        let out = render_all(&mut generator, 160);
        let on = rate as usize / 10;
        assert_eq!(out.len(), on + rate as usize / 20);
        assert!(out[..on].iter().any(|s| s.unsigned_abs() > 5000));
        assert!(out[on..].iter().all(|s| *s == 0));
        assert!(generator.is_finished());
    }
}

#[test]
fn frames_are_phase_continuous() {
    // Rendering in 7-sample frames or all at once gives the same samples.
    let script = parse("%(200,10,440,480);v=-3;%(50,0,1000)");
    let a = render_all(&mut ToneGenerator::new(script.clone(), 8000), 7);
    let b = render_all(&mut ToneGenerator::new(script, 8000), 100_000);
    assert_eq!(a, b);
    // And the waveform is smooth: no jump bigger than a 920 Hz slope allows.
    let max_step = a[..1600]
        .windows(2)
        .map(|w| (i32::from(w[1]) - i32::from(w[0])).abs())
        .max()
        .unwrap();
    assert!(max_step < 7000, "{max_step}");
}

#[test]
fn volume_follows_freeswitch_levels() {
    let peak = |s: &str| {
        let out = render_all(&mut ToneGenerator::new(parse(s), 8000), 160);
        out.iter().map(|s| s.unsigned_abs()).max().unwrap()
    };
    let p0 = peak("v=0;%(100,0,1000)");
    assert!((f32::from(p0) - ZERO_DB_PEAK).abs() < 50.0, "{p0}");
    let p7 = peak("%(100,0,1000)");
    assert!(
        (f32::from(p7) / f32::from(p0) - 0.4467).abs() < 0.01,
        "{p7}"
    );
    // Two tones are averaged: the sum never exceeds one tone's peak.
    assert!(peak("v=0;%(100,0,697,1209)") <= p0 + 2);
    // A fade-out ends quieter than it starts.
    let out = render_all(
        &mut ToneGenerator::new(parse("v=0;>=10;+=1;%(1000,0,500)"), 8000),
        160,
    );
    let head = out[..800].iter().map(|s| s.unsigned_abs()).max().unwrap();
    let tail = out[7200..].iter().map(|s| s.unsigned_abs()).max().unwrap();
    assert!(f32::from(tail) < f32::from(head) * 0.01, "{head} {tail}");
}

#[test]
fn repeats_loops_and_pauses() {
    let len = |s: &str| render_all(&mut ToneGenerator::new(parse(s), 8000), 160).len();
    assert_eq!(len("%(10,10,440)"), 160);
    assert_eq!(len("L=3;%(10,10,440)"), 480);
    assert_eq!(len("%(10,10,440);loops=4"), 640);
    assert_eq!(len("L=2;%(10,10,440);loops=3"), 960);
    assert_eq!(len("l=5;%(10,10,440);%(10,0,440)"), 5 * 160 + 80);
    assert_eq!(len("%(10,0,0);%(10,0,440)"), 160);
    assert_eq!(len("%(0,0,440);%(10,0,440)"), 80);
    assert_eq!(len("l=4000000000;%(0,0,440);%(10,0,440)"), 80);
    // Nothing but empty tones: finished at once, even looping forever.
    let mut generator = ToneGenerator::new(parse("%(0,0,440);loops=-1"), 8000);
    assert!(generator.is_finished());
    assert_eq!(generator.fill(&mut [0; 10]), 0);
    // Forever keeps going.
    let mut generator = ToneGenerator::new(parse("%(10,10,440);loops=-1"), 8000);
    assert_eq!(generator.total_len(), None);
    let mut buf = [0i16; 160];
    for _ in 0..1000 {
        assert_eq!(generator.fill(&mut buf), 160);
    }
    // Frequencies above half the rate are left out (a pause at 8 kHz).
    let out = render_all(&mut ToneGenerator::new(parse("%(10,0,5000)"), 8000), 160);
    assert!(out.iter().all(|s| *s == 0));
}

#[test]
fn generated_sources_by_name() {
    let mut tone = GeneratedSource::open("tone_stream://%(20,0,440)", 8000, 0).unwrap();
    let mut buf = [0i16; 400];
    assert_eq!(tone.fill(&mut buf), 160);
    assert!(tone.is_finished());
    let mut silence = GeneratedSource::open("silence_stream://100", 16000, 0).unwrap();
    for _ in 0..4 {
        assert_eq!(silence.fill(&mut buf), 400);
    }
    assert_eq!(silence.fill(&mut buf), 0);
    assert!(silence.is_finished());
    assert!(matches!(
        GeneratedSource::open("file://x.wav", 8000, 0),
        Err(OpenError::UnknownScheme)
    ));
    assert!(matches!(
        GeneratedSource::open("tone_stream://", 8000, 0),
        Err(OpenError::Tone(_))
    ));
    assert!(matches!(
        GeneratedSource::open("silence_stream://x", 8000, 0),
        Err(OpenError::Silence(_))
    ));
}
