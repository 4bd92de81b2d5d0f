//! Demo data for a first look: `cargo run --release` on the default SQLite
//! file loads fictional enterprises (seeds/demo), a few tips taken through
//! the real intake and workflow (so the queue, the public lists and the
//! report have something to show), and creates demo staff accounts with one
//! random password, printed once. Never on an explicit
//! DATABASE_URL unless `TIPLINE_DEMO=1`; `TIPLINE_DEMO=0` turns it off.
use include_dir::{Dir, include_dir};

use crate::db::{self, enterprises, users};
use crate::domain::role::{Role, Scope};
use crate::domain::tip::TipInput;
use crate::domain::tip_status::TipSource;
use crate::services::accounts::{NewUser, add_user};
use crate::services::workflow::{
    AcceptExitBody, Command, DispatchBody, NoteBody, OrderBody, ReinspectBody, VerifyBody, Who,
};
use crate::services::{intake, registry, workflow};
use crate::state::AppState;

static DEMO: Dir<'static> = include_dir!("$CARGO_MANIFEST_DIR/seeds/demo");

/// Demo accounts: (username, role, bureau).
const ACCOUNTS: [(&str, Role, Option<&str>); 4] = [
    ("demo-admin", Role::Admin, None),
    ("demo-dispatcher", Role::Dispatcher, None),
    ("demo-industry", Role::Bureau, Some("industry_it")),
    (
        "demo-environment",
        Role::Bureau,
        Some("ecology_environment"),
    ),
];

/// Whether to load the demo: asked for, or running on the default database.
pub fn wanted(database_url: &str, default_url: &str) -> bool {
    match std::env::var("TIPLINE_DEMO").ok().as_deref() {
        Some("1" | "true" | "on") => true,
        Some(_) => false,
        None => database_url == default_url,
    }
}

/// Load what is missing: enterprises into an empty registry, accounts into
/// an empty user table.
pub fn load(state: &AppState) -> anyhow::Result<()> {
    let (empty_registry, no_users) = {
        let mut conn = state.db.read_conn()?;
        (
            enterprises::count(&mut conn)? == 0,
            users::list(&mut conn)?.is_empty(),
        )
    };
    if empty_registry {
        let csv = DEMO
            .get_file("enterprises.csv")
            .expect("seeds/demo/enterprises.csv")
            .contents();
        let report = registry::import_csv(&state.db, &state.pack, csv, "demo", |_| {})?;
        state.registry.refresh(&state.db)?;
        tracing::info!(imported = report.imported, "demo enterprises loaded");
        demo_cases(state)?;
    }
    if no_users {
        let mut bytes = [0u8; 9];
        getrandom::fill(&mut bytes).expect("the OS random generator failed");
        let password = format!("demo-{}", hex::encode(bytes));
        for (username, role, bureau) in ACCOUNTS {
            let user = NewUser {
                username: username.into(),
                password: password.clone(),
                role,
                bureau: bureau.map(str::to_string),
                district: None,
            };
            add_user(&state.db, &state.pack, user).map_err(|e| anyhow::anyhow!("{e:?}"))?;
        }
        println!(
            "Demo staff accounts (shown once): {}",
            ACCOUNTS.map(|a| a.0).join(", ")
        );
        println!("Password for all of them: {password}");
        println!("Log in at /staff/login; set TIPLINE_DEMO=0 to start without demo data.");
    }
    Ok(())
}

/// A demo tip: (firm, credit code, district, industry, dimension, what was seen).
type DemoTip = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

/// Where each demo case is left: waiting for dispatch, with a bureau, on
/// the yellow list, on the red list, closed with its exit accepted, and
/// closed two months ago with an exit deadline that passed (the daily job
/// proposes joint punishment for it). With each, how many days ago its
/// tip came in; its steps follow a minute apart.
const DEMO_CASES: [(DemoTip, i64, &[Step]); 6] = [
    (
        (
            "深圳市绿源印染有限公司沙井分公司",
            "914403061922040820",
            "baoan",
            "dyeing",
            "environment",
            "每晚十一点后排污口排出深色废水流入河涌，气味刺鼻。",
        ),
        0,
        &[],
    ),
    (
        (
            "深圳市宏达钢铁制品有限公司",
            "91440307192203872K",
            "longgang",
            "steel",
            "ditiaogang",
            "厂房内有两台中频炉夜间开工，用废钢直接炼钢，疑似地条钢。",
        ),
        0,
        &[Step::Dispatch],
    ),
    (
        (
            "深圳市宏达钢铁有限公司",
            "914403061922038057",
            "baoan",
            "steel",
            "energy",
            "轧钢生产线仍在使用已列入淘汰目录的设备，能耗很高。",
        ),
        0,
        &[
            Step::Dispatch,
            Step::Accept,
            Step::Verify,
            Step::Order("rectify", None),
        ],
    ),
    (
        (
            "深圳市绿源印染有限公司",
            "914403061922040152",
            "baoan",
            "dyeing",
            "environment",
            "印染车间废水未经处理直排，整改后仍有偷排。",
        ),
        0,
        &[
            Step::Dispatch,
            Step::Accept,
            Step::Verify,
            Step::Order("rectify", Some(3)),
            Step::Reinspect(false),
        ],
    ),
    (
        (
            "深圳市宏大钢铁有限公司",
            "91440306192203944X",
            "baoan",
            "steel",
            "ditiaogang",
            "工业区内有中频炉生产地条钢，已停产但设备未拆除。",
        ),
        0,
        &[
            Step::Dispatch,
            Step::Accept,
            Step::Verify,
            Step::Order("close", None),
            Step::Reinspect(true),
            Step::Exit,
        ],
    ),
    (
        (
            "深圳市华南水泥有限公司",
            "914403091922041544",
            "longhua",
            "cement",
            "technology",
            "厂区仍有一座机械化立窑在生产，属于淘汰类装备。",
        ),
        60,
        &[
            Step::Dispatch,
            Step::Accept,
            Step::Verify,
            // Exit within a month: that month ended a month ago.
            Step::Order("close", Some(1)),
        ],
    ),
];

fn demo_cases(state: &AppState) -> anyhow::Result<()> {
    let who = Who {
        actor: "demo".into(),
        role: Role::Admin,
        bureau: None,
        scope: Scope::All,
    };
    for ((name, code, district, industry, dimension, seen), days_ago, steps) in DEMO_CASES {
        let came_in = db::now() - chrono::Duration::days(days_ago);
        let input = TipInput {
            description: seen.into(),
            enterprise_name: Some(name.into()),
            district: Some(district.into()),
            industry: Some(industry.into()),
            dimensions: Some(vec![dimension.into()]),
            ..Default::default()
        };
        let draft = intake::check(state, input).map_err(|e| anyhow::anyhow!("demo tip: {e:?}"))?;
        let mut prepared = intake::prepare(state, draft, TipSource::Web);
        prepared.received_at = came_in;
        state.db.write_tx(|conn| -> anyhow::Result<()> {
            let (_, case_id) = intake::insert_tip(conn, &prepared)
                .map_err(|e| anyhow::anyhow!("demo tip: {e:?}"))?;
            let lead = if industry == "dyeing" {
                "ecology_environment"
            } else {
                "industry_it"
            };
            for (n, step) in steps.iter().enumerate() {
                let at = came_in + chrono::Duration::minutes(n as i64 + 1);
                let cmd = demo_step(step, at, lead, district, industry, dimension, code);
                workflow::apply(conn, &state.pack, &who, case_id, cmd, at)
                    .map_err(|e| anyhow::anyhow!("demo case {name} {step:?}: {e:?}"))?;
            }
            Ok(())
        })?;
    }
    tracing::info!(cases = DEMO_CASES.len(), "demo cases loaded");
    Ok(())
}

#[derive(Debug)]
enum Step {
    Dispatch,
    Accept,
    /// A substantiated finding.
    Verify,
    /// A measure; a deadline in months where the pack gives none (the
    /// environment dimension has no rectification months in Shenzhen's).
    Order(&'static str, Option<u32>),
    Reinspect(bool),
    Exit,
}

fn demo_step(
    step: &Step,
    at: chrono::NaiveDateTime,
    lead: &str,
    district: &str,
    industry: &str,
    dimension: &str,
    code: &str,
) -> Command {
    match *step {
        Step::Dispatch => Command::Dispatch(DispatchBody {
            lead_bureau: lead.into(),
            co_bureaus: Vec::new(),
            district: district.into(),
            enterprise_credit_code: Some(code.into()),
            dimensions: Some(vec![dimension.into()]),
            industry: Some(industry.into()),
            note: None,
        }),
        Step::Accept => Command::Accept(NoteBody::default()),
        Step::Verify => Command::Verify(VerifyBody {
            finding: "substantiated".into(),
            inspected_on: Some(workflow::local_day(at)),
            inspectors: vec!["王明".into(), "李华".into()],
            evidence: Some("现场核查：中频炉两台在用，拍照取证。".into()),
        }),
        Step::Order(measure, months) => Command::Order(OrderBody {
            measure: measure.into(),
            due_on: months
                .and_then(|m| workflow::local_day(at).checked_add_months(chrono::Months::new(m))),
            note: None,
        }),
        Step::Reinspect(passed) => Command::Reinspect(ReinspectBody {
            passed,
            inspected_on: Some(workflow::local_day(at)),
            note: Some(if passed {
                "复查：设备已拆除，未见生产。".into()
            } else {
                "复查：仍在生产，整改未完成。".into()
            }),
        }),
        Step::Exit => Command::AcceptExit(AcceptExitBody {
            equipment: "中频炉 2 台".into(),
            capacity: 3.5,
            unit: "万吨/年".into(),
            note: None,
        }),
    }
}
