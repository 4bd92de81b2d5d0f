//! The case state machine (DOMAIN.md, "the life of a tip", steps 3–7).
//!
//! Every transition is an explicit match arm below: from which states an
//! action may be taken, which party may take it, and where it leads. The
//! service records what each action carries (finding, measure, note) in the
//! same transaction and the audit log.
use serde::{Deserialize, Serialize};

use super::tip_status::TipStatus;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    /// 已受理: opened at intake, waiting for the dispatcher.
    Received,
    /// 已派单: sent to the lead bureau, waiting for it to accept or return.
    Dispatched,
    /// 已退回: the bureau returned it with a reason; back with the dispatcher.
    Returned,
    /// 核查中: accepted by the bureau, under verification.
    Verifying,
    /// 已核查: a finding is recorded.
    Verified,
    /// 整改/处置中: at least one enforcement measure is open.
    Enforcing,
    /// 复查通过.
    Reinspected,
    /// 已验收: the exit is accepted, with equipment and capacity recorded.
    ExitAccepted,
    /// 已办结.
    Closed,
}

pub const ALL_STATUSES: [CaseStatus; 9] = [
    CaseStatus::Received,
    CaseStatus::Dispatched,
    CaseStatus::Returned,
    CaseStatus::Verifying,
    CaseStatus::Verified,
    CaseStatus::Enforcing,
    CaseStatus::Reinspected,
    CaseStatus::ExitAccepted,
    CaseStatus::Closed,
];

/// How the database layer reads a stored status.
impl TryFrom<String> for CaseStatus {
    type Error = super::errors::UnknownKey;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        CaseStatus::parse(&s).ok_or(super::errors::UnknownKey {
            what: "case status",
            value: s,
        })
    }
}

impl CaseStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CaseStatus::Received => "received",
            CaseStatus::Dispatched => "dispatched",
            CaseStatus::Returned => "returned",
            CaseStatus::Verifying => "verifying",
            CaseStatus::Verified => "verified",
            CaseStatus::Enforcing => "enforcing",
            CaseStatus::Reinspected => "reinspected",
            CaseStatus::ExitAccepted => "exit_accepted",
            CaseStatus::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<CaseStatus> {
        ALL_STATUSES.into_iter().find(|c| c.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            CaseStatus::Received => "待派单",
            CaseStatus::Dispatched => "已派单",
            CaseStatus::Returned => "已退回",
            CaseStatus::Verifying => "核查中",
            CaseStatus::Verified => "已核查",
            CaseStatus::Enforcing => "整改处置中",
            CaseStatus::Reinspected => "复查通过",
            CaseStatus::ExitAccepted => "已验收",
            CaseStatus::Closed => "已办结",
        }
    }

    /// What the reporter and relays see when the case enters this state;
    /// `None` for internal steps (a return is between the offices).
    pub fn public(self) -> Option<TipStatus> {
        match self {
            CaseStatus::Dispatched => Some(TipStatus::Dispatched),
            CaseStatus::Verifying => Some(TipStatus::Verifying),
            CaseStatus::Enforcing => Some(TipStatus::Enforcing),
            CaseStatus::Closed => Some(TipStatus::Closed),
            _ => None,
        }
    }

    pub fn is_open(self) -> bool {
        self != CaseStatus::Closed
    }
}

/// A verification finding (核查结论).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Finding {
    /// 属实
    Substantiated,
    /// 部分属实
    Partly,
    /// 不属实
    Unsubstantiated,
    /// 无法核实
    Unverifiable,
}

impl Finding {
    pub fn as_str(self) -> &'static str {
        match self {
            Finding::Substantiated => "substantiated",
            Finding::Partly => "partly",
            Finding::Unsubstantiated => "unsubstantiated",
            Finding::Unverifiable => "unverifiable",
        }
    }

    pub fn parse(s: &str) -> Option<Finding> {
        [
            Finding::Substantiated,
            Finding::Partly,
            Finding::Unsubstantiated,
            Finding::Unverifiable,
        ]
        .into_iter()
        .find(|f| f.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Finding::Substantiated => "属实",
            Finding::Partly => "部分属实",
            Finding::Unsubstantiated => "不属实",
            Finding::Unverifiable => "无法核实",
        }
    }

    /// Only a (partly) substantiated tip leads to enforcement.
    pub fn calls_for_measures(self) -> bool {
        matches!(self, Finding::Substantiated | Finding::Partly)
    }
}

/// An enforcement measure (处置措施).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// 限期整改
    Rectify,
    /// 停产停业整顿 / 限制生产、停产整治
    Suspend,
    /// 关停退出
    Close,
    /// 吊销证照
    RevokeLicence,
    /// 拆除主体设备
    Dismantle,
    /// 封存，企业公开承诺不再恢复生产，限期拆除
    Seal,
}

impl Measure {
    pub fn as_str(self) -> &'static str {
        match self {
            Measure::Rectify => "rectify",
            Measure::Suspend => "suspend",
            Measure::Close => "close",
            Measure::RevokeLicence => "revoke_licence",
            Measure::Dismantle => "dismantle",
            Measure::Seal => "seal",
        }
    }

    pub fn parse(s: &str) -> Option<Measure> {
        [
            Measure::Rectify,
            Measure::Suspend,
            Measure::Close,
            Measure::RevokeLicence,
            Measure::Dismantle,
            Measure::Seal,
        ]
        .into_iter()
        .find(|m| m.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Measure::Rectify => "限期整改",
            Measure::Suspend => "停产整顿",
            Measure::Close => "关停退出",
            Measure::RevokeLicence => "吊销证照",
            Measure::Dismantle => "拆除设备",
            Measure::Seal => "封存并限期拆除",
        }
    }
}

/// What a member of staff is to this case; decides which actions they may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Party {
    /// An administrator may take every action.
    Admin,
    /// 淘汰落后产能办公室.
    Dispatcher,
    /// The lead bureau (牵头部门).
    LeadBureau,
    /// A co-handling bureau (配合部门): reads and asks, does not decide.
    CoBureau,
    /// The district (属地) carries out on-site work.
    District,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    Dispatch,
    Accept,
    Return,
    Verify,
    Order,
    Extend,
    Reinspect,
    AcceptExit,
    Close,
    Question,
    /// 二次办理: a closed case goes back to its lead bureau (after a
    /// dissatisfied rating, or a reporter's complaint through 12345).
    Reopen,
    /// The dispatcher refuses a bureau's return (退单): the case goes back to
    /// the same bureau with the reason and a fresh limit.
    RejectReturn,
    /// 改派: the dispatcher moves a dispatched case to another lead bureau.
    Redispatch,
}

pub const ALL_ACTIONS: [Action; 13] = [
    Action::Dispatch,
    Action::Accept,
    Action::Return,
    Action::Verify,
    Action::Order,
    Action::Extend,
    Action::Reinspect,
    Action::AcceptExit,
    Action::Close,
    Action::Question,
    Action::Reopen,
    Action::RejectReturn,
    Action::Redispatch,
];

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Dispatch => "dispatch",
            Action::Accept => "accept",
            Action::Return => "return",
            Action::Verify => "verify",
            Action::Order => "order",
            Action::Extend => "extend",
            Action::Reinspect => "reinspect",
            Action::AcceptExit => "accept-exit",
            Action::Close => "close",
            Action::Question => "question",
            Action::Reopen => "reopen",
            Action::RejectReturn => "reject-return",
            Action::Redispatch => "redispatch",
        }
    }

    pub fn parse(s: &str) -> Option<Action> {
        ALL_ACTIONS.into_iter().find(|a| a.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Action::Dispatch => "派单",
            Action::Accept => "签收",
            Action::Return => "退回",
            Action::Verify => "核查结论",
            Action::Order => "处置措施",
            Action::Extend => "延期",
            Action::Reinspect => "复查",
            Action::AcceptExit => "验收",
            Action::Close => "办结",
            Action::Question => "向举报人提问",
            Action::Reopen => "二次办理",
            Action::RejectReturn => "驳回退单",
            Action::Redispatch => "改派",
        }
    }

    /// Who may take the action (the administrator may take all).
    pub fn parties(self) -> &'static [Party] {
        use Party::*;
        match self {
            Action::Dispatch => &[Dispatcher],
            Action::Accept | Action::Return => &[LeadBureau],
            Action::Verify | Action::Reinspect | Action::AcceptExit => &[LeadBureau, District],
            Action::Order | Action::Extend => &[LeadBureau],
            Action::Close => &[LeadBureau, Dispatcher],
            Action::Question => &[Dispatcher, LeadBureau, CoBureau, District],
            Action::Reopen | Action::RejectReturn | Action::Redispatch => &[Dispatcher],
        }
    }

    pub fn allowed_for(self, party: Party) -> bool {
        party == Party::Admin || self.parties().contains(&party)
    }
}

/// Why a bureau returns a dispatched case (退单), as the 12345 rules on
/// 派单异议审核 sort them (国办函〔2025〕66号 三(五)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReturnCategory {
    /// 不属于本部门职责
    NotOurs,
    /// 信息不全
    Incomplete,
    /// 重复
    Duplicate,
    /// 其他
    Other,
}

impl ReturnCategory {
    pub const ALL: [ReturnCategory; 4] = [
        ReturnCategory::NotOurs,
        ReturnCategory::Incomplete,
        ReturnCategory::Duplicate,
        ReturnCategory::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ReturnCategory::NotOurs => "not_ours",
            ReturnCategory::Incomplete => "incomplete",
            ReturnCategory::Duplicate => "duplicate",
            ReturnCategory::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<ReturnCategory> {
        ReturnCategory::ALL
            .into_iter()
            .find(|c| c.as_str() == s.trim())
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            ReturnCategory::NotOurs => "不属于本部门职责",
            ReturnCategory::Incomplete => "信息不全",
            ReturnCategory::Duplicate => "重复",
            ReturnCategory::Other => "其他",
        }
    }
}

/// What the machine needs to know beyond the status.
#[derive(Debug, Clone, Copy, Default)]
pub struct Facts {
    /// The recorded finding, once verified.
    pub finding: Option<Finding>,
    /// A rectification order is open (can be extended).
    pub open_rectification: bool,
    /// The re-inspection passed (for `reinspect`).
    pub passed: bool,
}

/// Where `action` leads from `from`, or `None` when the step is not allowed.
pub fn next(from: CaseStatus, action: Action, facts: Facts) -> Option<CaseStatus> {
    use CaseStatus as S;
    let substantiated = facts.finding.is_some_and(Finding::calls_for_measures);
    match (from, action) {
        (S::Received | S::Returned, Action::Dispatch) => Some(S::Dispatched),
        (S::Dispatched, Action::Accept) => Some(S::Verifying),
        (S::Dispatched, Action::Return) => Some(S::Returned),
        (S::Verifying, Action::Verify) => Some(S::Verified),
        (S::Verified, Action::Order) if substantiated => Some(S::Enforcing),
        (S::Enforcing, Action::Order) => Some(S::Enforcing),
        (S::Enforcing, Action::Extend) if facts.open_rectification => Some(S::Enforcing),
        (S::Enforcing, Action::Reinspect) => Some(if facts.passed {
            S::Reinspected
        } else {
            S::Enforcing
        }),
        (S::Reinspected, Action::AcceptExit) => Some(S::ExitAccepted),
        (S::Verified, Action::Close) if !substantiated => Some(S::Closed),
        (S::Reinspected | S::ExitAccepted, Action::Close) => Some(S::Closed),
        (s, Action::Question) if s.is_open() => Some(s),
        (S::Closed, Action::Reopen) => Some(S::Dispatched),
        (S::Returned, Action::RejectReturn) => Some(S::Dispatched),
        (S::Dispatched | S::Verifying, Action::Redispatch) => Some(S::Dispatched),
        _ => None,
    }
}

/// Every action allowed from `from` (for the 409 answer and the case page).
pub fn allowed(from: CaseStatus, facts: Facts) -> Vec<Action> {
    ALL_ACTIONS
        .into_iter()
        .filter(|a| {
            // A reinspection may pass or fail: allowed if either way is.
            next(from, *a, facts).is_some()
                || next(
                    from,
                    *a,
                    Facts {
                        passed: true,
                        ..facts
                    },
                )
                .is_some()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_whole_walk() {
        let sub = Facts {
            finding: Some(Finding::Substantiated),
            ..Facts::default()
        };
        let mut s = CaseStatus::Received;
        for (a, f, to) in [
            (Action::Dispatch, Facts::default(), CaseStatus::Dispatched),
            (Action::Return, Facts::default(), CaseStatus::Returned),
            (Action::Dispatch, Facts::default(), CaseStatus::Dispatched),
            (Action::Accept, Facts::default(), CaseStatus::Verifying),
            (Action::Verify, Facts::default(), CaseStatus::Verified),
            (Action::Order, sub, CaseStatus::Enforcing),
            (
                Action::Extend,
                Facts {
                    open_rectification: true,
                    ..sub
                },
                CaseStatus::Enforcing,
            ),
            (Action::Reinspect, sub, CaseStatus::Enforcing),
            (
                Action::Reinspect,
                Facts {
                    passed: true,
                    ..sub
                },
                CaseStatus::Reinspected,
            ),
            (Action::AcceptExit, sub, CaseStatus::ExitAccepted),
            (Action::Close, sub, CaseStatus::Closed),
        ] {
            s = next(s, a, f).unwrap_or_else(|| panic!("{a:?} from {s:?}"));
            assert_eq!(s, to);
        }
        assert_eq!(allowed(CaseStatus::Closed, sub), vec![Action::Reopen]);
        assert_eq!(
            next(CaseStatus::Closed, Action::Reopen, sub),
            Some(CaseStatus::Dispatched)
        );
        assert!(!Action::Reopen.allowed_for(Party::LeadBureau));
    }

    #[test]
    fn an_unsubstantiated_case_closes_without_measures() {
        let f = Facts {
            finding: Some(Finding::Unsubstantiated),
            ..Facts::default()
        };
        assert_eq!(next(CaseStatus::Verified, Action::Order, f), None);
        assert_eq!(
            allowed(CaseStatus::Verified, f),
            vec![Action::Close, Action::Question]
        );
    }

    #[test]
    fn parties() {
        assert!(Action::Dispatch.allowed_for(Party::Dispatcher));
        assert!(!Action::Dispatch.allowed_for(Party::LeadBureau));
        assert!(!Action::Accept.allowed_for(Party::CoBureau));
        assert!(Action::Accept.allowed_for(Party::Admin));
        assert!(Action::Question.allowed_for(Party::CoBureau));
    }
}
