//! The public status of a tip, as the reporter and relays see it.
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum TipStatus {
    /// 已受理
    Received,
    /// 已派单
    Dispatched,
    /// 核查中
    Verifying,
    /// 处理中 (enforcement under way)
    Enforcing,
    /// 已办结
    Closed,
}

/// How the database layer reads a stored status.
impl TryFrom<String> for TipStatus {
    type Error = super::errors::UnknownKey;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        TipStatus::parse(&s).ok_or(super::errors::UnknownKey {
            what: "tip status",
            value: s,
        })
    }
}

impl TipStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            TipStatus::Received => "received",
            TipStatus::Dispatched => "dispatched",
            TipStatus::Verifying => "verifying",
            TipStatus::Enforcing => "enforcing",
            TipStatus::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<TipStatus> {
        [
            TipStatus::Received,
            TipStatus::Dispatched,
            TipStatus::Verifying,
            TipStatus::Enforcing,
            TipStatus::Closed,
        ]
        .into_iter()
        .find(|t| t.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            TipStatus::Received => "已受理",
            TipStatus::Dispatched => "已派单",
            TipStatus::Verifying => "核查中",
            TipStatus::Enforcing => "处理中",
            TipStatus::Closed => "已办结",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            TipStatus::Received => "Received",
            TipStatus::Dispatched => "Dispatched",
            TipStatus::Verifying => "Under verification",
            TipStatus::Enforcing => "Enforcement under way",
            TipStatus::Closed => "Closed",
        }
    }
}

/// The channel a tip reached the city by, as staff and the reports count
/// it: the public form (or its JSON API), the 12345 hotline, the provincial
/// platform or the national platform. An Open311 relay counts under the
/// source its relay declared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    Web,
    Hotline,
    Province,
    National,
}

impl Origin {
    /// From the tip's `source`, its relay ticket's channel and the relay's
    /// declared source (both absent for a form tip).
    pub fn of(source: &str, channel: Option<&str>, relay_source: Option<&str>) -> Origin {
        let channel = match channel {
            Some("open311") => relay_source,
            c => c,
        };
        match (source, channel) {
            ("relay", Some("hotline")) => Origin::Hotline,
            ("relay", Some("platform")) => Origin::Province,
            ("relay", _) => Origin::National,
            _ => Origin::Web,
        }
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Origin::Web => "网页",
            Origin::Hotline => "12345",
            Origin::Province => "省平台",
            Origin::National => "国家平台",
        }
    }
}

/// Where a tip came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TipSource {
    /// The public HTML form.
    Web,
    /// The public JSON API.
    Api,
    /// A relay (12345 hotline, provincial or national platform).
    Relay,
}

impl TipSource {
    pub fn parse(s: &str) -> Option<TipSource> {
        [TipSource::Web, TipSource::Api, TipSource::Relay]
            .into_iter()
            .find(|t| t.as_str() == s)
    }

    /// What staff read.
    pub fn label_zh(self) -> &'static str {
        match self {
            TipSource::Web => "网页举报",
            TipSource::Api => "网页举报（接口）",
            TipSource::Relay => "转办平台（12345 等）",
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            TipSource::Web => "web",
            TipSource::Api => "api",
            TipSource::Relay => "relay",
        }
    }
}

#[cfg(test)]
mod origin_tests {
    use super::Origin;

    #[test]
    fn a_relayed_tip_counts_under_its_channel() {
        assert_eq!(Origin::of("web", None, None), Origin::Web);
        assert_eq!(Origin::of("api", None, None), Origin::Web);
        assert_eq!(
            Origin::of("relay", Some("hotline"), Some("national")),
            Origin::Hotline
        );
        assert_eq!(
            Origin::of("relay", Some("platform"), None),
            Origin::Province
        );
        assert_eq!(
            Origin::of("relay", Some("national"), None),
            Origin::National
        );
        assert_eq!(
            Origin::of("relay", Some("open311"), Some("hotline")),
            Origin::Hotline
        );
        assert_eq!(Origin::label_zh(Origin::Province), "省平台");
    }
}
