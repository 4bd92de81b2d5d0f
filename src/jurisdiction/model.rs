//! Typed contents of a pack.
//!
//! Every entry carries a `citation` naming the plan and its table or
//! section; the loader rejects entries without one.
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackMeta {
    pub key: String,
    pub name: String,
    pub name_en: String,
    pub jurisdiction: String,
    pub division_code: Option<String>,
    pub source: String,
    /// Where the bureaus are: deadlines are their days and every page shows
    /// their time, to the minute. China keeps one zone without daylight
    /// saving, so the checker accepts `Asia/Shanghai` (UTC+8) only and
    /// `clock` applies it.
    #[serde(default = "default_time_zone")]
    pub time_zone: String,
}

/// The only zone the service knows (see [`PackMeta::time_zone`]).
pub const TIME_ZONE: &str = "Asia/Shanghai";

fn default_time_zone() -> String {
    TIME_ZONE.to_string()
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Industry {
    pub key: String,
    pub name: String,
    pub name_en: String,
    /// Other names a citizen uses for the industry (钢厂, 染厂 …).
    #[serde(default)]
    pub synonyms: Vec<String>,
    /// Equipment and product words that imply the industry (高炉 → steel).
    #[serde(default)]
    pub equipment: Vec<String>,
    /// What ends the names of the industry's firms (钢铁, 铜业), stripped
    /// to reach the trade name when matching.
    #[serde(default)]
    pub trade_words: Vec<String>,
    #[serde(default)]
    pub citation: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct District {
    pub key: String,
    pub name: String,
    pub short_name: String,
    /// GB/T 2260 division code, where the district has one.
    pub code: Option<String>,
    /// Streets, towns and other place names inside the district (沙井 → baoan).
    #[serde(default)]
    pub streets: Vec<String>,
    #[serde(default)]
    pub citation: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bureau {
    pub key: String,
    pub name: String,
    pub name_en: String,
    #[serde(default)]
    pub citation: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dimension {
    pub key: String,
    pub name: String,
    pub name_en: String,
    #[serde(default)]
    pub citation: String,
    /// The measure the plan requires for a substantiated case of this
    /// dimension (地条钢: 关停), preselected on the order form.
    #[serde(default)]
    pub measure: Option<String>,
    #[serde(default)]
    pub measure_citation: String,
}

/// Pack-wide routing settings (`routing.toml`, `[settings]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoutingSettings {
    /// Dimension keys, most important first: the first that fires leads.
    pub priority: Vec<String>,
    /// Dimension used when nothing fires (the dispatcher's own office triages).
    pub fallback_dimension: String,
    /// Score a dimension needs from classification rules to fire.
    pub min_score: u32,
    /// Tips with no enterprise match are grouped into one case within this many days.
    pub case_grouping_days: u32,
    /// Weights of an industry's name, synonyms and equipment words when inferring it.
    pub industry_weights: IndustryWeights,
    #[serde(default)]
    pub citation: String,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndustryWeights {
    pub name: u32,
    pub synonym: u32,
    pub equipment: u32,
}

/// One cell (or default row) of the routing matrix.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Route {
    pub dimension: String,
    /// None: the default row for the dimension.
    pub industry: Option<String>,
    /// The row applies only when the tip contains one of these words
    /// (超定额用水 → water_affairs within pricing).
    #[serde(default)]
    pub when_words: Vec<String>,
    pub lead: String,
    #[serde(default)]
    pub co: Vec<String>,
    #[serde(default)]
    pub citation: String,
}

/// Words or patterns pointing to a dimension.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClassifyRule {
    pub id: String,
    pub dimension: String,
    #[serde(default)]
    pub keywords: Vec<String>,
    /// Regular expressions over the folded text.
    #[serde(default)]
    pub patterns: Vec<String>,
    /// The rule does not fire when the tip contains one of these words
    /// (中频炉 in a 铸造 foundry is not 地条钢).
    #[serde(default)]
    pub unless: Vec<String>,
    /// Dimensions that do not fire when this rule does (a project still
    /// being planned has no equipment to dismantle: technology gives way to
    /// market access). Table 5 verdicts are kept; reporter choices too.
    #[serde(default)]
    pub displaces: Vec<String>,
    pub weight: u32,
    #[serde(default)]
    pub citation: String,
}

/// What a Table 5 figure measures; each has one canonical unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Quantity {
    VolumeM3,
    TonnageT,
    CurrentKa,
    CapacityTPerYr,
    WidthM,
    DiameterM,
    SpeedMPerMin,
    PowerMw,
    AgeYears,
    ContentPct,
    HidesPerYr,
    M2PerYr,
    PiecesPerYr,
    LiquorRatio,
}

impl Quantity {
    /// The unit a rule's threshold is written in, and figures are normalised to.
    pub fn unit(self) -> &'static str {
        match self {
            Quantity::VolumeM3 => "m3",
            Quantity::TonnageT => "t",
            Quantity::CurrentKa => "kA",
            Quantity::CapacityTPerYr => "t/yr",
            Quantity::WidthM | Quantity::DiameterM => "m",
            Quantity::SpeedMPerMin => "m/min",
            Quantity::PowerMw => "MW",
            Quantity::AgeYears => "yr",
            Quantity::ContentPct => "%",
            Quantity::HidesPerYr => "hides/yr",
            Quantity::M2PerYr => "m2/yr",
            Quantity::PiecesPerYr => "pieces/yr",
            Quantity::LiquorRatio => "1:n",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Comparison {
    Lt,
    Le,
    Gt,
    Ge,
}

impl Comparison {
    pub fn holds(self, value: f64, threshold: f64) -> bool {
        match self {
            Comparison::Lt => value < threshold,
            Comparison::Le => value <= threshold,
            Comparison::Gt => value > threshold,
            Comparison::Ge => value >= threshold,
        }
    }
}

/// One numeric condition. Fields are optional only so the checker can name
/// what is missing; a loaded pack has all four.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    pub quantity: Option<Quantity>,
    pub comparison: Option<Comparison>,
    pub threshold: Option<f64>,
    pub unit: Option<String>,
}

/// A Table 5 rule with a figure: obsolete when every condition holds.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ThresholdRule {
    pub id: String,
    pub industry: String,
    #[serde(default = "technology")]
    pub dimension: String,
    /// Words naming the equipment the figure must be about.
    pub equipment: Vec<String>,
    /// Regular expressions over the folded text that name the equipment in
    /// other word orders (蒸箱是铸铁的).
    #[serde(default)]
    pub patterns: Vec<String>,
    pub quantity: Option<Quantity>,
    pub comparison: Option<Comparison>,
    pub threshold: Option<f64>,
    pub unit: Option<String>,
    /// Further conditions that must hold as well (幅宽 … 并且车速 …).
    #[serde(default)]
    pub and: Vec<Condition>,
    /// Words that exempt the equipment (铸造高炉, 高合金电弧炉, 特种水泥).
    #[serde(default)]
    pub exceptions: Vec<String>,
    /// Words that must be present for the rule to apply (进口).
    #[serde(default)]
    pub requires: Vec<String>,
    #[serde(default)]
    pub citation: String,
}

impl ThresholdRule {
    /// All conditions, the rule's own first.
    pub fn conditions(&self) -> Vec<Condition> {
        let first = Condition {
            quantity: self.quantity,
            comparison: self.comparison,
            threshold: self.threshold,
            unit: self.unit.clone(),
        };
        std::iter::once(first)
            .chain(self.and.iter().cloned())
            .collect()
    }
}

/// A Table 5 rule with no figure: the equipment or process is obsolete as such.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BannedRule {
    pub id: String,
    pub industry: String,
    #[serde(default = "technology")]
    pub dimension: String,
    pub equipment: Vec<String>,
    /// Regular expressions naming the equipment or process in other word
    /// orders (灌酸都是手工的).
    #[serde(default)]
    pub patterns: Vec<String>,
    #[serde(default)]
    pub exceptions: Vec<String>,
    #[serde(default)]
    pub citation: String,
}

fn technology() -> String {
    "technology".into()
}

/// Table 5 of a plan (工艺装备), as checkable rules.
#[derive(Debug, Clone, Default)]
pub struct Table5 {
    pub thresholds: Vec<ThresholdRule>,
    pub banned: Vec<BannedRule>,
    /// The measure the plan requires for obsolete equipment (拆除主体设备),
    /// preselected on the order form, and where the plan says so.
    pub obsolete_measure: Option<String>,
    pub obsolete_measure_citation: String,
}

/// A row of Tables 1–4: the standard or requirement a case is measured against.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Requirement {
    pub id: String,
    pub table: u8,
    pub dimension: String,
    pub industries: Vec<String>,
    /// GB / DB standard numbers, where the row names them.
    #[serde(default)]
    pub standards: Vec<String>,
    pub text: String,
    #[serde(default)]
    pub citation: String,
}

/// A time limit the plan (or the hotline rules) sets.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deadline {
    pub key: String,
    pub dimension: Option<String>,
    /// What must happen within the limit (限期整改, 停产停业整顿 …).
    pub measure: String,
    pub months: Option<u32>,
    pub days: Option<u32>,
    pub working_days: Option<u32>,
    /// The measure takes effect at once (立即).
    #[serde(default)]
    pub immediate: bool,
    pub extensions_max: Option<u32>,
    pub extension_months_max: Option<u32>,
    /// What follows when the limit passes.
    pub then: Option<String>,
    /// A setting the service may use but the plan does not impose.
    #[serde(default)]
    pub optional: bool,
    /// The case step this limit applies to (`dispatch`: from intake to
    /// 派单; `verify`: from 派单 to the finding), if it is a step limit.
    pub step: Option<String>,
    #[serde(default)]
    pub citation: String,
}

/// Case steps a deadline may name in `step`.
pub const DEADLINE_STEPS: [&str; 2] = ["dispatch", "verify"];

/// One year of the working-day calendar (`workdays.toml`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WorkYear {
    pub year: i32,
    /// Days off (`YYYY-MM-DD` or `FROM..TO`).
    pub holidays: Vec<String>,
    /// Weekend days worked instead (调休上班).
    pub workdays: Vec<String>,
    #[serde(default)]
    pub citation: String,
}

/// A joint-punishment measure (联合惩戒) or publication step.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PunishmentMeasure {
    pub key: String,
    pub name: String,
    /// `restriction` (限制) or `publication` (公布).
    pub kind: String,
    pub legal_basis: String,
    #[serde(default)]
    pub citation: String,
    /// The Order 36 tier of the 失信信息 behind the measure (`minor`,
    /// `general`, `serious`): the service's reading, cited.
    #[serde(default)]
    pub tier: String,
    #[serde(default)]
    pub tier_citation: String,
}

/// The tiers of 失信信息 under 《信用修复管理办法》 (国家发展改革委令第36号),
/// least severe first: a record takes the most severe tier of its measures.
pub const CREDIT_TIERS: [&str; 3] = ["minor", "general", "serious"];

/// The publication-term regimes the code knows: Order 58 (one term, decided
/// before 2026-04-01) and Order 36 (a term per tier).
pub const CREDIT_REGIMES: [&str; 2] = ["order58", "order36"];

/// The bounds Order 36 sets for each tier, in months (reported wording of
/// its 第二章; the article number is to be checked): 轻微 at most 3 months if
/// published at all, 一般 3 to 12, 严重 12 to 36. A pack may not go outside.
pub fn order36_bounds(tier: &str) -> Option<(u32, u32)> {
    match tier {
        "minor" => Some((0, 3)),
        "general" => Some((3, 12)),
        "serious" => Some((12, 36)),
        _ => None,
    }
}

/// The Chinese name of a tier key (轻微 / 一般 / 严重), for pages.
pub fn tier_zh(key: &str) -> &'static str {
    match key {
        "minor" => "轻微",
        "general" => "一般",
        "serious" => "严重",
        _ => "",
    }
}

/// One tier of a regime (`[[regime.tier]]`): its publication term.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreditTier {
    /// `minor`, `general` or `serious`.
    pub key: String,
    /// 轻微, 一般 or 严重.
    pub name: String,
    pub min_months: u32,
    pub max_months: u32,
    /// Whether records of this tier are published (公示) at all; a 轻微
    /// record only when the regime says `publish_minor = true`.
    #[serde(default = "published_default")]
    pub published: bool,
    #[serde(default)]
    pub citation: String,
}

fn published_default() -> bool {
    true
}

/// A regime of publication terms (`[[regime]]` in punishment.toml), in force
/// for decisions dated from `in_force_from` to `until` (inclusive). Without
/// tiers it sets one term for every record (Order 58, with longer minimums
/// by dimension); with tiers, a term per tier (Order 36).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PunishmentRegime {
    /// `order58` or `order36` ([`CREDIT_REGIMES`]).
    pub key: String,
    /// The rule's title as shown on pages: 《信用修复管理办法》.
    pub title: String,
    pub in_force_from: chrono::NaiveDate,
    #[serde(default)]
    pub until: Option<chrono::NaiveDate>,
    /// The one term of an untiered regime.
    #[serde(default)]
    pub min_months: Option<u32>,
    #[serde(default)]
    pub max_months: Option<u32>,
    /// Longer minimums by dimension key (`safety = 12`), untiered regimes.
    #[serde(default)]
    pub min_months_by_dimension: std::collections::BTreeMap<String, u32>,
    /// The pack publishes 轻微 records (at most 3 months).
    #[serde(default)]
    pub publish_minor: bool,
    #[serde(default)]
    pub tier: Vec<CreditTier>,
    #[serde(default)]
    pub citation: String,
}

fn zh_day(d: chrono::NaiveDate) -> String {
    use chrono::Datelike;
    format!("{}年{}月{}日", d.year(), d.month(), d.day())
}

impl PunishmentRegime {
    /// Whether a decision dated `day` falls under this regime.
    pub fn covers(&self, day: chrono::NaiveDate) -> bool {
        day >= self.in_force_from && self.until.is_none_or(|u| day <= u)
    }

    /// The title with the dates it applies to, e.g.
    /// 《信用修复管理办法》（2026年4月1日起）.
    pub fn label(&self) -> String {
        match self.until {
            None => format!("{}（{}起）", self.title, zh_day(self.in_force_from)),
            Some(u) => format!(
                "{}（{}至{}）",
                self.title,
                zh_day(self.in_force_from),
                zh_day(u)
            ),
        }
    }

    pub fn tier(&self, key: &str) -> Option<&CreditTier> {
        self.tier.iter().find(|t| t.key == key)
    }
}

/// The publication term chosen for one record: its regime (by the decision
/// date), its tier (the most severe of its measures; none under an untiered
/// regime) and the bounds in months.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChosenTerm {
    pub regime: String,
    pub tier: Option<String>,
    pub min_months: u32,
    pub max_months: u32,
    /// Whether the record is published (公示); false for an unpublished 轻微 record.
    pub published: bool,
}

impl ChosenTerm {
    /// The default end: the minimum; a tier whose minimum is nothing (轻微:
    /// repair once the duties are fulfilled) ends at its maximum instead.
    pub fn default_months(&self) -> u32 {
        if self.min_months == 0 {
            self.max_months
        } else {
            self.min_months
        }
    }
}

/// How a stored record's tier and regime read on a page, never keys:
/// "一般失信 · 《信用修复管理办法》（2026年4月1日起）· 公示期 3–12 个月".
pub fn term_label(
    pack: &Pack,
    regime: Option<&str>,
    tier: Option<&str>,
    min: Option<i32>,
    max: Option<i32>,
) -> String {
    let Some(r) = regime.and_then(|k| pack.regimes.iter().find(|r| r.key == k)) else {
        return String::new();
    };
    let mut parts = Vec::new();
    let t = tier.and_then(|t| r.tier(t));
    if let Some(t) = t {
        parts.push(format!("{}失信", t.name));
    }
    parts.push(r.label());
    match (min, max) {
        (Some(a), Some(b)) if t.is_some_and(|t| !t.published) => {
            parts.push(format!("原则上不予公示（{a}–{b} 个月后解除）"))
        }
        (Some(a), Some(b)) => parts.push(format!("公示期 {a}–{b} 个月")),
        _ => {}
    }
    parts.join(" · ")
}

/// A 12345 performance rate the reports compute (rates.toml): its name,
/// the formula in words and where the rate comes from. The formulas are
/// fixed in the code (services::reports); the pack states them for readers
/// and cites who asks for the rate.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateDefinition {
    /// `response_rate`, `resolution_rate` or `satisfaction_rate`.
    pub key: String,
    pub name: String,
    pub name_en: String,
    pub formula: String,
    #[serde(default)]
    pub citation: String,
}

/// The rates every pack must define.
pub const RATE_KEYS: [&str; 3] = ["response_rate", "resolution_rate", "satisfaction_rate"];

/// A report due date of the calendar (总结阶段).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReportDue {
    pub key: String,
    /// Who reports (districts, bureaus, the city office …), in the plan's words.
    pub from: String,
    pub to: String,
    pub content: String,
    /// Month and day, `MM-DD`.
    pub due: String,
    /// 0: in the plan year; 1: in the following year.
    #[serde(default)]
    pub year_offset: u8,
    /// The part of the plan year the report covers, so a reminder links to
    /// that report period (`h1`, `h2` or `year`).
    pub covers: ReportCovers,
    /// Days before the due date the dispatcher's dashboard starts reminding
    /// (an operating choice, not the plan's; 30 when absent).
    #[serde(default = "default_remind_days")]
    pub remind_days: u32,
    #[serde(default)]
    pub citation: String,
}

/// The report period a calendar entry covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ReportCovers {
    H1,
    H2,
    Year,
}

fn default_remind_days() -> u32 {
    30
}

/// How long a closed case keeps its tips' text and files (retention).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionRule {
    pub key: String,
    /// The case status this applies to (`closed`, `unsubstantiated` …).
    pub case_status: String,
    /// Months after the case last changed.
    pub months: u32,
    #[serde(default)]
    pub citation: String,
}

/// When near-identical tips about one enterprise look like a flood.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FloodRule {
    pub window_minutes: u32,
    /// Near-identical tips within the window (this one included) that raise the flag.
    pub min_tips: u32,
    /// Bigram Jaccard similarity (0–1] at which two descriptions count as near-identical.
    pub similarity: f64,
    #[serde(default)]
    pub citation: String,
}

/// One loaded and checked pack.
#[derive(Debug, Clone)]
pub struct Pack {
    pub meta: PackMeta,
    pub naming: Naming,
    pub industries: Vec<Industry>,
    pub districts: Vec<District>,
    pub bureaus: Vec<Bureau>,
    pub dimensions: Vec<Dimension>,
    pub routing: RoutingSettings,
    pub routes: Vec<Route>,
    pub classify: Vec<ClassifyRule>,
    pub table5: Table5,
    pub requirements: Vec<Requirement>,
    pub deadlines: Vec<Deadline>,
    pub punishments: Vec<PunishmentMeasure>,
    /// Publication-term regimes, oldest first, without gaps (punishment.toml).
    pub regimes: Vec<PunishmentRegime>,
    pub calendar: Vec<ReportDue>,
    pub rates: Vec<RateDefinition>,
    pub retention: Vec<RetentionRule>,
    pub flood: FloodRule,
    pub workdays: Vec<WorkYear>,
    /// The places the enterprise matcher knows (places.toml).
    pub places: Vec<crate::matching::RegionSpec>,
}

/// How enterprise names are built (naming.toml), for the matcher.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Naming {
    pub citation: String,
    pub org_forms: Vec<String>,
    #[serde(default)]
    pub branch_suffixes: Vec<String>,
    #[serde(default)]
    pub generic_words: Vec<String>,
}

impl Pack {
    /// The matcher's vocabulary from this pack: its places, the industries'
    /// trade words and the naming conventions.
    pub fn match_config(&self) -> crate::matching::MatchConfig {
        use crate::matching::{IndustrySpec, MatchConfig};
        MatchConfig {
            industries: self
                .industries
                .iter()
                .map(|i| IndustrySpec {
                    key: i.key.clone(),
                    names: i.trade_words.clone(),
                })
                .collect(),
            org_forms: self.naming.org_forms.clone(),
            branch_suffixes: self.naming.branch_suffixes.clone(),
            generic_words: self.naming.generic_words.clone(),
            regions: self.places.clone(),
            ..MatchConfig::default()
        }
    }

    /// The working-day calendar of the pack (checked at load).
    pub fn work_calendar(&self) -> crate::domain::working_days::WorkCalendar {
        use crate::domain::working_days::parse_days;
        let mut cal = crate::domain::working_days::WorkCalendar::default();
        for y in &self.workdays {
            let days = |list: &[String]| -> Vec<chrono::NaiveDate> {
                list.iter()
                    .flat_map(|s| parse_days(s).unwrap_or_default())
                    .collect()
            };
            cal.add_year(y.year, days(&y.holidays), days(&y.workdays));
        }
        cal
    }

    /// The rectification limit in months for a case of these dimensions:
    /// the first deadline with `months` whose dimension the case has.
    pub fn rectify_rule(
        &self,
        dimensions: &[String],
    ) -> Option<crate::domain::deadline::RectifyRule> {
        self.deadlines
            .iter()
            .filter(|d| d.step.is_none() && d.months.is_some())
            .find(|d| d.dimension.as_ref().is_some_and(|k| dimensions.contains(k)))
            .map(|d| crate::domain::deadline::RectifyRule {
                key: d.key.clone(),
                months: d.months.unwrap_or(0),
                extensions_max: d.extensions_max.unwrap_or(0),
                extension_months_max: d.extension_months_max.unwrap_or(0),
            })
    }

    /// The working-day limit of a case step: one for the case's dimension
    /// first, else the general one.
    /// The measure the plan requires for a case of these dimensions (the
    /// first that names one), else for obsolete equipment when a Table 5
    /// finding says so: (measure key, citation).
    pub fn required_measure(&self, dimensions: &[String], obsolete: bool) -> Option<(&str, &str)> {
        dimensions
            .iter()
            .filter_map(|k| self.dimension(k))
            .find_map(|d| {
                d.measure
                    .as_deref()
                    .map(|m| (m, d.measure_citation.as_str()))
            })
            .or_else(|| {
                self.table5
                    .obsolete_measure
                    .as_deref()
                    .filter(|_| obsolete)
                    .map(|m| (m, self.table5.obsolete_measure_citation.as_str()))
            })
    }

    pub fn step_deadline(&self, step: &str, dimensions: &[String]) -> Option<&Deadline> {
        let of_step = || {
            self.deadlines
                .iter()
                .filter(move |d| d.step.as_deref() == Some(step) && d.working_days.is_some())
        };
        of_step()
            .find(|d| d.dimension.as_ref().is_some_and(|k| dimensions.contains(k)))
            .or_else(|| of_step().find(|d| d.dimension.is_none()))
    }

    /// A district by key, Chinese name, short name or division code.
    pub fn resolve_district(&self, input: &str) -> Option<&District> {
        let s = input.trim();
        self.districts.iter().find(|d| {
            d.key.eq_ignore_ascii_case(s)
                || d.name == s
                || d.short_name == s
                || d.code.as_deref() == Some(s)
        })
    }

    /// An industry by key, Chinese name or synonym.
    pub fn resolve_industry(&self, input: &str) -> Option<&Industry> {
        let s = input.trim();
        self.industries
            .iter()
            .find(|i| i.key.eq_ignore_ascii_case(s) || i.name == s)
            .or_else(|| {
                self.industries
                    .iter()
                    .find(|i| i.synonyms.iter().any(|w| w == s))
            })
    }

    pub fn dimension(&self, key: &str) -> Option<&Dimension> {
        self.dimensions.iter().find(|d| d.key == key)
    }

    pub fn district(&self, key: &str) -> Option<&District> {
        self.districts.iter().find(|d| d.key == key)
    }

    pub fn industry(&self, key: &str) -> Option<&Industry> {
        self.industries.iter().find(|d| d.key == key)
    }

    pub fn bureau(&self, key: &str) -> Option<&Bureau> {
        self.bureaus.iter().find(|d| d.key == key)
    }

    /// The regime in force for a decision dated `day`.
    pub fn regime_on(&self, day: chrono::NaiveDate) -> Option<&PunishmentRegime> {
        self.regimes.iter().find(|r| r.covers(day))
    }

    /// The most severe tier among these measures' tiers.
    pub fn record_tier(&self, measures: &[String]) -> Option<&'static str> {
        measures
            .iter()
            .filter_map(|k| self.punishments.iter().find(|m| m.key == *k))
            .filter_map(|m| CREDIT_TIERS.iter().position(|t| *t == m.tier))
            .max()
            .map(|i| CREDIT_TIERS[i])
    }

    /// The term of a record decided on `starts_on` with these measures, for
    /// a case of these dimensions; none when no regime covers the day.
    pub fn term_for(
        &self,
        starts_on: chrono::NaiveDate,
        measures: &[String],
        dims: &[String],
    ) -> Option<ChosenTerm> {
        let r = self.regime_on(starts_on)?;
        if r.tier.is_empty() {
            let min = dims
                .iter()
                .filter_map(|d| r.min_months_by_dimension.get(d))
                .fold(r.min_months?, |a, &b| a.max(b));
            return Some(ChosenTerm {
                regime: r.key.clone(),
                tier: None,
                min_months: min,
                max_months: r.max_months?,
                published: true,
            });
        }
        let t = r.tier(self.record_tier(measures)?)?;
        Some(ChosenTerm {
            regime: r.key.clone(),
            tier: Some(t.key.clone()),
            min_months: t.min_months,
            max_months: t.max_months,
            published: t.published,
        })
    }

    /// The Chinese name of a joint-punishment measure, else its key.
    pub fn punishment_name(&self, key: &str) -> String {
        self.punishments
            .iter()
            .find(|m| m.key == key)
            .map_or_else(|| key.to_string(), |m| m.name.clone())
    }

    /// The matrix row for a dimension and industry, ignoring `when_words` rows:
    /// the industry's own row, else the dimension's default row.
    pub fn route(&self, dimension: &str, industry: Option<&str>) -> Option<&Route> {
        let rows = || {
            self.routes
                .iter()
                .filter(move |r| r.dimension == dimension && r.when_words.is_empty())
        };
        industry
            .and_then(|i| rows().find(|r| r.industry.as_deref() == Some(i)))
            .or_else(|| rows().find(|r| r.industry.is_none()))
    }

    /// The routing matrix as text, one line per dimension × industry
    /// (for `tipline pack show`).
    /// The routing matrix for `tipline pack show`: per dimension its
    /// default row, then the rows for particular industries or words, each
    /// with the lead, the co-handling bureaus and the plan's citation.
    pub fn render_matrix(&self) -> String {
        let name = |k: &str| self.bureau(k).map_or(k.to_string(), |b| b.name.clone());
        let mut out = String::from(
            "牵头与协办 (lead and co-handlers): the lead of the tip's primary dimension leads; \
             the co-handlers are that row's co-handlers and the lead and co-handlers of every \
             other dimension the tip raises. Districts carry out the work on site in every row.\n\n",
        );
        for d in &self.dimensions {
            let rows = self.routes.iter().filter(|r| r.dimension == d.key);
            for r in rows {
                let scope = match (&r.industry, r.when_words.is_empty()) {
                    (None, true) => "所有行业 (every industry)".to_string(),
                    (Some(i), true) => self.industry(i).map_or(i.clone(), |i| i.name.clone()),
                    (ind, false) => format!(
                        "{}[{}]",
                        ind.as_deref()
                            .and_then(|i| self.industry(i))
                            .map_or(String::new(), |i| format!("{} ", i.name)),
                        r.when_words.join("/")
                    ),
                };
                let co: Vec<String> = r.co.iter().map(|c| name(c)).collect();
                out.push_str(&format!(
                    "{}\t{}\t牵头 {}\t协办 {}\t依据 {}\n",
                    d.name,
                    scope,
                    name(&r.lead),
                    if co.is_empty() {
                        "—".to_string()
                    } else {
                        co.join("、")
                    },
                    r.citation
                ));
            }
        }
        out
    }
}
