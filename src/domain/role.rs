//! Staff roles and what each may see.
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    /// 市工业和信息化局 淘汰落后产能办公室: triages and dispatches every tip.
    Dispatcher,
    /// Staff of one bureau.
    Bureau,
    /// Staff of one district.
    District,
}

impl Role {
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "admin" => Some(Role::Admin),
            "dispatcher" => Some(Role::Dispatcher),
            "bureau" => Some(Role::Bureau),
            "district" => Some(Role::District),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Dispatcher => "dispatcher",
            Role::Bureau => "bureau",
            Role::District => "district",
        }
    }
}

/// Which cases a member of staff may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    All,
    /// Cases where this bureau leads or co-handles.
    Bureau(String),
    /// Cases in this district.
    District(String),
}
