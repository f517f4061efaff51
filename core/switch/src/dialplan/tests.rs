//! Behaviour tests of the whole engine: load XML, hunt, check the actions.

use std::collections::HashMap;

use jiff::Timestamp;

use super::*;

fn plan(xml: &str) -> Dialplan {
    match Dialplan::parse_str("test.xml", xml) {
        Ok(p) => p,
        Err(errors) => panic!("unexpected errors: {errors:#?}"),
    }
}

fn errors(xml: &str) -> Vec<String> {
    match Dialplan::parse_str("test.xml", xml) {
        Ok(_) => panic!("expected errors"),
        Err(e) => e.iter().map(ToString::to_string).collect(),
    }
}

fn ctx(body: &str) -> String {
    format!("<include>\n<context name=\"default\">\n{body}\n</context>\n</include>\n")
}

struct Call {
    profile: CallerProfile,
    vars: HashMap<String, String>,
    now: Timestamp,
    tz: String,
}

impl Call {
    fn to(dest: &str) -> Call {
        Call {
            profile: CallerProfile::new(dest, "default"),
            vars: HashMap::new(),
            now: Timestamp::UNIX_EPOCH,
            tz: "UTC".into(),
        }
    }
    fn var(mut self, k: &str, v: &str) -> Call {
        self.vars.insert(k.into(), v.into());
        self
    }
    fn at(mut self, instant: &str, tz: &str) -> Call {
        self.now = instant.parse().unwrap();
        self.tz = tz.into();
        self
    }
    fn hunt(&self, plan: &Dialplan) -> Hunt {
        plan.hunt(HuntRequest::new(
            &self.profile,
            &self.vars,
            self.now,
            &self.tz,
        ))
        .unwrap()
    }
}

fn apps(h: &Hunt) -> Vec<String> {
    h.actions
        .iter()
        .map(|a| format!("{}({})", a.application, a.data))
        .collect()
}

#[test]
fn first_matching_extension_wins() {
    let p = plan(&ctx(r#"
<extension name="a"><condition field="destination_number" expression="^1000$"><action application="log" data="a"/></condition></extension>
<extension name="b"><condition field="destination_number" expression="^10\d\d$"><action application="log" data="b"/></condition></extension>
<extension name="c"><condition field="destination_number" expression="^1001$"><action application="log" data="c"/></condition></extension>
"#));
    let h = Call::to("1001").hunt(&p);
    assert_eq!(apps(&h), ["log(b)"]);
    assert_eq!(h.extension.as_deref(), Some("b"));
    assert_eq!(h.context, "default");
    let h = Call::to("1000").hunt(&p);
    assert_eq!(apps(&h), ["log(a)"]);
    let h = Call::to("9").hunt(&p);
    assert!(h.is_empty() && h.actions.is_empty());
}

#[test]
fn continue_true_keeps_hunting() {
    let p = plan(&ctx(r#"
<extension name="pre" continue="true"><condition field="destination_number" expression="^.*$"><action application="set" data="x=1"/></condition></extension>
<extension name="main"><condition field="destination_number" expression="^1001$"><action application="bridge" data="user/1001"/></condition></extension>
<extension name="after"><condition field="destination_number" expression="^1001$"><action application="log" data="never"/></condition></extension>
"#));
    let h = Call::to("1001").hunt(&p);
    assert_eq!(apps(&h), ["set(x=1)", "bridge(user/1001)"]);
    assert_eq!(h.extension.as_deref(), Some("pre"));
}

#[test]
fn conditions_without_field_always_match() {
    let p = plan(&ctx(
        r#"<extension name="any"><condition><action application="answer"/></condition></extension>"#,
    ));
    assert_eq!(apps(&Call::to("x").hunt(&p)), ["answer()"]);
}

#[test]
fn all_conditions_must_pass_by_default() {
    let p = plan(&ctx(r#"
<extension name="two">
  <condition field="destination_number" expression="^1001$"/>
  <condition field="caller_id_number" expression="^2000$"><action application="log" data="both"/></condition>
</extension>"#));
    let mut c = Call::to("1001");
    assert!(c.hunt(&p).is_empty());
    c.profile.caller_id_number = "2000".into();
    assert_eq!(apps(&c.hunt(&p)), ["log(both)"]);
}

#[test]
fn anti_actions_run_on_failure_and_count_as_match() {
    let p = plan(&ctx(r#"
<extension name="gate">
  <condition field="destination_number" expression="^1001$">
    <action application="log" data="yes"/>
    <anti-action application="log" data="no $1"/>
  </condition>
</extension>
<extension name="next"><condition><action application="log" data="next"/></condition></extension>"#));
    assert_eq!(apps(&Call::to("1001").hunt(&p)), ["log(yes)"]);
    let h = Call::to("1002").hunt(&p);
    // Anti-action data is not substituted, and the extension counts as matched.
    assert_eq!(apps(&h), ["log(no $1)"]);
    assert_eq!(h.extension.as_deref(), Some("gate"));
}

#[test]
fn break_on_false_is_default_and_stops() {
    let p = plan(&ctx(r#"
<extension name="e">
  <condition field="destination_number" expression="^x$"><anti-action application="log" data="anti1"/></condition>
  <condition><action application="log" data="second"/></condition>
</extension>"#));
    assert_eq!(apps(&Call::to("1").hunt(&p)), ["log(anti1)"]);
}

#[test]
fn break_never_continues_after_failure() {
    let p = plan(&ctx(r#"
<extension name="e">
  <condition field="destination_number" expression="^x$" break="never"><anti-action application="log" data="anti1"/></condition>
  <condition><action application="log" data="second"/></condition>
</extension>"#));
    assert_eq!(apps(&Call::to("1").hunt(&p)), ["log(anti1)", "log(second)"]);
}

#[test]
fn break_on_true_stops_after_pass() {
    let p = plan(&ctx(r#"
<extension name="e">
  <condition field="destination_number" expression="^1$" break="on-true"><action application="log" data="one"/></condition>
  <condition field="destination_number" expression="^\d$"><action application="log" data="digit"/></condition>
</extension>"#));
    assert_eq!(apps(&Call::to("1").hunt(&p)), ["log(one)"]);
    assert_eq!(apps(&Call::to("2").hunt(&p)), ["log(digit)"]);
}

#[test]
fn break_always_stops_either_way() {
    let p = plan(&ctx(r#"
<extension name="e">
  <condition field="destination_number" expression="^1$" break="always"><action application="log" data="one"/><anti-action application="log" data="not-one"/></condition>
  <condition><action application="log" data="after"/></condition>
</extension>"#));
    assert_eq!(apps(&Call::to("1").hunt(&p)), ["log(one)"]);
    assert_eq!(apps(&Call::to("2").hunt(&p)), ["log(not-one)"]);
}

#[test]
fn failed_condition_with_break_never_and_no_anti_actions_is_not_a_match() {
    // The last condition's result is what counts.
    let p = plan(&ctx(r#"
<extension name="e">
  <condition field="destination_number" expression="^1$" break="never"><action application="log" data="one"/></condition>
  <condition field="caller_id_name" expression="^bob$" break="never"><action application="log" data="bob"/></condition>
</extension>
<extension name="fallback"><condition><action application="log" data="fallback"/></condition></extension>"#));
    // Matches the first, fails the second: not matched, hunting goes on.
    assert_eq!(apps(&Call::to("1").hunt(&p)), ["log(one)", "log(fallback)"]);
}

#[test]
fn captures_substitute_from_own_condition() {
    let p = plan(&ctx(r#"
<extension name="e">
  <condition field="caller_id_number" expression="^(\d{2})(\d+)$"/>
  <condition field="destination_number" expression="^9(\d+)$">
    <action application="bridge" data="sofia/gateway/gw/$1 ${x} $2"/>
  </condition>
</extension>"#));
    let mut c = Call::to("95551234");
    c.profile.caller_id_number = "4471".into();
    let h = c.hunt(&p);
    // $1 is from this condition; $2 does not exist here; ${x} is left for execution.
    assert_eq!(apps(&h), ["bridge(sofia/gateway/gw/5551234 ${x} )"]);
}

#[test]
fn no_substitution_without_parentheses() {
    let p = plan(&ctx(
        r#"<extension name="e"><condition field="destination_number" expression="^\d+$"><action application="log" data="$1"/></condition></extension>"#,
    ));
    assert_eq!(apps(&Call::to("12").hunt(&p)), ["log($1)"]);
}

#[test]
fn variable_fields_and_expressions() {
    let p = plan(&ctx(r#"
<extension name="e">
  <condition field="${sip_from_host}" expression="^${trusted}$"><action application="log" data="trusted"/></condition>
</extension>"#));
    let c = Call::to("1")
        .var("sip_from_host", "10.0.0.1")
        .var("trusted", "10\\.0\\.0\\.1");
    assert_eq!(apps(&c.hunt(&p)), ["log(trusted)"]);
    let c = Call::to("1")
        .var("sip_from_host", "10.0.0.2")
        .var("trusted", "10\\.0\\.0\\.1");
    assert!(c.hunt(&p).is_empty());
    // Unset variable expands to empty.
    let p = plan(&ctx(
        r#"<extension name="e"><condition field="${nothing}" expression="^$"><action application="log" data="empty"/></condition></extension>"#,
    ));
    assert_eq!(apps(&Call::to("1").hunt(&p)), ["log(empty)"]);
}

#[test]
fn field_may_combine_text_and_variables() {
    let p = plan(&ctx(
        r#"<extension name="e"><condition field="${a}-${b}" expression="^(\w+)-(\w+)$"><action application="log" data="$2/$1"/></condition></extension>"#,
    ));
    let c = Call::to("1").var("a", "left").var("b", "right");
    assert_eq!(apps(&c.hunt(&p)), ["log(right/left)"]);
}

#[test]
fn dynamic_regex_that_fails_to_compile_is_a_warning() {
    let p = plan(&ctx(
        r#"<extension name="e"><condition field="destination_number" expression="${re}"><action application="log" data="x"/></condition></extension>"#,
    ));
    let h = Call::to("1").var("re", "(").hunt(&p);
    assert!(h.is_empty());
    assert_eq!(h.warnings.len(), 1, "{:?}", h.warnings);
}

#[test]
fn inline_set_is_seen_by_later_conditions() {
    let p = plan(&ctx(r#"
<extension name="e">
  <condition field="destination_number" expression="^(\d+)$">
    <action application="set" data="dest=$1" inline="true"/>
    <action application="set" data="late=1"/>
  </condition>
  <condition field="${dest}" expression="^1001$"><action application="log" data="saw ${dest} ${late}"/></condition>
</extension>"#));
    let h = Call::to("1001").hunt(&p);
    assert_eq!(apps(&h), ["set(late=1)", "log(saw ${dest} ${late})"]);
    assert_eq!(h.inline.len(), 1);
    assert_eq!(h.inline[0].data, "dest=1001");
    assert!(h.inline[0].applied);
    assert_eq!(
        h.variables,
        vec![("dest".to_string(), Some("1001".to_string()))]
    );
}

#[test]
fn inline_unset_and_export_and_other_apps() {
    let p = plan(&ctx(r#"
<extension name="e" continue="true">
  <condition>
    <action application="unset" data="gone" inline="true"/>
    <action application="export" data="ex=${keep}" inline="true"/>
    <action application="export" data="nolocal:remote=1" inline="true"/>
    <action application="set" data="empty=" inline="true"/>
    <action application="log" data="INFO ${keep}" inline="true"/>
  </condition>
</extension>
<extension name="f">
  <condition field="${gone}" expression="^$"/>
  <condition field="${ex}" expression="^kept$"/>
  <condition field="${remote}" expression="^$"><action application="log" data="ok"/></condition>
</extension>"#));
    let h = Call::to("1")
        .var("gone", "here")
        .var("keep", "kept")
        .var("empty", "x")
        .hunt(&p);
    assert_eq!(apps(&h), ["log(ok)"]);
    let inl: Vec<(String, bool)> = h
        .inline
        .iter()
        .map(|i| (format!("{}({})", i.application, i.data), i.applied))
        .collect();
    assert_eq!(
        inl,
        [
            ("unset(gone)".to_string(), true),
            ("export(ex=kept)".to_string(), true),
            ("export(nolocal:remote=1)".to_string(), true),
            ("set(empty=)".to_string(), true),
            ("log(INFO kept)".to_string(), false),
        ]
    );
    assert_eq!(
        h.variables,
        vec![
            ("gone".to_string(), None),
            ("ex".to_string(), Some("kept".to_string())),
            ("empty".to_string(), None)
        ]
    );
}

#[test]
fn nested_conditions() {
    let p = plan(&ctx(r#"
<extension name="e">
  <condition field="destination_number" expression="^(1\d\d\d)$">
    <action application="log" data="outer $1"/>
    <condition field="caller_id_number" expression="^(5\d+)$">
      <action application="log" data="inner $1"/>
    </condition>
  </condition>
</extension>
<extension name="fallback"><condition><action application="log" data="fallback"/></condition></extension>"#));
    let mut c = Call::to("1234");
    c.profile.caller_id_number = "555".into();
    assert_eq!(apps(&c.hunt(&p)), ["log(outer 1234)", "log(inner 555)"]);
    // Nested fails: the extension does not match (require-nested defaults to true).
    c.profile.caller_id_number = "777".into();
    assert_eq!(apps(&c.hunt(&p)), ["log(outer 1234)", "log(fallback)"]);
    // Outer fails: nested not evaluated.
    assert_eq!(apps(&Call::to("99").hunt(&p)), ["log(fallback)"]);
}

#[test]
fn require_nested_false_makes_the_level_pass() {
    let p = plan(&ctx(r#"
<extension name="e">
  <condition field="destination_number" expression="^1$" require-nested="false">
    <action application="log" data="outer"/>
    <condition field="caller_id_number" expression="^nobody$"><action application="log" data="inner"/></condition>
  </condition>
</extension>
<extension name="fallback"><condition><action application="log" data="fallback"/></condition></extension>"#));
    assert_eq!(apps(&Call::to("1").hunt(&p)), ["log(outer)"]);
}

#[test]
fn nested_failure_with_break_never_continues_level() {
    let p = plan(&ctx(r#"
<extension name="e">
  <condition field="destination_number" expression="^1$" break="never">
    <condition field="caller_id_number" expression="^nobody$"/>
  </condition>
  <condition><action application="log" data="next"/></condition>
</extension>"#));
    assert_eq!(apps(&Call::to("1").hunt(&p)), ["log(next)"]);
}

#[test]
fn regex_all_any_xor() {
    let p = plan(&ctx(r#"
<extension name="all" continue="true">
  <condition regex="all">
    <regex field="destination_number" expression="^(\d+)$"/>
    <regex field="caller_id_name" expression="^(\w+)$"/>
    <action application="log" data="all $1"/>
    <anti-action application="log" data="not-all"/>
  </condition>
</extension>
<extension name="any" continue="true">
  <condition regex="any">
    <regex field="destination_number" expression="^(x+)$"/>
    <regex field="caller_id_name" expression="^(b\w+)$"/>
    <action application="log" data="any $1"/>
    <anti-action application="log" data="not-any"/>
  </condition>
</extension>
<extension name="xor" continue="true">
  <condition regex="xor">
    <regex field="destination_number" expression="^\d+$"/>
    <regex field="caller_id_name" expression="^bob$"/>
    <action application="log" data="xor"/>
    <anti-action application="log" data="not-xor"/>
  </condition>
</extension>"#));
    let mut c = Call::to("12");
    c.profile.caller_id_name = "bob".into();
    assert_eq!(
        apps(&c.hunt(&p)),
        ["log(all bob)", "log(any bob)", "log(not-xor)"]
    );
    c.profile.caller_id_name = "eve!".into();
    assert_eq!(
        apps(&c.hunt(&p)),
        ["log(not-all)", "log(not-any)", "log(xor)"]
    );
}

#[test]
fn expression_element_and_action_text() {
    let p = plan(&ctx(r#"
<extension name="e">
  <condition field="destination_number"><expression><![CDATA[^(\d+)<x>$]]></expression>
    <action application="log">got $1</action>
  </condition>
</extension>"#));
    assert_eq!(apps(&Call::to("12<x>").hunt(&p)), ["log(got 12)"]);
}

#[test]
fn loop_attribute_repeats() {
    let p = plan(&ctx(
        r#"<extension name="e"><condition><action application="playback" data="beep" loop="3"/><action application="log" data="none" loop="0"/></condition></extension>"#,
    ));
    assert_eq!(
        apps(&Call::to("1").hunt(&p)),
        ["playback(beep)", "playback(beep)", "playback(beep)"]
    );
}

#[test]
fn context_fallback_to_global_and_missing_context() {
    let p = plan(
        r#"<include><context name="global"><extension name="g"><condition><action application="log" data="global"/></condition></extension></context></include>"#,
    );
    let mut c = Call::to("1");
    c.profile.context = "nowhere".into();
    assert_eq!(c.hunt(&p).context, "global");
    let p = plan(&ctx(""));
    let c = Call::to("1");
    let mut profile = c.profile.clone();
    profile.context = "nowhere".into();
    let err = p
        .hunt(HuntRequest::new(&profile, &c.vars, c.now, "UTC"))
        .unwrap_err();
    assert_eq!(err, HuntError::NoSuchContext("nowhere".into()));
}

#[test]
fn auto_hunt_starts_at_named_extension() {
    let p = plan(&ctx(r#"
<extension name="first"><condition><action application="log" data="first"/></condition></extension>
<extension name="1001"><condition><action application="log" data="named"/></condition></extension>"#));
    assert_eq!(apps(&Call::to("1001").hunt(&p)), ["log(first)"]);
    assert_eq!(
        apps(&Call::to("1001").var("auto_hunt", "true").hunt(&p)),
        ["log(named)"]
    );
}

#[test]
fn document_and_bare_context_roots() {
    let p = plan(
        r#"<?xml version="1.0"?>
<document type="freeswitch/xml">
  <section name="configuration"><whatever/></section>
  <section name="dialplan" description="x">
    <context name="d"><extension name="e"><condition><action application="answer"/></condition></extension></context>
  </section>
</document>"#,
    );
    assert!(p.context("d").is_some());
    let p = plan(r#"<context name="solo"><!-- comment --><extension name="e"/></context>"#);
    assert_eq!(p.context_names().collect::<Vec<_>>(), ["solo"]);
}

#[test]
fn same_context_in_several_files_appends_in_order() {
    let a = r#"<include><context name="default"><extension name="a"><condition field="destination_number" expression="^1$"><action application="log" data="a"/></condition></extension></context></include>"#;
    let b = r#"<include><context name="default"><extension name="b"><condition><action application="log" data="b"/></condition></extension></context></include>"#;
    let p = Dialplan::from_sources([("00.xml", a), ("10.xml", b)]).unwrap();
    let names: Vec<_> = p
        .context("default")
        .unwrap()
        .extensions
        .iter()
        .map(|e| e.display_name().to_string())
        .collect();
    assert_eq!(names, ["a", "b"]);
    assert_eq!(apps(&Call::to("2").hunt(&p)), ["log(b)"]);
    assert_eq!(apps(&Call::to("1").hunt(&p)), ["log(a)"]);
}

#[test]
fn load_dir_reads_sorted_xml_files() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, body: &str| std::fs::write(dir.path().join(name), body).unwrap();
    write(
        "20-b.xml",
        r#"<include><context name="default"><extension name="b"><condition><action application="log" data="b"/></condition></extension></context></include>"#,
    );
    write(
        "10-a.xml",
        r#"<include><context name="default"><extension name="a" continue="true"><condition><action application="log" data="a"/></condition></extension></context></include>"#,
    );
    write("notes.txt", "not xml at all <");
    let p = Dialplan::load_dir(dir.path()).unwrap();
    assert_eq!(apps(&Call::to("1").hunt(&p)), ["log(a)", "log(b)"]);

    write(
        "30-bad.xml",
        "<include><context name=\"x\">\n<extension>\n</include>",
    );
    write("40-bad.xml", "<include>\n<context/>\n</include>");
    let errs = Dialplan::load_dir(dir.path()).unwrap_err();
    assert_eq!(errs.len(), 2, "{errs:#?}");
    assert!(
        errs[0].file.ends_with("30-bad.xml") && errs[0].line == 3,
        "{}",
        errs[0]
    );
    assert!(
        errs[1]
            .to_string()
            .ends_with("40-bad.xml:2: <context> needs a non-empty name attribute"),
        "{}",
        errs[1]
    );

    let missing = Dialplan::load_dir(dir.path().join("nope")).unwrap_err();
    assert!(
        missing[0]
            .to_string()
            .contains("cannot read dialplan directory")
    );
}

#[test]
fn errors_name_file_and_line_and_are_all_collected() {
    let xml = r#"<include>
<context name="default">
  <extension name="e" continu="true">
    <condition field="destination_number" expression="^(12$" break="sometimes">
      <action data="x"/>
      <actoin application="log"/>
    </condition>
    <condition field="destination-number" expression="^1$"/>
    <condition field="destination_number"/>
    <condition expression="^1$"/>
    <condition wday="funday" time-of-day="9-5"/>
    <condition regex="some"><regex field="ani" expression="["/></condition>
    <condition><regex field="ani" expression="1"/></condition>
    <condition><action application="log" inline="perhaps" loop="x"/></condition>
  </extension>
</context>
<X-PRE-PROCESS cmd="include" data="*.xml"/>
</include>"#;
    let e = errors(xml);
    let expect = [
        "test.xml:3: unknown attribute `continu` on <extension>",
        "test.xml:4: invalid regular expression `^(12$`:",
        "test.xml:4: break=\"sometimes\" is not one of on-false, on-true, always, never",
        "test.xml:5: <action> without application",
        "test.xml:6: unknown element <actoin> inside <condition>",
        "test.xml:8: unknown caller profile field `destination-number`",
        "test.xml:9: <condition> has field=\"destination_number\" but no expression",
        "test.xml:10: <condition> has an expression but no field",
        "test.xml:11: wday=\"funday\": `funday` is not a day",
        "test.xml:11: time-of-day=\"9-5\":",
        "test.xml:12: regex=\"some\" is not one of all, any, xor",
        "test.xml:12: invalid regular expression `[`:",
        "test.xml:13: <regex> needs regex=\"all|any|xor\" on its condition",
        "test.xml:14: inline=\"perhaps\" is not true or false",
        "test.xml:14: loop=\"x\" is not a count",
        "test.xml:17: <X-PRE-PROCESS> is not supported",
    ];
    for want in expect {
        assert!(
            e.iter().any(|got| got.starts_with(want)),
            "missing {want:?} in {e:#?}"
        );
    }
    assert_eq!(e.len(), expect.len(), "{e:#?}");
}

#[test]
fn malformed_xml_reports_position() {
    let e =
        errors("<include>\n<context name=\"a\">\n<extension name=\"x\">\n</context>\n</include>");
    assert_eq!(e.len(), 1);
    assert!(e[0].starts_with("test.xml:4: malformed XML:"), "{e:?}");
    let e = errors("");
    assert!(e[0].starts_with("test.xml:1: malformed XML"), "{e:?}");
}

#[test]
fn semantic_errors_in_more_places() {
    let e = errors(
        r#"<include>
<context name="a">
  <extension name="x">
    <action application="log"/>
    <condition regex="all" field="ani"><expression>1</expression></condition>
    <condition field="ani" expression="1"><expression>1</expression></condition>
    <condition><action application="log" data="a">text</action></condition>
  </extension>
  stray text
</context>
<zone/>
</include>"#,
    );
    let expect = [
        "test.xml:4: unknown element <action> inside <extension>",
        "test.xml:5: field is ignored on a condition with regex=\"all\"",
        "test.xml:5: <expression> is ignored on a condition with regex=",
        "test.xml:6: expression given both as attribute and as <expression> element",
        "test.xml:7: <action> has both a data attribute and text content",
        "test.xml:8: unexpected text `stray text` inside <context>",
        "test.xml:11: unknown element <zone> inside <include>",
    ];
    for want in expect {
        assert!(
            e.iter().any(|got| got.starts_with(want)),
            "missing {want:?} in {e:#?}"
        );
    }
    assert_eq!(e.len(), expect.len(), "{e:#?}");
    let e = errors("<dialplan/>");
    assert!(e[0].contains("unexpected root element <dialplan>"));
}

#[test]
fn deep_nesting_is_rejected_not_overflowed() {
    let mut xml = String::from("<include><context name=\"a\"><extension name=\"x\">");
    for _ in 0..150 {
        xml.push_str("<condition>");
    }
    for _ in 0..150 {
        xml.push_str("</condition>");
    }
    xml.push_str("</extension></context></include>");
    let e = errors(&xml);
    assert!(
        e.iter().any(|m| m.contains("nested deeper than 100")),
        "{e:?}"
    );
}

#[test]
fn time_of_day_routing_with_injected_clock() {
    let p = plan(&ctx(r#"
<extension name="open">
  <condition wday="mon-fri" time-of-day="09:00-17:00">
    <action application="log" data="open"/>
    <anti-action application="log" data="closed"/>
  </condition>
</extension>"#));
    // Tuesday 2024-03-05, 10:00 in New York is 15:00 UTC.
    let open = Call::to("1").at("2024-03-05T15:00:00Z", "America/New_York");
    assert_eq!(apps(&open.hunt(&p)), ["log(open)"]);
    // Same instant evaluated in Tokyo: 00:00 Wednesday.
    let tokyo = Call::to("1").at("2024-03-05T15:00:00Z", "Asia/Tokyo");
    assert_eq!(apps(&tokyo.hunt(&p)), ["log(closed)"]);
    // Saturday.
    let weekend = Call::to("1").at("2024-03-09T15:00:00Z", "America/New_York");
    assert_eq!(apps(&weekend.hunt(&p)), ["log(closed)"]);
    // The channel's timezone variable overrides the tenant zone; tod_tz_offset overrides both.
    let var_tz = Call::to("1")
        .at("2024-03-05T15:00:00Z", "Asia/Tokyo")
        .var("timezone", "America/New_York");
    assert_eq!(apps(&var_tz.hunt(&p)), ["log(open)"]);
    let offset = Call::to("1")
        .at("2024-03-05T15:00:00Z", "America/New_York")
        .var("tod_tz_offset", "9");
    assert_eq!(apps(&offset.hunt(&p)), ["log(closed)"]);
}

#[test]
fn time_and_field_must_both_pass() {
    let p = plan(&ctx(r#"
<extension name="e">
  <condition field="destination_number" expression="^1$" hour="9-17">
    <action application="log" data="yes"/><anti-action application="log" data="no"/>
  </condition>
</extension>"#));
    assert_eq!(
        apps(&Call::to("1").at("2024-03-05T10:00:00Z", "UTC").hunt(&p)),
        ["log(yes)"]
    );
    assert_eq!(
        apps(&Call::to("2").at("2024-03-05T10:00:00Z", "UTC").hunt(&p)),
        ["log(no)"]
    );
    assert_eq!(
        apps(&Call::to("1").at("2024-03-05T20:00:00Z", "UTC").hunt(&p)),
        ["log(no)"]
    );
}

#[test]
fn time_in_regex_children_and_unknown_zone_warns() {
    let p = plan(&ctx(r#"
<extension name="holiday">
  <condition regex="any">
    <regex date-time="2024-12-25 00:00~2024-12-26 00:00"/>
    <regex mon="1" mday="1"/>
    <action application="log" data="holiday"/>
  </condition>
</extension>"#));
    assert_eq!(
        apps(&Call::to("1").at("2024-12-25T12:00:00Z", "UTC").hunt(&p)),
        ["log(holiday)"]
    );
    assert_eq!(
        apps(&Call::to("1").at("2025-01-01T12:00:00Z", "UTC").hunt(&p)),
        ["log(holiday)"]
    );
    assert!(
        Call::to("1")
            .at("2025-01-02T12:00:00Z", "UTC")
            .hunt(&p)
            .is_empty()
    );
    let h = Call::to("1")
        .at("2025-01-01T12:00:00Z", "Mars/Olympus")
        .hunt(&p);
    assert_eq!(apps(&h), ["log(holiday)"]);
    assert_eq!(h.warnings.len(), 1);
}

#[test]
fn index_skips_only_what_cannot_match() {
    // Literal-gated extensions interleaved with regex ones keep their order.
    let p = plan(&ctx(r#"
<extension name="a" continue="true"><condition field="destination_number" expression="^1001$"><action application="log" data="a"/></condition></extension>
<extension name="b" continue="true"><condition field="destination_number" expression="^10\d\d$"><action application="log" data="b"/></condition></extension>
<extension name="c" continue="true"><condition field="destination_number" expression="^(1001|1002)$"><action application="log" data="c $1"/></condition></extension>
<extension name="d" continue="true"><condition field="destination_number" expression="^1001$"><anti-action application="log" data="d-anti"/></condition></extension>
<extension name="e" continue="true"><condition field="caller_id_number" expression="^(?:7|8)$"><action application="log" data="e"/></condition></extension>
"#));
    let mut c = Call::to("1001");
    c.profile.caller_id_number = "8".into();
    assert_eq!(
        apps(&c.hunt(&p)),
        ["log(a)", "log(b)", "log(c 1001)", "log(e)"]
    );
    let c = Call::to("1002");
    assert_eq!(apps(&c.hunt(&p)), ["log(b)", "log(c 1002)", "log(d-anti)"]);
}

#[test]
fn large_context_hunts_correctly() {
    let mut body = String::new();
    for i in 0..10_000 {
        body.push_str(&format!(
            "<extension name=\"u{i}\"><condition field=\"destination_number\" expression=\"^({})$\"><action application=\"bridge\" data=\"user/$1\"/></condition></extension>\n",
            10_000 + i
        ));
    }
    let p = plan(&ctx(&body));
    assert_eq!(apps(&Call::to("19999").hunt(&p)), ["bridge(user/19999)"]);
    assert_eq!(apps(&Call::to("10000").hunt(&p)), ["bridge(user/10000)"]);
    assert!(Call::to("20000").hunt(&p).is_empty());
}

#[test]
fn never_panics_on_odd_input() {
    for xml in [
        "<include><context name=\"default\"><extension><condition field=\"${\" expression=\"${\"><action application=\"x\" data=\"$\"/></condition></extension></context></include>",
        "<include><context name=\"default\"><extension><condition field=\"destination_number\" expression=\"/\"><action application=\"x\" data=\"${}$}\"/></condition></extension></context></include>",
        "<include><context name=\"default\"><extension><condition regex=\"xor\"/></extension></context></include>",
        "<include><context name=\"default\"><extension><condition field=\"destination_number\" expression=\"//i\"><action application=\"x\" data=\"$0${0}$\"/></condition></extension></context></include>",
    ] {
        if let Ok(p) = Dialplan::parse_str("odd.xml", xml) {
            let _ = Call::to("").var("", "").hunt(&p);
            let _ = Call::to("\u{0}é").at("2024-01-01T00:00:00Z", "").hunt(&p);
        }
    }
}

#[test]
fn a_contexts_time_zone_decides_its_time_conditions() {
    let p = plan(
        r#"<include>
<context name="default" timezone="Asia/Tokyo">
<extension name="hours">
  <condition field="destination_number" expression="^1$" hour="9-17">
    <action application="log" data="open"/><anti-action application="log" data="closed"/>
  </condition>
</extension>
</context>
</include>"#,
    );
    // 01:00 UTC is 10:00 in Tokyo.
    let call = Call::to("1").at("2024-03-05T01:00:00Z", "UTC");
    assert_eq!(apps(&call.hunt(&p)), ["log(open)"]);
    // The channel's own zone still wins.
    let call = Call::to("1")
        .at("2024-03-05T01:00:00Z", "UTC")
        .var("timezone", "UTC");
    assert_eq!(apps(&call.hunt(&p)), ["log(closed)"]);
    let found = errors(
        "<include>\n<context name=\"default\" timezone=\"Mars/Olympus\">\n</context>\n</include>\n",
    );
    assert!(
        found
            .iter()
            .any(|e| e.starts_with("test.xml:2:") && e.contains("Mars/Olympus")),
        "{found:?}"
    );
}
