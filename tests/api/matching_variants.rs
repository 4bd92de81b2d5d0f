//! Acceptance 2 of issue 4: hand-labelled name variants against a generated
//! registry of 100,000 enterprises with look-alikes. Prints every miss and
//! requires top-1 precision ≥ 0.97 and recall ≥ 0.95.
use std::collections::{HashMap, HashSet};

use crate::common;
use common::registry::Firm;
use serde::Deserialize;
use tipline::matching::synth::{SynthConfig, SynthRegistry};
use tipline::matching::{EnterpriseIndex, EnterpriseRecord, MatchQuery, MatchResult};

const REGISTRY_SIZE: usize = 100_000;

#[derive(Deserialize)]
struct Variants {
    enterprise: Vec<Firm>,
    case: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    name: Option<String>,
    district: Option<String>,
    industry: Option<String>,
    address: Option<String>,
    text: Option<String>,
    code: Option<String>,
    expect: String,
    kind: String,
}

fn load() -> Variants {
    let raw = include_str!(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/matching_variants.toml"
    ));
    toml::from_str(raw).expect("matching_variants.toml parses")
}

fn registry(v: &Variants) -> (Vec<EnterpriseRecord>, HashMap<String, i64>) {
    common::registry::build(
        &v.enterprise,
        v.case.iter().filter_map(|c| c.name.as_deref()),
        REGISTRY_SIZE,
    )
}

fn describe(c: &Case) -> String {
    let mut parts = Vec::new();
    for (label, v) in [
        ("name", &c.name),
        ("district", &c.district),
        ("industry", &c.industry),
        ("address", &c.address),
        ("code", &c.code),
        ("text", &c.text),
    ] {
        if let Some(v) = v {
            parts.push(format!("{label}={v:?}"));
        }
    }
    parts.join(" ")
}

fn top(r: &MatchResult) -> String {
    r.candidates
        .iter()
        .take(3)
        .map(|c| format!("{}#{} {:.3}", c.name, c.enterprise_id, c.score))
        .collect::<Vec<_>>()
        .join(" | ")
}

#[test]
fn labelled_variants_precision_and_recall() {
    let v = load();
    assert!(v.case.len() >= 150, "only {} labelled cases", v.case.len());
    let (records, keys) = registry(&v);
    let names: HashMap<i64, String> = records
        .iter()
        .filter(|r| r.id < 1_000)
        .map(|r| (r.id, r.name.clone()))
        .collect();
    let started = std::time::Instant::now();
    let index = EnterpriseIndex::build(common::pack_match_config(), records);
    println!(
        "index of {} enterprises built in {:?}",
        index.len(),
        started.elapsed()
    );
    assert!(index.len() >= REGISTRY_SIZE);

    let (mut predicted, mut correct, mut positives) = (0usize, 0usize, 0usize);
    let mut misses = Vec::new();
    let mut per_kind: HashMap<&str, (usize, usize)> = HashMap::new();
    for c in &v.case {
        let expect = if c.expect == "none" {
            None
        } else {
            Some(
                *keys
                    .get(&c.expect)
                    .unwrap_or_else(|| panic!("unknown key {}", c.expect)),
            )
        };
        let q = MatchQuery {
            text: c.text.clone().unwrap_or_default(),
            enterprise_name: c.name.clone(),
            credit_code: c.code.clone(),
            district: c.district.clone(),
            industry: c.industry.clone(),
            address: c.address.clone(),
        };
        let r = index.match_tip(&q);
        let got = r.best.as_ref().map(|b| b.enterprise_id);
        if expect.is_some() {
            positives += 1;
        }
        if got.is_some() {
            predicted += 1;
            if got == expect {
                correct += 1;
            }
        }
        let k = per_kind.entry(c.kind.as_str()).or_default();
        k.0 += 1;
        if got == expect {
            k.1 += 1;
        } else {
            misses.push(format!(
                "[{}] {} → expected {}, got {}; top: {}",
                c.kind,
                describe(c),
                expect.map_or("none".to_string(), |id| names[&id].clone()),
                r.best.as_ref().map_or("none".to_string(), |b| format!(
                    "{} ({:.3})",
                    b.name, b.score
                )),
                top(&r)
            ));
        }
    }
    let precision = correct as f64 / predicted.max(1) as f64;
    let recall = correct as f64 / positives.max(1) as f64;
    let mut kinds: Vec<_> = per_kind.into_iter().collect();
    kinds.sort();
    for (kind, (n, ok)) in kinds {
        println!("{kind:>15}: {ok}/{n}");
    }
    println!("misses ({}):", misses.len());
    for m in &misses {
        println!("  {m}");
    }
    println!(
        "cases {} (positives {positives}), predicted {predicted}, correct {correct}: precision {precision:.3}, recall {recall:.3}",
        v.case.len()
    );
    assert!(precision >= 0.97, "top-1 precision {precision:.3} < 0.97");
    assert!(recall >= 0.95, "recall {recall:.3} < 0.95");
}

/// The generated look-alikes: a firm named exactly, with its district,
/// is found, and never the firm it imitates.
#[test]
fn generated_look_alikes_lose() {
    let synth: Vec<_> = SynthRegistry::new(SynthConfig {
        seed: 42,
        count: 20_000,
        first_id: 1,
        reserved_chars: HashSet::new(),
        industries: common::pack_match_config().industries,
        regions: common::pack_match_config().regions,
    })
    .collect();
    let index = EnterpriseIndex::build(
        common::pack_match_config(),
        synth.iter().map(|s| s.record.clone()),
    );
    let (mut total, mut right, mut wrong) = (0, 0, 0);
    for s in synth.iter().filter(|s| s.imitates.is_some()) {
        for target in [
            Some(s),
            synth.iter().find(|o| Some(o.record.id) == s.imitates),
        ] {
            let Some(t) = target else { continue };
            let q = MatchQuery {
                enterprise_name: Some(t.record.name.clone()),
                district: Some(t.district.clone()),
                ..MatchQuery::default()
            };
            let r = index.match_tip(&q);
            total += 1;
            match r.best {
                Some(b) if b.enterprise_id == t.record.id => right += 1,
                Some(b) => {
                    wrong += 1;
                    println!("wrong: {} → {}", t.record.name, b.name);
                }
                None => {}
            }
        }
    }
    println!("look-alike pairs: {total} queries, {right} right, {wrong} wrong");
    assert_eq!(wrong, 0);
    assert!(right as f64 >= 0.95 * total as f64);
}

/// The same labelled set through PostgreSQL `pg_trgm` (`similarity` over the
/// name, the best row above pg_trgm's default 0.3 threshold, district used as
/// a tie-break filter when given), beside the in-memory index: quality and
/// speed side by side. Runs when `TIPLINE_TEST_DATABASE_URL` names a
/// PostgreSQL admin URL; prints the comparison the README records.
#[test]
fn pg_trgm_on_the_same_set() {
    use diesel::connection::SimpleConnection;
    use diesel::prelude::*;
    use diesel::sql_types::{BigInt, Text};

    let Some(admin) = std::env::var("TIPLINE_TEST_DATABASE_URL")
        .ok()
        .filter(|u| u.starts_with("postgres"))
    else {
        eprintln!("skipped: set TIPLINE_TEST_DATABASE_URL to a PostgreSQL admin URL");
        return;
    };
    let v = load();
    let (records, keys) = registry(&v);
    let mut conn = PgConnection::establish(&admin).unwrap();
    let db = format!("tipline_trgm_{}", std::process::id());
    conn.batch_execute(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"))
        .unwrap();
    conn.batch_execute(&format!("CREATE DATABASE {db}"))
        .unwrap();
    let base = admin.rsplit_once('/').unwrap().0;
    let mut pg = PgConnection::establish(&format!("{base}/{db}")).unwrap();
    pg.batch_execute(
        "CREATE EXTENSION IF NOT EXISTS pg_trgm; \
         CREATE TABLE ents (id BIGINT PRIMARY KEY, name TEXT NOT NULL, district TEXT);",
    )
    .unwrap();
    // Names and aliases, one row each, in batches of literal VALUES.
    let quote = |s: &str| format!("'{}'", s.replace('\'', "''"));
    let mut rows = Vec::new();
    for r in &records {
        let d = r.district.as_deref().map_or("NULL".into(), quote);
        rows.push(format!("({}, {}, {d})", r.id, quote(&r.name)));
        for (i, a) in r.aliases.iter().enumerate() {
            rows.push(format!(
                "({}, {}, {d})",
                -(r.id * 10 + i as i64 + 1),
                quote(a)
            ));
        }
    }
    for chunk in rows.chunks(5_000) {
        pg.batch_execute(&format!("INSERT INTO ents VALUES {}", chunk.join(",")))
            .unwrap();
    }
    pg.batch_execute("CREATE INDEX ents_trgm ON ents USING gin (name gin_trgm_ops); ANALYZE ents;")
        .unwrap();

    #[derive(QueryableByName)]
    struct Hit {
        #[diesel(sql_type = BigInt)]
        id: i64,
    }
    let index = EnterpriseIndex::build(common::pack_match_config(), records);
    let (mut ours, mut trgm) = ([0usize; 3], [0usize; 3]); // predicted, correct, positives
    let (mut t_ours, mut t_trgm) = (Vec::new(), Vec::new());
    for c in &v.case {
        let expect = (c.expect != "none").then(|| keys[&c.expect]);
        let name = c
            .name
            .clone()
            .or_else(|| c.text.clone())
            .unwrap_or_default();
        let q = MatchQuery {
            text: c.text.clone().unwrap_or_default(),
            enterprise_name: c.name.clone(),
            credit_code: c.code.clone(),
            district: c.district.clone(),
            industry: c.industry.clone(),
            address: c.address.clone(),
        };
        let started = std::time::Instant::now();
        let got = index.match_tip(&q).best.map(|b| b.enterprise_id);
        t_ours.push(started.elapsed());
        let started = std::time::Instant::now();
        let hit: Option<Hit> = diesel::sql_query(
            "SELECT id FROM ents WHERE name % $1 \
             ORDER BY (district IS NOT DISTINCT FROM $2) DESC, similarity(name, $1) DESC LIMIT 1",
        )
        .bind::<Text, _>(&name)
        .bind::<diesel::sql_types::Nullable<Text>, _>(c.district.as_deref())
        .get_result(&mut pg)
        .optional()
        .unwrap();
        t_trgm.push(started.elapsed());
        // Alias rows map back to their enterprise.
        let trgm_got = hit.map(|h| if h.id < 0 { (-h.id - 1) / 10 } else { h.id });
        for (score, got) in [(&mut ours, got), (&mut trgm, trgm_got)] {
            if expect.is_some() {
                score[2] += 1;
            }
            if got.is_some() {
                score[0] += 1;
                if got == expect {
                    score[1] += 1;
                }
            }
        }
    }
    drop(pg);
    conn.batch_execute(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"))
        .unwrap();
    let p = |t: &mut Vec<std::time::Duration>, q: f64| {
        t.sort();
        t[((t.len() as f64 * q) as usize).min(t.len() - 1)]
    };
    let row = |label: &str, s: [usize; 3], t: &mut Vec<std::time::Duration>| {
        println!(
            "{label:<22} precision {:.3}  recall {:.3}  p50 {:?}  p99 {:?}",
            s[1] as f64 / s[0].max(1) as f64,
            s[1] as f64 / s[2].max(1) as f64,
            p(t, 0.5),
            p(t, 0.99)
        );
    };
    println!(
        "{} labelled cases, {} enterprises:",
        v.case.len(),
        REGISTRY_SIZE + keys.len()
    );
    row("tipline index", ours, &mut t_ours);
    row("PostgreSQL pg_trgm", trgm, &mut t_trgm);
    // The index must not be worse than the database's own trigram search.
    assert!(ours[1] >= trgm[1]);
}
