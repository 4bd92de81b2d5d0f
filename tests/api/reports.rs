//! Issue 7 acceptance 2: the half-year report on a fixture of about 200
//! cases with known times, every figure checked against counts worked out
//! here from the fixture's definition; then the XLSX read back cell by cell
//! against the JSON. SQLite by default, PostgreSQL with
//! TIPLINE_TEST_DATABASE_URL.
use crate::common;

use std::collections::BTreeMap;
use std::io::Cursor;
use std::process::Command as Process;

use calamine::{Data, Reader, Xlsx};
use chrono::{Duration, NaiveDate, NaiveDateTime};
use common::TestApp;
use serde_json::{Value, json};
use tipline::db::DbConnection;
use tipline::domain::credit_code::CreditCode;
use tipline::domain::role::{Role, Scope};
use tipline::services::reports::{self, CapacityRow, Report, Row};
use tipline::services::workflow::{self, Command, Who};

const BIN: &str = env!("CARGO_BIN_EXE_tipline");

const DISTRICTS: [(&str, &str); 5] = [
    ("futian", "福田区"),
    ("luohu", "罗湖区"),
    ("nanshan", "南山区"),
    ("baoan", "宝安区"),
    ("longgang", "龙岗区"),
];
const BUREAUS: [(&str, &str); 4] = [
    ("industry_it", "市工业和信息化局"),
    ("development_reform", "市发展改革委"),
    ("ecology_environment", "市生态环境局"),
    ("market_regulation", "市市场监管局"),
];
const INDUSTRIES: [(&str, &str); 3] = [("steel", "钢铁"), ("cement", "水泥"), ("dyeing", "印染")];

fn name_of(table: &[(&'static str, &'static str)], key: &str, none: &str) -> String {
    table
        .iter()
        .find(|(k, _)| *k == key)
        .map_or(none.to_string(), |(_, n)| n.to_string())
}

/// China wall-clock time (UTC+8) as the UTC instant the database stores.
fn cn(y: i32, m: u32, d: u32, h: u32, min: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(y, m, d)
        .unwrap()
        .and_hms_opt(h, min, 0)
        .unwrap()
        - Duration::hours(8)
}

fn utc(y: i32, m: u32, d: u32, h: u32, min: u32, s: u32) -> NaiveDateTime {
    NaiveDate::from_ymd_opt(y, m, d)
        .unwrap()
        .and_hms_opt(h, min, s)
        .unwrap()
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Src {
    Web,
    Api,
    Hotline,
    Platform,
    National,
    Open311,
}

#[derive(Clone, Debug)]
enum Step {
    Dispatch(&'static str),
    Accept,
    Return,
    Verify(&'static str),
    Order(&'static str),
    Reinspect(bool),
    Exit(f64, &'static str),
    Close,
    /// 二次办理 after a dissatisfied rating.
    Reopen,
}

/// One case of the fixture: everything the expected figures follow from.
#[derive(Clone, Debug)]
struct Case {
    district: Option<&'static str>,
    /// The lead bureau intake proposed.
    bureau: Option<&'static str>,
    industry: &'static str,
    /// The first tip opens the case.
    tips: Vec<(NaiveDateTime, Src)>,
    steps: Vec<(NaiveDateTime, Step)>,
    /// Overdue notices (督办 by the daily job), by creation time.
    overdue: Vec<NaiveDateTime>,
    /// Notices sent by hand: never counted as overdue.
    supervise: Vec<NaiveDateTime>,
    /// The first tip's rating (回访、评价): when, and the grade.
    ratings: Vec<(NaiveDateTime, &'static str)>,
}

impl Case {
    fn created(&self) -> NaiveDateTime {
        self.tips[0].0
    }

    fn current_bureau(&self) -> &'static str {
        self.steps
            .iter()
            .rev()
            .find_map(|(_, s)| match s {
                Step::Dispatch(b) => Some(*b),
                _ => None,
            })
            .or(self.bureau)
            .unwrap_or("")
    }

    /// The status just before `end` (UTC): steps after it have not happened.
    fn status_at(&self, end: NaiveDateTime) -> &'static str {
        let done = self.steps.iter().filter(|(at, _)| *at < end);
        done.fold("received", |_, (_, s)| match s {
            Step::Dispatch(_) => "dispatched",
            Step::Accept => "verifying",
            Step::Return => "returned",
            Step::Verify(_) => "verified",
            Step::Order(_) | Step::Reinspect(false) => "enforcing",
            Step::Reinspect(true) => "reinspected",
            Step::Exit(..) => "exit_accepted",
            Step::Close => "closed",
            Step::Reopen => "dispatched",
        })
    }
}

/// Steps one after another, `hours` apart.
struct Clock(NaiveDateTime);

impl Clock {
    fn after(&mut self, hours: i64) -> NaiveDateTime {
        self.0 += Duration::hours(hours);
        self.0
    }
}

/// 200 generated cases over 2018-12 … 2019-08, plus hand-made ones at the
/// edges of the period.
fn fixture() -> Vec<Case> {
    let months = [
        (2018, 12),
        (2019, 1),
        (2019, 2),
        (2019, 3),
        (2019, 4),
        (2019, 5),
        (2019, 6),
        (2019, 7),
        (2019, 8),
        (2019, 6),
    ];
    let sources = [
        Src::Web,
        Src::Api,
        Src::Hotline,
        Src::Platform,
        Src::National,
        Src::Open311,
    ];
    let mut out = Vec::new();
    for i in 0..200usize {
        let (y, m) = months[i % 10];
        let created = cn(y, m, 1 + (i * 7 % 28) as u32, (i * 5 % 24) as u32, 0);
        let unrouted = i % 23 == 0;
        let district = (!unrouted).then_some(DISTRICTS[i % 5].0);
        let bureau = (!unrouted).then_some(BUREAUS[i / 5 % 4].0);
        let b = BUREAUS[i / 5 % 4].0;
        let mut tips = vec![(created, sources[i % 6])];
        if i % 4 == 1 {
            let second = [Src::Hotline, Src::Web, Src::Platform][i % 3];
            tips.push((created + Duration::hours(24 * (i % 9) as i64 + 5), second));
        }
        // Gaps of whole quarters of a day and of odd hours (rounding).
        let gap = |k: usize| (6 * (1 + (i + k) % 9) + (i % 2)) as i64;
        let mut t = Clock(created);
        let mut steps = Vec::new();
        let scenario = if unrouted { 0 } else { i % 8 };
        if scenario >= 1 {
            steps.push((t.after(gap(0)), Step::Dispatch(b)));
        }
        let reinspect_gap = 24 * (10 + (i % 40) as i64);
        match scenario {
            // Left waiting: dispatched, accepted, or returned.
            1 if i % 24 == 1 => steps.push((t.after(gap(1)), Step::Accept)),
            1 if i % 24 == 9 => steps.push((t.after(gap(1)), Step::Return)),
            2 => {
                steps.push((t.after(gap(1)), Step::Return));
                steps.push((t.after(gap(2)), Step::Dispatch(BUREAUS[(i / 5 + 1) % 4].0)));
                steps.push((t.after(gap(3)), Step::Accept));
                steps.push((t.after(gap(4)), Step::Verify("unsubstantiated")));
                steps.push((t.after(gap(5)), Step::Close));
            }
            3..=7 => {
                let finding = [
                    "substantiated",
                    "partly",
                    "substantiated",
                    "unverifiable",
                    "partly",
                ][scenario - 3];
                steps.push((t.after(gap(1)), Step::Accept));
                steps.push((t.after(gap(2) * 3), Step::Verify(finding)));
                match scenario {
                    3 => {
                        steps.push((t.after(gap(3)), Step::Order("rectify")));
                        if i % 16 == 3 {
                            steps.push((t.after(reinspect_gap), Step::Reinspect(true)));
                        }
                    }
                    4 => {
                        steps.push((t.after(gap(3)), Step::Order("rectify")));
                        steps.push((t.after(reinspect_gap), Step::Reinspect(false)));
                    }
                    5 => {
                        steps.push((t.after(gap(3)), Step::Order("close")));
                        steps.push((t.after(reinspect_gap), Step::Reinspect(true)));
                        steps.push((
                            t.after(gap(4)),
                            Step::Exit(0.5 * (1 + i % 7) as f64, "万吨/年"),
                        ));
                        steps.push((t.after(gap(5)), Step::Close));
                    }
                    6 => steps.push((t.after(gap(3)), Step::Close)),
                    _ => {
                        steps.push((t.after(gap(3)), Step::Order("revoke_licence")));
                        steps.push((t.after(reinspect_gap), Step::Reinspect(true)));
                        steps.push((t.after(gap(4)), Step::Exit(0.25 * (1 + i % 5) as f64, "台")));
                    }
                }
            }
            _ => {}
        }
        let mut overdue = Vec::new();
        if i % 5 == 2 {
            overdue.push(created + Duration::days(10));
        }
        if i % 11 == 0 {
            overdue.push(created + Duration::days(25));
        }
        let supervise = if i % 13 == 0 {
            vec![created + Duration::days(3)]
        } else {
            Vec::new()
        };
        // Closed cases are rated two days after closing; a third of them
        // 不满意, and some of those reopened (二次办理) a day later.
        let mut ratings = Vec::new();
        if let Some((closed, Step::Close)) = steps.last().cloned() {
            let grade = ["satisfied", "basic", "dissatisfied"][i % 3];
            ratings.push((closed + Duration::days(2), grade));
            if grade == "dissatisfied" && i % 2 == 0 {
                steps.push((closed + Duration::days(3), Step::Reopen));
            }
        }
        out.push(Case {
            district,
            bureau,
            industry: INDUSTRIES[i % 3].0,
            tips,
            steps,
            overdue,
            supervise,
            ratings,
        });
    }
    let plain = |at: NaiveDateTime, src: Src, steps: Vec<(NaiveDateTime, Step)>| Case {
        district: Some("baoan"),
        bureau: Some("industry_it"),
        industry: "steel",
        tips: vec![(at, src)],
        steps,
        overdue: Vec::new(),
        supervise: Vec::new(),
        ratings: Vec::new(),
    };
    // 2019-06-30 23:30 in China is in H1, dispatched in its last minutes;
    // the finding at midnight China time is in H2.
    out.push(plain(
        utc(2019, 6, 30, 15, 30, 0),
        Src::Web,
        vec![
            (utc(2019, 6, 30, 15, 45, 0), Step::Dispatch("industry_it")),
            (utc(2019, 6, 30, 15, 59, 59), Step::Accept),
            (utc(2019, 6, 30, 16, 0, 0), Step::Verify("substantiated")),
        ],
    ));
    // 2019-07-01 00:30 in China is in H2.
    out.push(plain(utc(2019, 6, 30, 16, 30, 0), Src::Hotline, Vec::new()));
    // 2019-01-01 00:00 in China opens H1; a second before is 2018.
    out.push(plain(
        utc(2018, 12, 31, 16, 0, 0),
        Src::Platform,
        Vec::new(),
    ));
    out.push(plain(
        utc(2018, 12, 31, 15, 59, 59),
        Src::National,
        Vec::new(),
    ));
    // First dispatched and returned in 2018, dispatched again in 2019: no
    // dispatch time in H1, verification counted from the first dispatch.
    out.push(plain(
        cn(2018, 12, 20, 9, 0),
        Src::Hotline,
        vec![
            (cn(2018, 12, 22, 9, 0), Step::Dispatch("industry_it")),
            (cn(2018, 12, 28, 15, 0), Step::Return),
            (cn(2019, 1, 3, 9, 0), Step::Dispatch("ecology_environment")),
            (cn(2019, 1, 4, 9, 0), Step::Accept),
            (cn(2019, 1, 10, 21, 0), Step::Verify("substantiated")),
        ],
    ));
    // Yellow at the end of H1, off the list in H2.
    let early = |rest: Vec<(NaiveDateTime, Step)>| {
        let mut s = vec![
            (cn(2019, 5, 11, 9, 0), Step::Dispatch("market_regulation")),
            (cn(2019, 5, 12, 9, 0), Step::Accept),
            (cn(2019, 5, 20, 9, 0), Step::Verify("substantiated")),
        ];
        s.extend(rest);
        s
    };
    out.push(plain(
        cn(2019, 5, 10, 9, 0),
        Src::Api,
        early(vec![
            (cn(2019, 6, 1, 9, 0), Step::Order("rectify")),
            (cn(2019, 8, 1, 9, 0), Step::Reinspect(true)),
        ]),
    ));
    // Yellow at the end of H1, red in H2.
    out.push(plain(
        cn(2019, 5, 10, 10, 0),
        Src::Web,
        early(vec![
            (cn(2019, 6, 10, 9, 0), Step::Order("rectify")),
            (cn(2019, 7, 15, 9, 0), Step::Reinspect(false)),
        ]),
    ));
    out
}

fn admin() -> Who {
    Who {
        actor: "test:admin".into(),
        role: Role::Admin,
        bureau: None,
        scope: Scope::All,
    }
}

fn command(case: &Case, step: &Step, n: usize, at: NaiveDateTime) -> Command {
    use tipline::services::workflow::*;
    match step {
        Step::Dispatch(b) => Command::Dispatch(DispatchBody {
            lead_bureau: b.to_string(),
            co_bureaus: Vec::new(),
            district: case.district.unwrap().into(),
            enterprise_credit_code: Some(CreditCode::generate_valid(n as u64).as_str().into()),
            dimensions: Some(vec!["energy".into()]),
            industry: Some(case.industry.into()),
            note: None,
        }),
        Step::Accept => Command::Accept(NoteBody::default()),
        Step::Return => Command::Return(ReturnBody {
            reason: "不属本部门职责".into(),
            category: "not_ours".into(),
        }),
        Step::Verify(f) => Command::Verify(VerifyBody {
            finding: f.to_string(),
            inspected_on: Some(workflow::local_day(at)),
            inspectors: vec!["核查员".into()],
            evidence: Some("现场核查".into()),
        }),
        Step::Order(m) => Command::Order(OrderBody {
            measure: m.to_string(),
            due_on: None,
            note: None,
        }),
        Step::Reinspect(passed) => Command::Reinspect(ReinspectBody {
            passed: *passed,
            inspected_on: None,
            note: Some("复查".into()),
        }),
        Step::Exit(capacity, unit) => Command::AcceptExit(AcceptExitBody {
            equipment: "中频炉".into(),
            capacity: *capacity,
            unit: unit.to_string(),
            note: None,
        }),
        Step::Close => Command::Close(CloseBody {
            public_note: "已办结".into(),
        }),
        Step::Reopen => Command::Reopen(ReopenBody {
            public_note: "二次办理".into(),
        }),
    }
}

/// Write the fixture: cases, tips and relay tickets and notices through the
/// db layer (intake stamps the real clock), every step through the workflow
/// at its own time.
fn load(app: &TestApp, cases: &[Case]) {
    use tipline::db::{cases as case_db, measures, relays, tips};
    let pack = app.state.pack.clone();
    app.state
        .db
        .write_tx(|conn: &mut DbConnection| -> anyhow::Result<()> {
            let relay = relays::insert(
                conn,
                &relays::NewRelay {
                    name: "12345",
                    key_hash: b"hash",
                    key_prefix: "tk_test",
                    signing_sealed: b"sealed",
                    callback_url: None,
                    rate_limit: 0,
                    // Its Open311 requests count as 12345 calls.
                    source: "hotline",
                    at: cn(2018, 1, 1, 0, 0),
                },
            )?;
            let mut tip_no = 0;
            for (n, c) in cases.iter().enumerate() {
                let case_id = case_db::insert(
                    conn,
                    &case_db::NewCase {
                        status: "received",
                        industry: Some(c.industry),
                        district: c.district,
                        dimensions: "energy",
                        lead_bureau: c.bureau,
                        co_bureaus: "",
                        routing: "{}",
                        enterprise_id: None,
                        candidates: "[]",
                        place_key: None,
                        at: c.created(),
                    },
                )?;
                let mut first_tip = None;
                for (k, (at, src)) in c.tips.iter().enumerate() {
                    tip_no += 1;
                    if k > 0 {
                        case_db::add_tip(conn, case_id, *at)?;
                    }
                    let receipt = format!("receipt-{tip_no}");
                    let description = format!("夜里开中频炉炼钢 {SECRET}{tip_no}");
                    let tip_id = tips::insert(
                        conn,
                        &tips::NewTip {
                            receipt_hash: receipt.as_bytes(),
                            source: match src {
                                Src::Web => "web",
                                Src::Api => "api",
                                _ => "relay",
                            },
                            status: "received",
                            description: &description,
                            enterprise_name: None,
                            enterprise_credit_code: None,
                            address: None,
                            district: c.district,
                            industry: Some(c.industry),
                            dimensions: "energy",
                            occurred_on: None,
                            contact_sealed: None,
                            received_at: *at,
                            case_id: Some(case_id),
                            routing: None,
                            enterprise_id: None,
                            matching: None,
                        },
                    )?;
                    first_tip.get_or_insert(tip_id);
                    let channel = match src {
                        Src::Hotline => "hotline",
                        Src::Platform => "platform",
                        Src::National => "national",
                        Src::Open311 => "open311",
                        _ => continue,
                    };
                    relays::insert_ticket(
                        conn,
                        &relays::NewTicket {
                            relay_id: relay,
                            ticket_id: &format!("T-{tip_no}"),
                            tip_id,
                            channel,
                            content_hash: receipt.as_bytes(),
                            content: "{}",
                            answer_sealed: b"",
                            ticket_received_at: *at,
                            confidential: false,
                            at: *at,
                        },
                    )?;
                }
                for (at, step) in &c.steps {
                    workflow::apply(
                        conn,
                        &pack,
                        &admin(),
                        case_id,
                        command(c, step, n, *at),
                        *at,
                    )
                    .map_err(|err| anyhow::anyhow!("case {n} {step:?}: {err:?}"))?;
                }
                for (at, grade) in &c.ratings {
                    tipline::db::ratings::insert(
                        conn,
                        &tipline::db::ratings::NewRating {
                            tip_id: first_tip.unwrap(),
                            rating: grade,
                            comment: None,
                            source: "web",
                            rated_at: *at,
                        },
                    )?;
                }
                for (kind, times) in [("overdue", &c.overdue), ("supervise", &c.supervise)] {
                    for at in times {
                        measures::insert_notice(
                            conn,
                            &measures::NewNotice {
                                case_id,
                                kind,
                                step: "dispatch",
                                due_on: None,
                                body: "请抓紧办理",
                                created_by: "job:overdue",
                                at: *at,
                            },
                        )?;
                    }
                }
            }
            Ok(())
        })
        .unwrap();
}

// ---- the expected report, from the fixture alone ----

fn days(a: NaiveDateTime, b: NaiveDateTime) -> f64 {
    // Days to two decimals.
    ((b - a).num_seconds() as f64 / 86400.0 * 100.0).round() / 100.0
}

fn median_p90(mut v: Vec<f64>) -> (Option<f64>, Option<f64>) {
    if v.is_empty() {
        return (None, None);
    }
    v.sort_by(f64::total_cmp);
    let n = v.len();
    let median = if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    };
    // Nearest rank: the smallest value with at least 90 % at or below it.
    let rank = (9 * n).div_ceil(10);
    (Some(median), Some(v[rank - 1]))
}

#[derive(Default)]
struct Acc {
    row: Row,
    dispatch: Vec<f64>,
    verify: Vec<f64>,
}

/// Working days the fixture's cases (dimension `energy`) are given by the
/// Shenzhen pack's deadlines.toml: dispatch (`case_dispatch`) and
/// verification (`hotline_complaint_reply`).
const DISPATCH_DAYS: u32 = 1;
const VERIFY_DAYS: u32 = 15;

fn expected(
    cases: &[Case],
    period: &str,
    district: Option<&str>,
    cal: &tipline::domain::working_days::WorkCalendar,
) -> Report {
    let (from, to) = match period {
        "2019H1" => ((2019, 1, 1), (2019, 6, 30)),
        "2019H2" => ((2019, 7, 1), (2019, 12, 31)),
        _ => ((2019, 1, 1), (2019, 12, 31)),
    };
    let from = NaiveDate::from_ymd_opt(from.0, from.1, from.2).unwrap();
    let to = NaiveDate::from_ymd_opt(to.0, to.1, to.2).unwrap();
    let start = from.and_hms_opt(0, 0, 0).unwrap() - Duration::hours(8);
    let end = to.and_hms_opt(0, 0, 0).unwrap() + Duration::hours(16);
    let inside = |t: &NaiveDateTime| *t >= start && *t < end;

    let mut by_d: BTreeMap<String, Acc> = BTreeMap::new();
    let mut by_b: BTreeMap<String, Acc> = BTreeMap::new();
    let mut total = Acc::default();
    let mut add = |d: &str, b: &str, f: &dyn Fn(&mut Acc)| {
        f(by_d.entry(d.into()).or_default());
        f(by_b.entry(b.into()).or_default());
        f(&mut total);
    };
    // Every month of the period appears, zero where none came.
    let mut months: BTreeMap<String, i64> = BTreeMap::new();
    let mut d = from;
    while d <= to {
        months.insert(d.format("%Y-%m").to_string(), 0);
        d = d.succ_opt().unwrap();
    }
    let mut status: BTreeMap<String, i64> = BTreeMap::new();
    let mut matrix: BTreeMap<(String, String), i64> = BTreeMap::new();
    let mut capacity: BTreeMap<(String, String), (i64, f64)> = BTreeMap::new();
    for c in cases {
        let d = c.district.unwrap_or("");
        if district.is_some_and(|x| x != d) {
            continue;
        }
        let b = c.current_bureau();
        // 响应率 and 解决率: cases opened in the period, as of its end.
        let china_day = |t: NaiveDateTime| (t + Duration::hours(8)).date();
        let opened = china_day(c.created());
        if opened >= from && opened <= to {
            let dispatch_due = cal.add_working_days(opened, DISPATCH_DAYS);
            let answer_due = cal.add_working_days(dispatch_due, VERIFY_DAYS);
            let first = |want: fn(&Step) -> bool| {
                c.steps
                    .iter()
                    .find(|(at, s)| *at < end && want(s))
                    .map(|(at, _)| china_day(*at))
            };
            let dispatched = first(|s| matches!(s, Step::Dispatch(_)));
            let closed = first(|s| matches!(s, Step::Close));
            for (done, due, response) in [
                (dispatched, dispatch_due, true),
                (closed, answer_due, false),
            ] {
                let counted = done.is_some() || due < to;
                let in_time = done.is_some_and(|day| day <= due);
                add(d, b, &|a| {
                    let (n, base) = if response {
                        (&mut a.row.responded_in_time, &mut a.row.response_base)
                    } else {
                        (&mut a.row.resolved_in_time, &mut a.row.resolution_base)
                    };
                    *base += i64::from(counted);
                    *n += i64::from(in_time);
                });
            }
        }
        for (_, grade) in c.ratings.iter().filter(|r| inside(&r.0)) {
            let satisfied = *grade != "dissatisfied";
            add(d, b, &|a| {
                a.row.rated += 1;
                a.row.rated_satisfied += i64::from(satisfied);
            });
        }
        for (at, src) in c.tips.iter().filter(|t| inside(&t.0)) {
            let month = (*at + Duration::hours(8)).format("%Y-%m").to_string();
            *months.entry(month).or_default() += 1;
            add(d, b, &|a| match src {
                Src::Web | Src::Api => a.row.tips_form += 1,
                Src::Hotline | Src::Open311 => a.row.tips_12345 += 1,
                Src::Platform => a.row.tips_province += 1,
                Src::National => a.row.tips_national += 1,
            });
        }
        let mut first = None;
        let mut sent_to = b;
        // Standing on the lists when the period ends: (yellow, red, closed by law).
        let (mut yellow, mut red, mut by_law) = (false, false, false);
        let mut returned = false;
        for (at, step) in &c.steps {
            let now_in = inside(at);
            let was_returned = returned;
            returned = matches!(step, Step::Return);
            let returned = was_returned;
            match step {
                Step::Dispatch(to_bureau) => {
                    // After a return, a dispatch accepts it (to another bureau).
                    if returned && now_in {
                        add(d, sent_to, &|a| {
                            a.row.returns_accepted += 1;
                            a.row.redispatched += 1;
                        });
                    }
                    sent_to = *to_bureau;
                    if now_in {
                        add(d, to_bureau, &|a| a.row.dispatched += 1);
                    }
                    if first.is_none() {
                        first = Some(*at);
                        if now_in {
                            let x = days(c.created(), *at);
                            add(d, b, &|a| a.dispatch.push(x));
                        }
                    }
                }
                Step::Return if now_in => add(d, sent_to, &|a| a.row.returned += 1),
                Step::Reopen if now_in => add(d, b, &|a| a.row.reopened += 1),
                Step::Verify(f) if now_in => {
                    let x = days(first.unwrap(), *at);
                    add(d, b, &|a| {
                        a.verify.push(x);
                        match *f {
                            "substantiated" => a.row.substantiated += 1,
                            "partly" => a.row.partly += 1,
                            "unsubstantiated" => a.row.unsubstantiated += 1,
                            _ => a.row.unverifiable += 1,
                        }
                    });
                }
                Step::Order(m) if now_in && (*m == "close" || *m == "revoke_licence") => {
                    add(d, b, &|a| a.row.closures += 1)
                }
                Step::Exit(cap, unit) if now_in => {
                    let e = capacity
                        .entry((c.industry.into(), unit.to_string()))
                        .or_default();
                    e.0 += 1;
                    e.1 += cap;
                }
                _ => {}
            }
            if *at < end {
                match step {
                    Step::Order("rectify") if !red => yellow = true,
                    Step::Order("close" | "revoke_licence") => {
                        (yellow, red, by_law) = (false, true, true)
                    }
                    Step::Reinspect(true) if !by_law => (yellow, red) = (false, false),
                    Step::Reinspect(false) => (yellow, red) = (false, true),
                    _ => {}
                }
            }
        }
        if yellow {
            add(d, b, &|a| a.row.yellow += 1);
        }
        if red {
            add(d, b, &|a| a.row.red += 1);
        }
        for _ in c.overdue.iter().filter(|t| inside(t)) {
            add(d, b, &|a| a.row.overdue += 1);
            *matrix.entry((d.into(), b.into())).or_default() += 1;
        }
        if (c.created() + Duration::hours(8)).date() <= to {
            *status.entry(c.status_at(end).into()).or_default() += 1;
        }
    }
    let row = |name: String, key: String, a: Acc| {
        let r = &a.row;
        let findings = r.substantiated + r.partly + r.unsubstantiated + r.unverifiable;
        let share =
            |n: i64, of: i64| (of > 0).then(|| (n as f64 / of as f64 * 10000.0).round() / 10000.0);
        let rate = share(r.substantiated + r.partly, findings);
        let response_rate = share(r.responded_in_time, r.response_base);
        let resolution_rate = share(r.resolved_in_time, r.resolution_base);
        let satisfaction_rate = share(r.rated_satisfied, r.rated);
        let (dm, dp) = median_p90(a.dispatch);
        let (vm, vp) = median_p90(a.verify);
        Row {
            name,
            key,
            substantiated_rate: rate,
            response_rate,
            resolution_rate,
            satisfaction_rate,
            dispatch_days_median: dm,
            dispatch_days_p90: dp,
            verify_days_median: vm,
            verify_days_p90: vp,
            ..a.row
        }
    };
    let finish = |m: BTreeMap<String, Acc>, names: &[(&'static str, &'static str)], none: &str| {
        m.into_iter()
            .map(|(k, a)| row(name_of(names, &k, none), k, a))
            .collect()
    };
    Report {
        period: period.into(),
        from,
        to,
        district: district.map(str::to_string),
        by_district: finish(by_d, &DISTRICTS, "未定区"),
        by_bureau: finish(by_b, &BUREAUS, "未派单"),
        total: row("合计".into(), "total".into(), total),
        capacity: capacity
            .into_iter()
            .map(|((industry, unit), (n, cap))| CapacityRow {
                industry_name: name_of(&INDUSTRIES, &industry, ""),
                industry,
                unit,
                enterprises: n,
                capacity: (cap * 1000.0).round() / 1000.0,
            })
            .collect(),
        tips_per_month: months.into_iter().collect(),
        cases_by_status: status.into_iter().collect(),
        overdue_matrix: matrix.into_iter().map(|((d, b), n)| (d, b, n)).collect(),
    }
}

/// Row by row first (readable failures), then the whole JSON.
fn assert_report(got: &Report, want: &Report) {
    for (g, w, table) in [
        (&got.by_district, &want.by_district, "by_district"),
        (&got.by_bureau, &want.by_bureau, "by_bureau"),
    ] {
        let keys = |v: &[Row]| v.iter().map(|r| r.key.clone()).collect::<Vec<_>>();
        assert_eq!(keys(g), keys(w), "{} {table} keys", want.period);
        for (g, w) in g.iter().zip(w) {
            assert_eq!(g, w, "{} {table} row {}", want.period, w.key);
        }
    }
    assert_eq!(got.total, want.total, "{} total", want.period);
    assert_eq!(got.capacity, want.capacity, "{} capacity", want.period);
    assert_eq!(got.tips_per_month, want.tips_per_month);
    assert_eq!(got.cases_by_status, want.cases_by_status);
    assert_eq!(got.overdue_matrix, want.overdue_matrix);
    assert_eq!(
        serde_json::to_value(got).unwrap(),
        serde_json::to_value(want).unwrap()
    );
}

// ---- the workbook, read back ----

/// A cell as the JSON has it: text, number or nothing.
fn cell(d: &Data) -> Value {
    match d {
        Data::Empty => Value::Null,
        Data::String(s) => json!(s),
        Data::Float(x) => json!(x),
        Data::Int(i) => json!(*i as f64),
        other => panic!("unexpected cell {other:?}"),
    }
}

/// A JSON value as its cell reads back: numbers as floats, and an empty
/// key (a case without district or bureau) as an empty cell.
fn num(v: &Value) -> Value {
    match v {
        Value::Number(n) => json!(n.as_f64().unwrap()),
        Value::String(s) if s.is_empty() => Value::Null,
        other => other.clone(),
    }
}

/// Rows of cells.
type Table = Vec<Vec<Value>>;

/// Every sheet of the workbook against the report's JSON, cell by cell.
fn assert_workbook(bytes: &[u8], report: &Value) {
    let mut wb: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes.to_vec())).unwrap();
    let row_fields = [
        "key",
        "name",
        "tips_form",
        "tips_12345",
        "tips_province",
        "tips_national",
        "dispatched",
        "returned",
        "returns_accepted",
        "redispatched",
        "substantiated",
        "partly",
        "unsubstantiated",
        "unverifiable",
        "substantiated_rate",
        "dispatch_days_median",
        "dispatch_days_p90",
        "verify_days_median",
        "verify_days_p90",
        "overdue",
        "yellow",
        "red",
        "closures",
        "response_rate",
        "resolution_rate",
        "rated",
        "satisfaction_rate",
        "reopened",
    ];
    let rows_of = |rows: &[Value]| -> Vec<Vec<Value>> {
        rows.iter()
            .map(|r| row_fields.iter().map(|f| num(&r[f])).collect())
            .collect()
    };
    let rows = |table: &str| rows_of(report[table].as_array().unwrap());
    let capacity: Vec<Vec<Value>> = report["capacity"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            [
                "industry",
                "industry_name",
                "unit",
                "enterprises",
                "capacity",
            ]
            .iter()
            .map(|f| num(&c[f]))
            .collect()
        })
        .collect();
    let tuples = |key: &str| -> Vec<Vec<Value>> {
        report[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t.as_array().unwrap().iter().map(num).collect())
            .collect()
    };
    let labels: BTreeMap<&str, &str> = [
        ("received", "待派单"),
        ("dispatched", "已派单"),
        ("returned", "已退回"),
        ("verifying", "核查中"),
        ("verified", "已核查"),
        ("enforcing", "整改处置中"),
        ("reinspected", "复查通过"),
        ("exit_accepted", "已验收"),
        ("closed", "已办结"),
    ]
    .into();
    let status: Vec<Vec<Value>> = tuples("cases_by_status")
        .into_iter()
        .map(|t| {
            vec![
                t[0].clone(),
                json!(labels[t[0].as_str().unwrap()]),
                t[1].clone(),
            ]
        })
        .collect();
    let name = |table: &str, key: &Value| -> Value {
        let r = report[table]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| num(&r["key"]) == *key);
        r.unwrap()["name"].clone()
    };
    let matrix: Vec<Vec<Value>> = tuples("overdue_matrix")
        .into_iter()
        .map(|t| {
            vec![
                t[0].clone(),
                name("by_district", &t[0]),
                t[1].clone(),
                name("by_bureau", &t[1]),
                t[2].clone(),
            ]
        })
        .collect();
    let headers = |h: &[&str]| h.iter().map(|s| json!(s)).collect::<Vec<_>>();
    let sheets: Vec<(&str, Vec<Value>, Table)> = vec![
        ("按区", headers(&reports::ROW_HEADERS), {
            let mut r = rows("by_district");
            r.extend(rows_of(&[report["total"].clone()]));
            r
        }),
        ("按部门", headers(&reports::ROW_HEADERS), rows("by_bureau")),
        ("退出产能", headers(&reports::CAPACITY_HEADERS), capacity),
        (
            "每月举报",
            headers(&["月份", "举报数"]),
            tuples("tips_per_month"),
        ),
        ("案件状态", headers(&["状态代码", "状态", "案件数"]), status),
        (
            "逾期热力",
            headers(&["区代码", "区", "部门代码", "部门", "逾期数"]),
            matrix,
        ),
    ];
    assert_eq!(
        wb.sheet_names(),
        sheets.iter().map(|s| s.0.to_string()).collect::<Vec<_>>()
    );
    // Internal codes are the last columns: the sheet's names come first.
    let codes_last = |sheet: &str, row: &[Value]| -> Vec<Value> {
        let codes: &[usize] = match sheet {
            "每月举报" => &[],
            "逾期热力" => &[0, 2],
            _ => &[0],
        };
        (0..row.len())
            .filter(|c| !codes.contains(c))
            .chain(codes.iter().copied())
            .map(|c| row[c].clone())
            .collect()
    };
    let period = report["period"].as_str().unwrap().to_string();
    for (sheet, header, body) in sheets {
        let range = wb.worksheet_range(sheet).unwrap();
        assert_eq!(range.start(), Some((0, 0)), "{sheet}");
        let got: Vec<Vec<Value>> = range.rows().map(|r| r.iter().map(cell).collect()).collect();
        // A title with the period, then the period's dates and the units.
        let title = got[0][0].as_str().unwrap();
        assert!(
            title.contains("落后产能举报办理情况报表") && title.contains(sheet),
            "{title}"
        );
        assert!(title.contains(&period[..4]), "{title}");
        let sub = got[1][0].as_str().unwrap();
        assert!(sub.contains("报告期") && sub.contains("单位"), "{sub}");
        let got = got[2..].to_vec();
        let header = codes_last(sheet, &header);
        let body: Vec<Vec<Value>> = body.iter().map(|r| codes_last(sheet, r)).collect();
        assert_eq!(got[0], header, "{sheet} header");
        assert_eq!(got.len(), body.len() + 1, "{sheet} rows");
        for (i, (g, w)) in got[1..].iter().zip(&body).enumerate() {
            // A row may end in empty cells the sheet does not store.
            let mut w = w.clone();
            w.resize(g.len().max(w.len()), Value::Null);
            let mut g = g.clone();
            g.resize(w.len(), Value::Null);
            assert_eq!(g, w, "{sheet} row {}", i + 2);
        }
    }
}

/// Every tip's text carries this mark; no report output may.
const SECRET: &str = "举报人原文XJ";

/// Every cell of every sheet, as text.
fn workbook_text(bytes: &[u8]) -> String {
    let mut wb: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes.to_vec())).unwrap();
    let mut out = String::new();
    for name in wb.sheet_names() {
        let range = wb.worksheet_range(&name).unwrap();
        for row in range.rows() {
            for c in row {
                out.push_str(&c.to_string());
                out.push('\t');
            }
        }
    }
    out
}

#[test]
fn half_year_report_on_two_hundred_cases() {
    let app = TestApp::spawn();
    let cases = fixture();
    assert!(cases.len() >= 200);
    load(&app, &cases);
    let pack = app.state.pack.clone();
    let build = |period: &str, district: Option<&str>| {
        let mut conn = app.state.db.read_conn().unwrap();
        let ask = reports::ReportRequest::parse(&pack, period, district).unwrap();
        reports::build(&mut conn, &pack, &ask).unwrap()
    };

    let cal = pack.work_calendar();
    let h1 = build("2019H1", None);
    let want = expected(&cases, "2019H1", None, &cal);
    // The fixture reaches every table and every kind of figure.
    assert!(want.by_district.len() == 6 && want.by_bureau.len() == 5);
    let total = |f: fn(&Row) -> i64| want.by_district.iter().map(f).sum::<i64>();
    for (what, n) in [
        ("form", total(|r| r.tips_form)),
        ("12345", total(|r| r.tips_12345)),
        ("province", total(|r| r.tips_province)),
        ("national", total(|r| r.tips_national)),
        ("returned", total(|r| r.returned)),
        ("partly", total(|r| r.partly)),
        ("unsubstantiated", total(|r| r.unsubstantiated)),
        ("unverifiable", total(|r| r.unverifiable)),
        ("overdue", total(|r| r.overdue)),
        ("yellow", total(|r| r.yellow)),
        ("red", total(|r| r.red)),
        ("closures", total(|r| r.closures)),
        ("rated", total(|r| r.rated)),
        ("reopened", total(|r| r.reopened)),
        ("responded in time", total(|r| r.responded_in_time)),
        (
            "responded late",
            total(|r| r.response_base - r.responded_in_time),
        ),
        ("resolved in time", total(|r| r.resolved_in_time)),
        (
            "resolved late",
            total(|r| r.resolution_base - r.resolved_in_time),
        ),
        ("dissatisfied", total(|r| r.rated - r.rated_satisfied)),
    ] {
        assert!(n > 0, "the fixture has no {what} in H1");
    }
    assert!(want.capacity.len() >= 4 && want.cases_by_status.len() == 9);
    // Some cases moved on after H1: the report shows their status then.
    let h1_end = cn(2019, 7, 1, 0, 0);
    let later = cn(2100, 1, 1, 0, 0);
    assert!(
        cases
            .iter()
            .any(|c| c.status_at(h1_end) != c.status_at(later))
    );
    assert_report(&h1, &want);

    // The edges of the period, spelled out.
    let month = |r: &Report, m: &str| r.tips_per_month.iter().find(|x| x.0 == m).map(|x| x.1);
    assert_eq!(month(&h1, "2018-12"), None);
    assert_eq!(month(&h1, "2019-07"), None);
    assert_eq!(h1.tips_per_month.len(), 6);

    assert_report(
        &build("2019H2", None),
        &expected(&cases, "2019H2", None, &cal),
    );
    let year = build("2019", None);
    assert_report(&year, &expected(&cases, "2019", None, &cal));
    // Months without tips are shown as zero, not skipped.
    assert_eq!(year.tips_per_month.len(), 12);
    assert_eq!(month(&year, "2019-11"), Some(0));
    assert_report(
        &build("2019H1", Some("宝安区")),
        &expected(&cases, "2019H1", Some("baoan"), &cal),
    );

    // The workbook says what the JSON says.
    let json = serde_json::to_value(&h1).unwrap();
    let bytes = tipline::services::report_xlsx::to_xlsx(&h1).unwrap();
    assert_workbook(&bytes, &json);

    // The command line: JSON on stdout, XLSX into a file.
    let report = |args: &[&str]| {
        Process::new(BIN)
            .args(["report", "--period", "2019H1"])
            .args(args)
            .env("DATABASE_URL", &app.db.url)
            .env("TIPLINE_DATA_DIR", app.db.dir.path())
            .output()
            .unwrap()
    };
    let run = |args: &[&str]| {
        let out = report(args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        out.stdout
    };
    // A district or period that cannot be: the command fails and says why.
    for (args, reason) in [
        (&["--district", "atlantis"][..], "no such district"),
        (&["--format", "pdf"][..], "unknown format"),
    ] {
        let out = report(args);
        assert!(!out.status.success(), "{args:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(reason), "{args:?}: {err}");
    }
    let stdout: Value = serde_json::from_slice(&run(&["--format", "json"])).unwrap();
    assert_eq!(stdout, json);
    let file = app.db.dir.path().join("report.xlsx");
    run(&["--format", "xlsx", "--output", file.to_str().unwrap()]);
    assert_workbook(&std::fs::read(&file).unwrap(), &json);

    // No output of the report carries a tip's text: the JSON, the CSV, the
    // workbook's cells, the staff page and the API's files.
    app.add_user("boss", "admin", None, None);
    let (cookie, _) = app.login("boss");
    let mut outputs = vec![
        json.to_string(),
        reports::to_csv(&h1),
        workbook_text(&bytes),
        String::from_utf8(run(&["--format", "csv"])).unwrap(),
    ];
    for path in [
        "/staff/reports?period=2019H1",
        "/api/v1/reports?period=2019H1&format=json",
        "/api/v1/reports?period=2019H1&format=csv",
    ] {
        let res = app.send("GET", path, Some(&cookie), None, None);
        assert_eq!(res.status, 200, "{path}: {}", res.body);
        outputs.push(res.body);
    }
    assert!(outputs.iter().all(|o| o.contains("宝安区")));
    // The 12345 rates, worked out from the fixture, in the CSV and on the page.
    let t = &want.total;
    let csv = String::from_utf8(run(&["--format", "csv"])).unwrap();
    let total_row: Vec<&str> = csv
        .lines()
        .find(|l| l.starts_with("total,"))
        .unwrap()
        .split(',')
        .collect();
    let col = |h: &str| reports::ROW_HEADERS.iter().position(|x| *x == h).unwrap();
    let plain = |v: Option<f64>| v.map(|v| v.to_string()).unwrap();
    assert_eq!(total_row[col("响应率")], plain(t.response_rate));
    assert_eq!(total_row[col("解决率")], plain(t.resolution_rate));
    assert_eq!(total_row[col("满意率")], plain(t.satisfaction_rate));
    assert_eq!(total_row[col("评价数")], t.rated.to_string());
    assert_eq!(total_row[col("二次办理数")], t.reopened.to_string());
    let pct = |v: Option<f64>| format!("{:.1}%", v.unwrap() * 100.0);
    let cells = format!(
        "<td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>",
        pct(t.response_rate),
        pct(t.resolution_rate),
        t.rated,
        pct(t.satisfaction_rate),
        t.reopened
    );
    assert!(outputs[4].contains(&cells), "{cells} not on the page");
    // The mark is there to find: staff see it on a case page.
    let case = app.send("GET", "/api/v1/cases/1", Some(&cookie), None, None);
    assert!(case.body.contains(SECRET), "{}", case.body);
    for o in &outputs {
        assert!(!o.contains(SECRET), "tip text in a report output: {o}");
        assert!(!o.contains("中频炉炼钢"), "tip text in a report output");
    }
}
