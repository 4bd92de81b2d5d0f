//! 回访 and 评价: the reporter's rating of a closed case's outcome, the last
//! two steps of the 12345 process (国办发〔2020〕53号: 受理、派单、办理、回复、
//! 督办、办结、回访、评价). Three grades, as the 12345 platforms use.
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Rating {
    /// 满意
    Satisfied,
    /// 基本满意
    Basic,
    /// 不满意
    Dissatisfied,
}

impl Rating {
    pub const ALL: [Rating; 3] = [Rating::Satisfied, Rating::Basic, Rating::Dissatisfied];

    pub fn as_str(self) -> &'static str {
        match self {
            Rating::Satisfied => "satisfied",
            Rating::Basic => "basic",
            Rating::Dissatisfied => "dissatisfied",
        }
    }

    pub fn parse(s: &str) -> Option<Rating> {
        Rating::ALL.into_iter().find(|r| r.as_str() == s.trim())
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Rating::Satisfied => "满意",
            Rating::Basic => "基本满意",
            Rating::Dissatisfied => "不满意",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Rating::Satisfied => "Satisfied",
            Rating::Basic => "Basically satisfied",
            Rating::Dissatisfied => "Dissatisfied",
        }
    }

    /// Counts toward the satisfaction rate ((满意 + 基本满意) / rated).
    pub fn is_satisfied(self) -> bool {
        !matches!(self, Rating::Dissatisfied)
    }
}

/// The dispatcher's answer to a dissatisfied rating.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Review {
    /// The case was reopened for 二次办理.
    Reopened,
    /// Not reopened; the reason is recorded.
    Declined,
}

impl Review {
    pub fn as_str(self) -> &'static str {
        match self {
            Review::Reopened => "reopened",
            Review::Declined => "declined",
        }
    }

    pub fn parse(s: &str) -> Option<Review> {
        [Review::Reopened, Review::Declined]
            .into_iter()
            .find(|r| r.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Review::Reopened => "已二次办理",
            Review::Declined => "不予重办",
        }
    }
}

/// The longest comment a rating carries.
pub const COMMENT_MAX: usize = 500;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grades_round_trip_and_count() {
        for r in Rating::ALL {
            assert_eq!(Rating::parse(r.as_str()), Some(r));
        }
        assert_eq!(Rating::parse("great"), None);
        assert!(Rating::Basic.is_satisfied());
        assert!(!Rating::Dissatisfied.is_satisfied());
        assert_eq!(Review::parse("reopened"), Some(Review::Reopened));
    }
}
