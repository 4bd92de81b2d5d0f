//! Acceptance 3 of issue 4: matching at 1,000,000 generated enterprises.
//! Prints the index build time, resident memory (VmRSS before and after the
//! build) and the p50/p99/max of 10,000 timed queries; criterion then
//! measures the mean per query.
use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use tipline::matching::synth::{SynthConfig, SynthRecord, SynthRegistry, XorShift};
use tipline::matching::{EnterpriseIndex, MatchQuery};

const ENTERPRISES: usize = 1_000_000;
const QUERIES: usize = 10_000;
const SEED: u64 = 2019;

fn pack() -> tipline::jurisdiction::Pack {
    tipline::jurisdiction::embedded_pack("shenzhen-2019").expect("the default pack loads")
}

fn synth() -> SynthRegistry {
    SynthRegistry::new(SynthConfig {
        seed: SEED,
        count: ENTERPRISES,
        first_id: 1,
        reserved_chars: Default::default(),
        industries: pack().match_config().industries,
        regions: pack().match_config().regions,
    })
}

/// kB of a field of /proc/self/status (Linux); 0 elsewhere.
fn status_kb(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with(field))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0)
}

/// A query the way a tip would put it, with the id it should find.
fn variant(s: &SynthRecord, rng: &mut XorShift) -> (MatchQuery, i64, usize) {
    let id = s.record.id;
    let branch = s
        .branch
        .as_deref()
        .map(|b| format!("{b}分公司"))
        .unwrap_or_default();
    let kind = rng.below(6);
    let q = match kind {
        0 => MatchQuery {
            enterprise_name: Some(s.record.name.clone()),
            ..MatchQuery::default()
        },
        1 => MatchQuery {
            enterprise_name: Some(format!("{}{}{branch}", s.brand, s.word)),
            district: Some(s.district.clone()),
            ..MatchQuery::default()
        },
        2 => MatchQuery {
            enterprise_name: Some(format!("{}{}{}{branch}", s.district, s.brand, s.word)),
            ..MatchQuery::default()
        },
        3 => MatchQuery {
            text: format!(
                "举报{}区的{}{}{branch}，晚上偷偷开工，用中频炉炼钢，噪音很大，污水直排河道。",
                s.district, s.brand, s.word
            ),
            ..MatchQuery::default()
        },
        4 => MatchQuery {
            enterprise_name: Some(format!("{}{}厂{branch}", s.brand, s.word)),
            address: s.record.address.clone(),
            ..MatchQuery::default()
        },
        _ => MatchQuery {
            credit_code: Some(s.record.credit_code.clone()),
            ..MatchQuery::default()
        },
    };
    (q, id, kind)
}

fn bench(c: &mut Criterion) {
    // The registry is generated first, so the build time is the index's
    // own (a real start reads rows from the database instead).
    let generating = Instant::now();
    let records: Vec<_> = synth().map(|s| s.record).collect();
    let generated = generating.elapsed();
    let rss_before = status_kb("VmRSS:");
    let started = Instant::now();
    let index = EnterpriseIndex::build(pack().match_config(), records);
    let build = started.elapsed();
    let rss_after = status_kb("VmRSS:");
    println!(
        "registry generated in {generated:.2?}; index of {} enterprises built in {:.2?}; \
         VmRSS {} MB before, {} MB after (+{} MB), peak {} MB",
        index.len(),
        build,
        rss_before / 1024,
        rss_after / 1024,
        rss_after.saturating_sub(rss_before) / 1024,
        status_kb("VmHWM:") / 1024
    );

    // Queries from every 100th generated record, regenerated from the seed
    // so the registry itself never sits in memory beside the index.
    let mut rng = XorShift::new(SEED ^ 0xBEEF);
    let queries: Vec<(MatchQuery, i64, usize)> = synth()
        .step_by(ENTERPRISES / QUERIES)
        .map(|s| variant(&s, &mut rng))
        .collect();

    let mut times: Vec<Duration> = Vec::with_capacity(queries.len());
    let mut by_kind: Vec<Vec<Duration>> = vec![Vec::new(); 6];
    let mut found = 0usize;
    for (q, id, kind) in &queries {
        let t = Instant::now();
        let r = index.match_tip(q);
        times.push(t.elapsed());
        by_kind[*kind].push(t.elapsed());
        if r.best.map(|b| b.enterprise_id) == Some(*id) {
            found += 1;
        }
    }
    for (kind, t) in by_kind.iter_mut().enumerate() {
        t.sort_unstable();
        println!(
            "  variant {kind}: p50 {:.3?}, p99 {:.3?}",
            t[t.len() / 2],
            t[t.len() * 99 / 100]
        );
    }
    times.sort_unstable();
    let pct = |p: f64| times[((times.len() as f64 * p) as usize).min(times.len() - 1)];
    println!(
        "{} queries: p50 {:.3?}, p99 {:.3?}, max {:.3?}; right enterprise for {:.1}%",
        times.len(),
        pct(0.50),
        pct(0.99),
        times[times.len() - 1],
        100.0 * found as f64 / queries.len() as f64
    );

    let mut i = 0usize;
    c.bench_function("match_tip at 1M enterprises", |b| {
        b.iter(|| {
            i = (i + 1) % queries.len();
            black_box(index.match_tip(black_box(&queries[i].0)))
        })
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(Duration::from_secs(5));
    targets = bench
}
criterion_main!(benches);
