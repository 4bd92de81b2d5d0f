//! Deadlines of enforcement measures: "rectify within 6 months; one extension
//! of at most 3 months" (深圳2019 二(一)2). The numbers come from the pack;
//! this module holds the rule.
use chrono::{Months, NaiveDate};

/// A rectification limit as the pack states it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RectifyRule {
    /// The pack deadline's key, recorded with the measure.
    pub key: String,
    pub months: u32,
    pub extensions_max: u32,
    pub extension_months_max: u32,
}

/// Why an extension is refused (422).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExtensionRefused {
    /// Months must be at least 1.
    NoMonths,
    /// More months than the pack allows.
    TooLong { max: u32 },
    /// The pack's number of extensions is used up.
    NoMoreExtensions { max: u32 },
}

impl ExtensionRefused {
    pub fn zh(&self) -> String {
        match self {
            ExtensionRefused::NoMonths => "延期月数须至少为1".into(),
            ExtensionRefused::TooLong { max } => format!("延期不得超过{max}个月"),
            ExtensionRefused::NoMoreExtensions { max } => format!("整改期限只能延期{max}次"),
        }
    }

    pub fn en(&self) -> String {
        match self {
            ExtensionRefused::NoMonths => "an extension is at least 1 month".into(),
            ExtensionRefused::TooLong { max } => format!("an extension is at most {max} months"),
            ExtensionRefused::NoMoreExtensions { max } => {
                format!("the deadline may be extended only {max} time(s)")
            }
        }
    }
}

/// `d` plus `months` calendar months; the 31st of a short month falls back
/// to its last day (31 Aug + 6 months = 28/29 Feb).
pub fn add_months(d: NaiveDate, months: u32) -> NaiveDate {
    d.checked_add_months(Months::new(months)).unwrap_or(d)
}

/// The due date of a new rectification order.
pub fn rectify_due(rule: &RectifyRule, ordered_on: NaiveDate) -> NaiveDate {
    add_months(ordered_on, rule.months)
}

/// Check an extension of an order that was already extended `done` times,
/// and return the new due date.
pub fn extend(
    rule: &RectifyRule,
    due_on: NaiveDate,
    done: u32,
    months: u32,
) -> Result<NaiveDate, ExtensionRefused> {
    if months == 0 {
        return Err(ExtensionRefused::NoMonths);
    }
    if done >= rule.extensions_max {
        return Err(ExtensionRefused::NoMoreExtensions {
            max: rule.extensions_max,
        });
    }
    if months > rule.extension_months_max {
        return Err(ExtensionRefused::TooLong {
            max: rule.extension_months_max,
        });
    }
    Ok(add_months(due_on, months))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn energy() -> RectifyRule {
        RectifyRule {
            key: "energy_rectification".into(),
            months: 6,
            extensions_max: 1,
            extension_months_max: 3,
        }
    }

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn six_months_then_one_extension_of_at_most_three() {
        let due = rectify_due(&energy(), d("2019-08-31"));
        assert_eq!(due, d("2020-02-29"));
        assert_eq!(
            extend(&energy(), due, 0, 4),
            Err(ExtensionRefused::TooLong { max: 3 })
        );
        let due = extend(&energy(), due, 0, 3).unwrap();
        assert_eq!(due, d("2020-05-29"));
        assert_eq!(
            extend(&energy(), due, 1, 1),
            Err(ExtensionRefused::NoMoreExtensions { max: 1 })
        );
        assert_eq!(
            extend(&energy(), due, 0, 0),
            Err(ExtensionRefused::NoMonths)
        );
    }
}
