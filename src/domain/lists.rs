//! 黄牌、红牌名单的判定：纯函数，由案件的处置措施和复查记录推出。
//! Yellow and red list membership, derived from a case's measures and
//! re-inspections (never typed in by hand).
//!
//! - Yellow (黄牌): from a rectification order until a re-inspection passes.
//! - Red (红牌): from a failed re-inspection, a closure or a licence
//!   revocation. A closure or revocation keeps the case red for good ("closed
//!   by law"); a red from a failed re-inspection alone ends when a later
//!   re-inspection passes (the firm met the standard after all).
use chrono::NaiveDate;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ListKind {
    Yellow,
    Red,
    Exit,
}

impl ListKind {
    pub fn parse(s: &str) -> Option<ListKind> {
        match s {
            "yellow" => Some(ListKind::Yellow),
            "red" => Some(ListKind::Red),
            "exit" => Some(ListKind::Exit),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ListKind::Yellow => "yellow",
            ListKind::Red => "red",
            ListKind::Exit => "exit",
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            ListKind::Yellow => "黄牌企业名单",
            ListKind::Red => "红牌企业名单",
            ListKind::Exit => "落后产能退出名单",
        }
    }
}

/// The measures that put a case on the yellow or red list.
pub const LISTING_MEASURES: [&str; 3] = ["rectify", "close", "revoke_licence"];

/// One thing that happened to a case, in the order it happened.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A measure was ordered (`rectify`, `close`, …) on `on`, due `due_on`.
    Ordered {
        measure: String,
        on: NaiveDate,
        due_on: NaiveDate,
    },
    Reinspected {
        passed: bool,
        on: NaiveDate,
    },
}

/// Where a case stands on the yellow or red list now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Standing {
    pub list: ListKind,
    /// The day it joined this list.
    pub since: NaiveDate,
    /// The measure (or `reinspection_failed`) that put it there.
    pub measure: String,
    /// The rectification deadline, on the yellow list.
    pub due_on: Option<NaiveDate>,
}

/// Fold the events of one case (in order) into its current standing.
pub fn standing(events: &[Event]) -> Option<Standing> {
    let mut cur: Option<Standing> = None;
    let mut closed_by_law = false;
    for e in events {
        match e {
            Event::Ordered {
                measure,
                on,
                due_on,
            } => match measure.as_str() {
                "rectify"
                    if !matches!(
                        cur,
                        Some(Standing {
                            list: ListKind::Red,
                            ..
                        })
                    ) =>
                {
                    cur = Some(Standing {
                        list: ListKind::Yellow,
                        since: *on,
                        measure: measure.clone(),
                        due_on: Some(*due_on),
                    });
                }
                "close" | "revoke_licence" => {
                    closed_by_law = true;
                    // Already red: keep the first day, name the stronger measure.
                    let since = match &cur {
                        Some(s) if s.list == ListKind::Red => s.since,
                        _ => *on,
                    };
                    cur = Some(Standing {
                        list: ListKind::Red,
                        since,
                        measure: measure.clone(),
                        due_on: None,
                    });
                }
                _ => {}
            },
            Event::Reinspected { passed: true, .. } => {
                if !closed_by_law {
                    cur = None;
                }
            }
            Event::Reinspected { passed: false, on } => {
                if !matches!(
                    cur,
                    Some(Standing {
                        list: ListKind::Red,
                        ..
                    })
                ) {
                    cur = Some(Standing {
                        list: ListKind::Red,
                        since: *on,
                        measure: "reinspection_failed".into(),
                        due_on: None,
                    });
                }
            }
        }
    }
    cur
}

/// The Chinese name of a measure as the public lists show it.
pub fn measure_zh(m: &str) -> &'static str {
    match m {
        "rectify" => "限期整改",
        "suspend" => "停产整治",
        "close" => "关停退出",
        "revoke_licence" => "吊销证照",
        "dismantle" => "拆除主体设备",
        "seal" => "封存并限期拆除",
        "reinspection_failed" => "复查仍不达标",
        "exit_accepted" => "退出验收",
        _ => "其他",
    }
}

/// Measures whose due date is an exit deadline: missing it without an
/// accepted exit calls for joint punishment (DOMAIN.md step 6).
pub fn is_exit_measure(m: &str) -> bool {
    matches!(m, "close" | "revoke_licence" | "dismantle" | "seal")
}

/// Quote a CSV cell; a leading `= + - @` is defused so Excel shows text.
pub fn csv_cell(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) || s.starts_with('\'') {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

/// A CSV document, UTF-8 with a byte-order mark so Excel reads Chinese.
pub fn csv_document(header: &[&str], rows: &[Vec<String>]) -> String {
    let mut out = String::from("\u{feff}");
    out.push_str(&header.join(","));
    out.push_str("\r\n");
    for r in rows {
        let cells: Vec<String> = r.iter().map(|c| csv_cell(c)).collect();
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn order(m: &str, on: &str) -> Event {
        Event::Ordered {
            measure: m.into(),
            on: d(on),
            due_on: d("2020-06-30"),
        }
    }

    fn re(passed: bool, on: &str) -> Event {
        Event::Reinspected { passed, on: d(on) }
    }

    #[test]
    fn rectification_is_yellow_until_reinspection_passes() {
        let s = standing(&[order("rectify", "2019-03-01")]).unwrap();
        assert_eq!(s.list, ListKind::Yellow);
        assert_eq!(s.due_on, Some(d("2020-06-30")));
        assert!(standing(&[order("rectify", "2019-03-01"), re(true, "2019-09-01")]).is_none());
    }

    #[test]
    fn failed_reinspection_closure_and_revocation_are_red() {
        let s = standing(&[order("rectify", "2019-03-01"), re(false, "2019-09-01")]).unwrap();
        assert_eq!((s.list, s.since), (ListKind::Red, d("2019-09-01")));
        // Closure keeps the first red day; a passed check of the closure keeps it red.
        let s = standing(&[
            order("rectify", "2019-03-01"),
            re(false, "2019-09-01"),
            order("close", "2019-09-05"),
            re(true, "2019-10-01"),
        ])
        .unwrap();
        assert_eq!(
            (s.list, s.since, s.measure.as_str()),
            (ListKind::Red, d("2019-09-01"), "close")
        );
        let s = standing(&[order("revoke_licence", "2019-03-01")]).unwrap();
        assert_eq!(s.list, ListKind::Red);
        // A failed check followed by a pass (without closure) leaves the list.
        assert!(
            standing(&[
                order("rectify", "2019-03-01"),
                re(false, "2019-09-01"),
                re(true, "2019-10-01")
            ])
            .is_none()
        );
        assert!(standing(&[order("suspend", "2019-03-01")]).is_none());
    }

    #[test]
    fn csv_has_bom_and_defuses_formulas() {
        let doc = csv_document(&["a", "b"], &[vec!["=1+1".into(), "x,y".into()]]);
        assert!(doc.starts_with('\u{feff}'));
        assert!(doc.contains("\"'=1+1\",\"x,y\""));
    }
}
