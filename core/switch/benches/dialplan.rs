//! Dialplan lookups on a 10,000-extension context.
use std::collections::HashMap;
use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use jiff::Timestamp;
use switchyard::dialplan::{CallerProfile, Dialplan, HuntRequest};

fn context(n: usize, literal: bool) -> String {
    let mut xml = String::from("<include><context name=\"default\">\n");
    for i in 0..n {
        let num = 10_000 + i;
        let expr = if literal {
            format!("^({num})$")
        } else {
            format!("^({num})(\\d*)$")
        };
        xml.push_str(&format!(
            "<extension name=\"u{num}\"><condition field=\"destination_number\" expression=\"{expr}\"><action application=\"set\" data=\"callee=$1\"/><action application=\"bridge\" data=\"user/$1@${{domain_name}}\"/></condition></extension>\n"
        ));
    }
    xml.push_str("</context></include>\n");
    xml
}

fn bench(c: &mut Criterion) {
    let vars: HashMap<String, String> = HashMap::new();
    let now = Timestamp::UNIX_EPOCH;
    for (label, literal) in [("literal", true), ("regex", false)] {
        let plan = Dialplan::parse_str("bench.xml", &context(10_000, literal)).unwrap();
        let last = CallerProfile::new("19999", "default");
        let first = CallerProfile::new("10000", "default");
        let miss = CallerProfile::new("99999", "default");
        let mut g = c.benchmark_group(format!("hunt_10k_{label}"));
        for (name, profile) in [("last", &last), ("first", &first), ("miss", &miss)] {
            g.bench_function(name, |b| {
                b.iter(|| {
                    black_box(
                        plan.hunt(HuntRequest::new(black_box(profile), &vars, now, "UTC"))
                            .unwrap(),
                    )
                })
            });
        }
        g.finish();
    }
    c.bench_function("load_10k", |b| {
        let xml = context(10_000, true);
        b.iter(|| black_box(Dialplan::parse_str("bench.xml", &xml).unwrap()))
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);
