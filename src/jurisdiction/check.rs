//! Parsing a pack's files and checking them as a whole: every problem is
//! collected with its file and line, so `tipline pack check` shows all at once.
use std::collections::{HashMap, HashSet};

use regex::Regex;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use toml::Spanned;

use super::model::*;
use super::source::{PackError, PackFile};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct IndustriesFile {
    industry: Vec<Spanned<Industry>>,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DistrictsFile {
    district: Vec<Spanned<District>>,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct BureausFile {
    bureau: Vec<Spanned<Bureau>>,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PlacesFile {
    citation: String,
    place: Vec<Spanned<crate::matching::RegionSpec>>,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DimensionsFile {
    dimension: Vec<Spanned<Dimension>>,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RoutingFile {
    settings: Spanned<RoutingSettings>,
    route: Vec<Spanned<Route>>,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClassifyFile {
    rule: Vec<Spanned<ClassifyRule>>,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Table5File {
    #[serde(default)]
    obsolete_measure: Option<Spanned<String>>,
    #[serde(default)]
    obsolete_measure_citation: String,
    #[serde(default)]
    threshold: Vec<Spanned<ThresholdRule>>,
    #[serde(default)]
    banned: Vec<Spanned<BannedRule>>,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RequirementsFile {
    requirement: Vec<Spanned<Requirement>>,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct DeadlinesFile {
    deadline: Vec<Spanned<Deadline>>,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PunishmentFile {
    measure: Vec<Spanned<PunishmentMeasure>>,
    regime: Vec<Spanned<PunishmentRegime>>,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CalendarFile {
    report: Vec<Spanned<ReportDue>>,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RatesFile {
    rate: Vec<Spanned<RateDefinition>>,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WorkdaysFile {
    year: Vec<Spanned<WorkYear>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SafeguardsFile {
    retention: Vec<Spanned<RetentionRule>>,
    flood: Spanned<FloodRule>,
}

/// Collects problems; knows each file's text to turn byte offsets into lines.
struct Problems<'a> {
    files: &'a [PackFile],
    errors: Vec<PackError>,
}

impl Problems<'_> {
    fn at(&mut self, file: &str, span: std::ops::Range<usize>, message: String) {
        let line = self
            .files
            .iter()
            .find(|f| f.name == file)
            .map(|f| line_of(&f.text, span.start));
        self.errors.push(PackError {
            file: file.into(),
            line,
            message,
        });
    }

    fn parse<T: DeserializeOwned>(&mut self, name: &str) -> Option<T> {
        let Some(file) = self.files.iter().find(|f| f.name == name) else {
            self.errors.push(PackError {
                file: name.into(),
                line: None,
                message: "file missing".into(),
            });
            return None;
        };
        match toml::from_str::<T>(&file.text) {
            Ok(v) => Some(v),
            Err(e) => {
                let line = e.span().map(|s| line_of(&file.text, s.start));
                self.errors.push(PackError {
                    file: name.into(),
                    line,
                    message: e.message().trim().to_string(),
                });
                None
            }
        }
    }
}

/// 1-based line number of a byte offset.
pub(crate) fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// Keys defined in the pack, for reference checks.
struct Defined {
    industries: HashSet<String>,
    bureaus: HashSet<String>,
    dimensions: HashSet<String>,
}

pub(crate) fn load(files: &[PackFile]) -> Result<Pack, Vec<PackError>> {
    let mut p = Problems {
        files,
        errors: Vec::new(),
    };
    let meta: Option<PackMeta> = p.parse("pack.toml");
    let industries: Option<IndustriesFile> = p.parse("industries.toml");
    let districts: Option<DistrictsFile> = p.parse("districts.toml");
    let bureaus: Option<BureausFile> = p.parse("bureaus.toml");
    let dimensions: Option<DimensionsFile> = p.parse("dimensions.toml");
    let routing: Option<RoutingFile> = p.parse("routing.toml");
    let classify: Option<ClassifyFile> = p.parse("classify.toml");
    let table5: Option<Table5File> = p.parse("table5.toml");
    let requirements: Option<RequirementsFile> = p.parse("requirements.toml");
    let deadlines: Option<DeadlinesFile> = p.parse("deadlines.toml");
    let punishment: Option<PunishmentFile> = p.parse("punishment.toml");
    let calendar: Option<CalendarFile> = p.parse("calendar.toml");
    let rates: Option<RatesFile> = p.parse("rates.toml");
    let safeguards: Option<SafeguardsFile> = p.parse("safeguards.toml");
    let workdays: Option<WorkdaysFile> = p.parse("workdays.toml");
    let naming: Option<Spanned<Naming>> = p.parse("naming.toml");
    let places: Option<PlacesFile> = p.parse("places.toml");
    let (
        Some(meta),
        Some(industries),
        Some(districts),
        Some(bureaus),
        Some(dimensions),
        Some(routing),
        Some(classify),
        Some(table5),
        Some(requirements),
        Some(deadlines),
        Some(punishment),
        Some(calendar),
        Some(rates),
        Some(safeguards),
        Some(workdays),
        Some(naming),
        Some(places),
    ) = (
        meta,
        industries,
        districts,
        bureaus,
        dimensions,
        routing,
        classify,
        table5,
        requirements,
        deadlines,
        punishment,
        calendar,
        rates,
        safeguards,
        workdays,
        naming,
        places,
    )
    else {
        return Err(p.errors);
    };

    if meta.time_zone != TIME_ZONE {
        p.errors.push(PackError {
            file: "pack.toml".into(),
            line: None,
            message: format!(
                "time_zone `{}` is not supported: tipline shows and counts days in {TIME_ZONE} (UTC+8, no daylight saving)",
                meta.time_zone
            ),
        });
    }
    let defined = Defined {
        industries: unique(&mut p, "industries.toml", &industries.industry, |i| &i.key),
        bureaus: unique(&mut p, "bureaus.toml", &bureaus.bureau, |i| &i.key),
        dimensions: unique(&mut p, "dimensions.toml", &dimensions.dimension, |i| &i.key),
    };
    unique(&mut p, "districts.toml", &districts.district, |i| &i.key);
    unique(&mut p, "classify.toml", &classify.rule, |r| &r.id);
    check_table5_ids(&mut p, &table5);
    unique(
        &mut p,
        "requirements.toml",
        &requirements.requirement,
        |r| &r.id,
    );
    unique(&mut p, "deadlines.toml", &deadlines.deadline, |r| &r.key);
    unique(&mut p, "punishment.toml", &punishment.measure, |r| &r.key);
    unique(&mut p, "calendar.toml", &calendar.report, |r| &r.key);
    let rate_keys = unique(&mut p, "rates.toml", &rates.rate, |r| &r.key);
    cited(&mut p, "rates.toml", &rates.rate, |r| &r.citation);
    for r in &rates.rate {
        if !RATE_KEYS.contains(&r.get_ref().key.as_str()) {
            p.at(
                "rates.toml",
                r.span(),
                format!(
                    "unknown rate `{}` (known: {})",
                    r.get_ref().key,
                    RATE_KEYS.join(", ")
                ),
            );
        }
    }
    for k in RATE_KEYS {
        if !rate_keys.contains(k) {
            p.errors.push(PackError {
                file: "rates.toml".into(),
                line: None,
                message: format!("rate `{k}` is not defined"),
            });
        }
    }

    cited(&mut p, "industries.toml", &industries.industry, |e| {
        &e.citation
    });
    cited(&mut p, "districts.toml", &districts.district, |e| {
        &e.citation
    });
    cited(&mut p, "bureaus.toml", &bureaus.bureau, |e| &e.citation);
    cited(&mut p, "dimensions.toml", &dimensions.dimension, |e| {
        &e.citation
    });
    cited(&mut p, "routing.toml", &routing.route, |e| &e.citation);
    cited(
        &mut p,
        "routing.toml",
        std::slice::from_ref(&routing.settings),
        |e| &e.citation,
    );
    cited(&mut p, "classify.toml", &classify.rule, |e| &e.citation);
    cited(&mut p, "table5.toml", &table5.threshold, |e| &e.citation);
    cited(&mut p, "table5.toml", &table5.banned, |e| &e.citation);
    cited(
        &mut p,
        "requirements.toml",
        &requirements.requirement,
        |e| &e.citation,
    );
    cited(&mut p, "deadlines.toml", &deadlines.deadline, |e| {
        &e.citation
    });
    cited(&mut p, "punishment.toml", &punishment.measure, |e| {
        &e.citation
    });
    cited(&mut p, "punishment.toml", &punishment.regime, |e| {
        &e.citation
    });
    check_regimes(&mut p, &defined, &punishment);
    cited(&mut p, "calendar.toml", &calendar.report, |e| &e.citation);
    cited(&mut p, "workdays.toml", &workdays.year, |e| &e.citation);

    check_routing(&mut p, &defined, &routing);
    check_classify(&mut p, &defined, &classify);
    check_table5(&mut p, &defined, &table5);
    check_places(&mut p, &places);
    check_required_measures(&mut p, &dimensions, &table5);
    check_requirements(&mut p, &defined, &requirements);
    check_deadlines(&mut p, &defined, &deadlines);
    check_calendar(&mut p, &calendar);
    check_workdays(&mut p, &workdays);
    check_streets(&mut p, &districts);
    unique(&mut p, "safeguards.toml", &safeguards.retention, |r| &r.key);
    cited(&mut p, "safeguards.toml", &safeguards.retention, |e| {
        &e.citation
    });
    cited(
        &mut p,
        "safeguards.toml",
        std::slice::from_ref(&safeguards.flood),
        |e| &e.citation,
    );
    check_safeguards(&mut p, &safeguards);
    check_naming(&mut p, &industries, &naming);

    if !p.errors.is_empty() {
        return Err(p.errors);
    }
    Ok(Pack {
        meta,
        naming: naming.into_inner(),
        industries: industries
            .industry
            .into_iter()
            .map(Spanned::into_inner)
            .collect(),
        districts: districts
            .district
            .into_iter()
            .map(Spanned::into_inner)
            .collect(),
        bureaus: bureaus
            .bureau
            .into_iter()
            .map(Spanned::into_inner)
            .collect(),
        dimensions: dimensions
            .dimension
            .into_iter()
            .map(Spanned::into_inner)
            .collect(),
        routing: routing.settings.into_inner(),
        routes: routing.route.into_iter().map(Spanned::into_inner).collect(),
        classify: classify.rule.into_iter().map(Spanned::into_inner).collect(),
        table5: Table5 {
            thresholds: table5
                .threshold
                .into_iter()
                .map(Spanned::into_inner)
                .collect(),
            banned: table5.banned.into_iter().map(Spanned::into_inner).collect(),
            obsolete_measure: table5.obsolete_measure.map(Spanned::into_inner),
            obsolete_measure_citation: table5.obsolete_measure_citation,
        },
        requirements: requirements
            .requirement
            .into_iter()
            .map(Spanned::into_inner)
            .collect(),
        deadlines: deadlines
            .deadline
            .into_iter()
            .map(Spanned::into_inner)
            .collect(),
        punishments: punishment
            .measure
            .into_iter()
            .map(Spanned::into_inner)
            .collect(),
        regimes: {
            let mut r: Vec<PunishmentRegime> = punishment
                .regime
                .into_iter()
                .map(Spanned::into_inner)
                .collect();
            r.sort_by_key(|r| r.in_force_from);
            r
        },
        calendar: calendar
            .report
            .into_iter()
            .map(Spanned::into_inner)
            .collect(),
        rates: rates.rate.into_iter().map(Spanned::into_inner).collect(),
        retention: safeguards
            .retention
            .into_iter()
            .map(Spanned::into_inner)
            .collect(),
        flood: safeguards.flood.into_inner(),
        workdays: workdays.year.into_iter().map(Spanned::into_inner).collect(),
        places: places.place.into_iter().map(Spanned::into_inner).collect(),
    })
}

/// The matcher's places: each named once, each parent a place of the list
/// above it, the list cited.
fn check_places(p: &mut Problems, places: &PlacesFile) {
    let f = "places.toml";
    if places.citation.trim().is_empty() {
        p.errors.push(PackError {
            file: f.into(),
            line: None,
            message: "places without a citation".into(),
        });
    }
    if places.place.is_empty() {
        p.errors.push(PackError {
            file: f.into(),
            line: None,
            message: "no [[place]]: the matcher could not place a firm".into(),
        });
    }
    let names = unique(p, f, &places.place, |r| &r.name);
    for r in &places.place {
        if let Some(parent) = &r.get_ref().parent
            && !names.contains(parent)
        {
            p.at(
                f,
                r.span(),
                format!("parent `{parent}` is not a place of this file"),
            );
        }
        if r.get_ref().name.trim().is_empty() {
            p.at(f, r.span(), "a place without a name".into());
        }
    }
}

fn unique<T>(
    p: &mut Problems,
    file: &str,
    entries: &[Spanned<T>],
    key: impl Fn(&T) -> &String,
) -> HashSet<String> {
    let mut seen = HashSet::new();
    for e in entries {
        let k = key(e.get_ref());
        if !seen.insert(k.clone()) {
            p.at(file, e.span(), format!("duplicate key `{k}`"));
        }
    }
    seen
}

/// The matcher needs the organisation forms and each industry's trade words
/// (without them a firm's name cannot be brought to its trade name).
fn check_naming(p: &mut Problems, industries: &IndustriesFile, naming: &Spanned<Naming>) {
    if naming.get_ref().citation.trim().is_empty() {
        p.at(
            "naming.toml",
            naming.span(),
            "naming without a citation".into(),
        );
    }
    if naming
        .get_ref()
        .org_forms
        .iter()
        .all(|w| w.trim().is_empty())
    {
        p.at(
            "naming.toml",
            naming.span(),
            "no org_forms (有限公司 …)".into(),
        );
    }
    for i in &industries.industry {
        if i.get_ref().trade_words.iter().all(|w| w.trim().is_empty()) {
            p.at(
                "industries.toml",
                i.span(),
                format!(
                    "industry {} has no trade_words (钢铁, 铜业 …)",
                    i.get_ref().key
                ),
            );
        }
    }
}

fn cited<T>(
    p: &mut Problems,
    file: &str,
    entries: &[Spanned<T>],
    citation: impl Fn(&T) -> &String,
) {
    for e in entries {
        if citation(e.get_ref()).trim().is_empty() {
            p.at(
                file,
                e.span(),
                "entry without a citation (plan and table or section)".into(),
            );
        }
    }
}

/// Reports `what` `key` in `file` when it is not in `set`.
fn defined(
    p: &mut Problems,
    file: &str,
    span: std::ops::Range<usize>,
    what: &str,
    set: &HashSet<String>,
    key: &str,
) {
    if !set.contains(key) {
        p.at(
            file,
            span,
            format!("{what} `{key}` is referenced but not defined"),
        );
    }
}

fn check_routing(p: &mut Problems, d: &Defined, routing: &RoutingFile) {
    let f = "routing.toml";
    let s = &routing.settings;
    for dim in &s.get_ref().priority {
        defined(p, f, s.span(), "dimension", &d.dimensions, dim);
    }
    for dim in &d.dimensions {
        if !s.get_ref().priority.contains(dim) {
            p.at(
                f,
                s.span(),
                format!("dimension `{dim}` missing from `priority`"),
            );
        }
    }
    defined(
        p,
        f,
        s.span(),
        "dimension",
        &d.dimensions,
        &s.get_ref().fallback_dimension,
    );
    for r in &routing.route {
        let (span, route) = (r.span(), r.get_ref());
        defined(
            p,
            f,
            span.clone(),
            "dimension",
            &d.dimensions,
            &route.dimension,
        );
        if let Some(i) = &route.industry {
            defined(p, f, span.clone(), "industry", &d.industries, i);
        }
        defined(p, f, span.clone(), "bureau", &d.bureaus, &route.lead);
        for c in &route.co {
            defined(p, f, span.clone(), "bureau", &d.bureaus, c);
        }
    }
    // Every dimension × industry needs a row: its own or the dimension's default.
    let mut dims: Vec<&String> = d.dimensions.iter().collect();
    dims.sort();
    let mut inds: Vec<&String> = d.industries.iter().collect();
    inds.sort();
    let rows: HashSet<(&str, Option<&str>)> = routing
        .route
        .iter()
        .filter(|r| r.get_ref().when_words.is_empty())
        .map(|r| {
            (
                r.get_ref().dimension.as_str(),
                r.get_ref().industry.as_deref(),
            )
        })
        .collect();
    for dim in dims {
        if rows.contains(&(dim.as_str(), None)) {
            continue;
        }
        for ind in &inds {
            if !rows.contains(&(dim.as_str(), Some(ind.as_str()))) {
                p.errors.push(PackError {
                    file: f.into(),
                    line: None,
                    message: format!("industry `{ind}` has no route for dimension `{dim}` (and the dimension has no default row)"),
                });
            }
        }
    }
}

fn check_classify(p: &mut Problems, d: &Defined, classify: &ClassifyFile) {
    let f = "classify.toml";
    for r in &classify.rule {
        let (span, rule) = (r.span(), r.get_ref());
        defined(
            p,
            f,
            span.clone(),
            "dimension",
            &d.dimensions,
            &rule.dimension,
        );
        if rule.keywords.is_empty() && rule.patterns.is_empty() {
            p.at(
                f,
                span.clone(),
                format!("rule `{}` has neither keywords nor patterns", rule.id),
            );
        }
        bad_patterns(p, f, &span, &rule.id, &rule.patterns);
        for dim in &rule.displaces {
            defined(p, f, span.clone(), "dimension", &d.dimensions, dim);
        }
    }
}

fn bad_patterns(
    p: &mut Problems,
    f: &str,
    span: &std::ops::Range<usize>,
    id: &str,
    patterns: &[String],
) {
    for pat in patterns {
        if let Err(e) = Regex::new(pat) {
            p.at(f, span.clone(), format!("rule `{id}`: bad pattern: {e}"));
        }
    }
}

/// A measure a plan requires is one the workflow knows, with its citation.
fn check_required_measures(p: &mut Problems, d: &DimensionsFile, t: &Table5File) {
    let known = |m: &str| crate::domain::case_state::Measure::parse(m).is_some();
    for dim in &d.dimension {
        if let Some(m) = &dim.get_ref().measure {
            if !known(m) {
                p.at(
                    "dimensions.toml",
                    dim.span(),
                    format!("unknown measure `{m}`"),
                );
            }
            if dim.get_ref().measure_citation.trim().is_empty() {
                p.at(
                    "dimensions.toml",
                    dim.span(),
                    format!("measure `{m}` without a measure_citation"),
                );
            }
        }
    }
    if let Some(m) = &t.obsolete_measure {
        if !known(m.get_ref()) {
            p.at(
                "table5.toml",
                m.span(),
                format!("unknown obsolete_measure `{}`", m.get_ref()),
            );
        }
        if t.obsolete_measure_citation.trim().is_empty() {
            p.at(
                "table5.toml",
                m.span(),
                "obsolete_measure without an obsolete_measure_citation".into(),
            );
        }
    }
}

fn check_table5_ids(p: &mut Problems, t: &Table5File) {
    let mut seen = HashSet::new();
    let ids = t
        .threshold
        .iter()
        .map(|r| (r.span(), &r.get_ref().id))
        .chain(t.banned.iter().map(|r| (r.span(), &r.get_ref().id)));
    for (span, id) in ids {
        if !seen.insert(id.clone()) {
            p.at("table5.toml", span, format!("duplicate rule id `{id}`"));
        }
    }
}

fn check_table5(p: &mut Problems, d: &Defined, t: &Table5File) {
    let f = "table5.toml";
    for r in &t.threshold {
        let (span, rule) = (r.span(), r.get_ref());
        defined(
            p,
            f,
            span.clone(),
            "industry",
            &d.industries,
            &rule.industry,
        );
        defined(
            p,
            f,
            span.clone(),
            "dimension",
            &d.dimensions,
            &rule.dimension,
        );
        if rule.equipment.is_empty() {
            p.at(
                f,
                span.clone(),
                format!("rule `{}` names no equipment", rule.id),
            );
        }
        bad_patterns(p, f, &span, &rule.id, &rule.patterns);
        for c in rule.conditions() {
            let Some(q) = c.quantity else {
                p.at(
                    f,
                    span.clone(),
                    format!("rule `{}`: threshold without a quantity", rule.id),
                );
                continue;
            };
            if c.comparison.is_none() {
                p.at(
                    f,
                    span.clone(),
                    format!("rule `{}`: threshold without a comparison", rule.id),
                );
            }
            if c.threshold.is_none() {
                p.at(
                    f,
                    span.clone(),
                    format!("rule `{}`: condition without a threshold", rule.id),
                );
            }
            match c.unit.as_deref() {
                None | Some("") => p.at(
                    f,
                    span.clone(),
                    format!(
                        "rule `{}`: threshold without a unit (expected `{}`)",
                        rule.id,
                        q.unit()
                    ),
                ),
                Some(u) if u != q.unit() => p.at(
                    f,
                    span.clone(),
                    format!(
                        "rule `{}`: unit `{u}` does not fit quantity (expected `{}`)",
                        rule.id,
                        q.unit()
                    ),
                ),
                _ => {}
            }
        }
    }
    for r in &t.banned {
        let (span, rule) = (r.span(), r.get_ref());
        defined(
            p,
            f,
            span.clone(),
            "industry",
            &d.industries,
            &rule.industry,
        );
        defined(
            p,
            f,
            span.clone(),
            "dimension",
            &d.dimensions,
            &rule.dimension,
        );
        bad_patterns(p, f, &span, &rule.id, &rule.patterns);
        if rule.equipment.is_empty() {
            p.at(f, span, format!("rule `{}` names no equipment", rule.id));
        }
    }
}

fn check_requirements(p: &mut Problems, d: &Defined, r: &RequirementsFile) {
    let f = "requirements.toml";
    for e in &r.requirement {
        let (span, req) = (e.span(), e.get_ref());
        defined(
            p,
            f,
            span.clone(),
            "dimension",
            &d.dimensions,
            &req.dimension,
        );
        for i in &req.industries {
            defined(p, f, span.clone(), "industry", &d.industries, i);
        }
        if !(1..=4).contains(&req.table) {
            p.at(
                f,
                span,
                format!("requirement `{}`: table must be 1–4", req.id),
            );
        }
    }
}

fn check_deadlines(p: &mut Problems, d: &Defined, r: &DeadlinesFile) {
    let f = "deadlines.toml";
    for e in &r.deadline {
        let (span, dl) = (e.span(), e.get_ref());
        if let Some(dim) = &dl.dimension {
            defined(p, f, span.clone(), "dimension", &d.dimensions, dim);
        }
        if let Some(step) = &dl.step {
            if !DEADLINE_STEPS.contains(&step.as_str()) {
                p.at(
                    f,
                    span.clone(),
                    format!("deadline `{}`: unknown step `{step}`", dl.key),
                );
            }
            if dl.working_days.is_none() {
                p.at(
                    f,
                    span.clone(),
                    format!("deadline `{}`: a step limit needs working_days", dl.key),
                );
            }
        }
        if !dl.immediate && dl.months.is_none() && dl.days.is_none() && dl.working_days.is_none() {
            p.at(
                f,
                span,
                format!(
                    "deadline `{}` has no time limit and is not immediate",
                    dl.key
                ),
            );
        }
    }
}

/// Statuses a case can end in; retention applies only to those.
const FINAL_STATUSES: [&str; 2] = ["closed", "unsubstantiated"];

fn check_safeguards(p: &mut Problems, s: &SafeguardsFile) {
    let f = "safeguards.toml";
    for e in &s.retention {
        let r = e.get_ref();
        if !FINAL_STATUSES.contains(&r.case_status.as_str()) {
            p.at(
                f,
                e.span(),
                format!(
                    "retention `{}`: case_status `{}` is not one of {FINAL_STATUSES:?}",
                    r.key, r.case_status
                ),
            );
        }
        if r.months == 0 {
            p.at(
                f,
                e.span(),
                format!("retention `{}`: months must be > 0", r.key),
            );
        }
    }
    let flood = s.flood.get_ref();
    if flood.window_minutes == 0
        || flood.min_tips < 2
        || !(flood.similarity > 0.0 && flood.similarity <= 1.0)
    {
        p.at(
            f,
            s.flood.span(),
            "flood: window_minutes > 0, min_tips >= 2 and 0 < similarity <= 1".into(),
        );
    }
}

/// Every day parses, lies in its year, is listed once; make-up working days
/// fall on weekends; years are unique.
fn check_workdays(p: &mut Problems, w: &WorkdaysFile) {
    use crate::domain::working_days::parse_days;
    use chrono::Datelike;
    let f = "workdays.toml";
    let mut years = HashSet::new();
    for e in &w.year {
        let (span, y) = (e.span(), e.get_ref());
        if !years.insert(y.year) {
            p.at(f, span.clone(), format!("year {} listed twice", y.year));
        }
        // Every year has holidays (元旦 at least): an empty list is a year
        // copied in before its notice was read.
        if y.holidays.is_empty() {
            p.at(
                f,
                span.clone(),
                format!(
                    "year {} has no holidays: copy them from the State Council's notice for {}",
                    y.year, y.year
                ),
            );
        }
        let mut seen = HashSet::new();
        for (list, is_holiday) in [(&y.holidays, true), (&y.workdays, false)] {
            for spec in list {
                match parse_days(spec) {
                    Err(m) => p.at(f, span.clone(), m),
                    Ok(days) => {
                        for d in days {
                            if d.year() != y.year {
                                p.at(f, span.clone(), format!("{d} is not in {}", y.year));
                            }
                            if !seen.insert(d) {
                                p.at(f, span.clone(), format!("{d} listed twice"));
                            }
                            let weekend = d.weekday().number_from_monday() >= 6;
                            if !is_holiday && !weekend {
                                p.at(
                                    f,
                                    span.clone(),
                                    format!("make-up working day {d} is not a weekend day"),
                                );
                            }
                        }
                    }
                }
            }
        }
    }
    // A gap would count a whole year's holidays as working days.
    if let (Some(first), Some(last)) = (years.iter().min(), years.iter().max()) {
        for y in *first..*last {
            if !years.contains(&y) {
                p.errors.push(PackError {
                    file: f.into(),
                    line: None,
                    message: format!("year {y} is missing between {first} and {last}"),
                });
            }
        }
    }
}

/// The line of a regime's `[[regime.tier]]` entry with this key, else the
/// regime's own span.
fn tier_span(p: &Problems, r: &Spanned<PunishmentRegime>, key: &str) -> std::ops::Range<usize> {
    let span = r.span();
    let text = p
        .files
        .iter()
        .find(|f| f.name == "punishment.toml")
        .map(|f| f.text.as_str())
        .unwrap_or("");
    // The regime's own text: to the next `[[regime]]` (its tiers included).
    let Some(rest) = text.get(span.start..) else {
        return span;
    };
    let body = match rest[1..].find("\n[[regime]]") {
        Some(n) => &rest[..n + 1],
        None => rest,
    };
    let Some(at) = body.find(&format!("key = \"{key}\"")) else {
        return span;
    };
    let header = body[..at].rfind("[[").unwrap_or(at);
    span.start + header..span.start + header + 1
}

/// Regimes of publication terms: known keys, dates that neither overlap nor
/// leave a gap, one term (untiered) or the three tiers within the order's
/// bounds (tiered), a 轻微 tier published only if the pack says so; every
/// measure with a known tier and a tier_citation.
fn check_regimes(p: &mut Problems, d: &Defined, f: &PunishmentFile) {
    const FILE: &str = "punishment.toml";
    for m in &f.measure {
        let mm = m.get_ref();
        if mm.tier.trim().is_empty() {
            p.at(
                FILE,
                m.span(),
                format!(
                    "measure `{}` without a tier (minor, general or serious)",
                    mm.key
                ),
            );
        } else if !CREDIT_TIERS.contains(&mm.tier.as_str()) {
            p.at(
                FILE,
                m.span(),
                format!(
                    "measure `{}`: unknown tier `{}` (known: {})",
                    mm.key,
                    mm.tier,
                    CREDIT_TIERS.join(", ")
                ),
            );
        }
        if mm.tier_citation.trim().is_empty() {
            p.at(
                FILE,
                m.span(),
                format!("measure `{}` without a tier_citation", mm.key),
            );
        }
    }
    if f.regime.is_empty() {
        p.errors.push(PackError {
            file: FILE.into(),
            line: None,
            message: "no [[regime]] of publication terms".into(),
        });
        return;
    }
    unique(p, FILE, &f.regime, |r| &r.key);
    for e in &f.regime {
        let r = e.get_ref();
        if !CREDIT_REGIMES.contains(&r.key.as_str()) {
            p.at(
                FILE,
                e.span(),
                format!(
                    "unknown regime `{}` (known: {})",
                    r.key,
                    CREDIT_REGIMES.join(", ")
                ),
            );
        }
        if r.until.is_some_and(|u| u < r.in_force_from) {
            p.at(
                FILE,
                e.span(),
                format!("regime `{}` ends before it starts", r.key),
            );
        }
        if r.tier.is_empty() {
            let (Some(min), Some(max)) = (r.min_months, r.max_months) else {
                p.at(
                    FILE,
                    e.span(),
                    format!(
                        "regime `{}`: min_months and max_months, or [[regime.tier]] entries",
                        r.key
                    ),
                );
                continue;
            };
            let longest = r
                .min_months_by_dimension
                .values()
                .fold(min, |a, &b| a.max(b));
            if min == 0 || max < longest {
                p.at(
                    FILE,
                    e.span(),
                    format!(
                        "regime `{}`: min_months > 0 and max_months at least every minimum",
                        r.key
                    ),
                );
            }
            for dim in r.min_months_by_dimension.keys() {
                if !d.dimensions.contains(dim) {
                    p.at(
                        FILE,
                        e.span(),
                        format!("regime `{}`: unknown dimension `{dim}`", r.key),
                    );
                }
            }
            continue;
        }
        if r.min_months.is_some() || r.max_months.is_some() || !r.min_months_by_dimension.is_empty()
        {
            p.at(
                FILE,
                e.span(),
                format!(
                    "regime `{}` has tiers: its terms are the tiers', not min_months/max_months",
                    r.key
                ),
            );
        }
        let mut seen = HashSet::new();
        for t in &r.tier {
            let span = tier_span(p, e, &t.key);
            if !CREDIT_TIERS.contains(&t.key.as_str()) {
                p.at(
                    FILE,
                    span,
                    format!(
                        "regime `{}`: unknown tier `{}` (known: {})",
                        r.key,
                        t.key,
                        CREDIT_TIERS.join(", ")
                    ),
                );
                continue;
            }
            if !seen.insert(t.key.as_str()) {
                p.at(
                    FILE,
                    span.clone(),
                    format!("regime `{}`: tier `{}` twice", r.key, t.key),
                );
            }
            if t.citation.trim().is_empty() {
                p.at(
                    FILE,
                    span.clone(),
                    format!("regime `{}`: tier `{}` without a citation", r.key, t.key),
                );
            }
            if t.min_months > t.max_months {
                p.at(
                    FILE,
                    span.clone(),
                    format!(
                        "regime `{}`: tier `{}` min_months {} > max_months {}",
                        r.key, t.key, t.min_months, t.max_months
                    ),
                );
            }
            if r.key == "order36"
                && let Some((lo, hi)) = order36_bounds(&t.key)
                && (t.min_months < lo || t.max_months > hi || t.min_months > hi)
            {
                p.at(
                    FILE,
                    span.clone(),
                    format!(
                        "regime `{}`: tier `{}` is {}–{} months, outside the order's {lo}–{hi}",
                        r.key, t.key, t.min_months, t.max_months
                    ),
                );
            }
            if t.key == "minor" && t.published && !r.publish_minor {
                p.at(
                    FILE,
                    span.clone(),
                    format!(
                        "regime `{}`: a minor tier is published only with publish_minor = true",
                        r.key
                    ),
                );
            }
            if t.key != "minor" && !t.published {
                p.at(
                    FILE,
                    span,
                    format!("regime `{}`: tier `{}` must be published", r.key, t.key),
                );
            }
        }
        for k in CREDIT_TIERS {
            if !seen.contains(k) {
                p.at(
                    FILE,
                    e.span(),
                    format!("regime `{}`: tier `{k}` is missing", r.key),
                );
            }
        }
    }
    // Oldest first: each regime starts the day after the one before ends.
    let mut order: Vec<&Spanned<PunishmentRegime>> = f.regime.iter().collect();
    order.sort_by_key(|r| r.get_ref().in_force_from);
    for w in order.windows(2) {
        let (a, b) = (w[0].get_ref(), w[1].get_ref());
        let Some(until) = a.until else {
            p.at(
                FILE,
                w[1].span(),
                format!(
                    "regime `{}` overlaps `{}`, which has no until",
                    b.key, a.key
                ),
            );
            continue;
        };
        let next = until.succ_opt().unwrap_or(until);
        if b.in_force_from <= until {
            p.at(
                FILE,
                w[1].span(),
                format!("regime `{}` overlaps `{}` (until {until})", b.key, a.key),
            );
        } else if b.in_force_from > next {
            p.at(
                FILE,
                w[1].span(),
                format!(
                    "gap between regimes `{}` (until {until}) and `{}` (from {})",
                    a.key, b.key, b.in_force_from
                ),
            );
        }
    }
}

fn check_calendar(p: &mut Problems, c: &CalendarFile) {
    for e in &c.report {
        let due = &e.get_ref().due;
        let ok = chrono::NaiveDate::parse_from_str(&format!("2000-{due}"), "%Y-%m-%d").is_ok();
        if !ok {
            p.at(
                "calendar.toml",
                e.span(),
                format!("due `{due}` is not MM-DD"),
            );
        }
    }
}

/// A street listed under two districts would make inference depend on order.
fn check_streets(p: &mut Problems, districts: &DistrictsFile) {
    let mut owner: HashMap<&str, &str> = HashMap::new();
    for e in &districts.district {
        let dist = e.get_ref();
        for s in &dist.streets {
            if let Some(prev) = owner.insert(s, &dist.key)
                && prev != dist.key
            {
                p.at(
                    "districts.toml",
                    e.span(),
                    format!("street `{s}` listed under both `{prev}` and `{}`", dist.key),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::source::{PackError, PackFile, check, embedded_files};

    fn shenzhen() -> Vec<PackFile> {
        embedded_files("shenzhen-2019").expect("embedded pack")
    }

    /// Replace the first `from` in `file` by `to`; returns the 1-based line
    /// of the `[[header]]` entry the change falls in.
    fn edit(files: &mut [PackFile], file: &str, from: &str, to: &str) -> usize {
        let f = files.iter_mut().find(|f| f.name == file).expect("file");
        let at = f
            .text
            .find(from)
            .unwrap_or_else(|| panic!("`{from}` not in {file}"));
        let header = f.text[..at].rfind("[[").expect("entry header");
        f.text.replace_range(at..at + from.len(), to);
        f.text[..header].matches('\n').count() + 1
    }

    fn has(errors: &[PackError], file: &str, line: usize, words: &str) -> bool {
        errors
            .iter()
            .any(|e| e.file == file && e.line == Some(line) && e.message.contains(words))
    }

    #[test]
    fn shipped_packs_have_no_problems() {
        for name in super::super::embedded_pack_names() {
            let problems = check(embedded_files(&name).unwrap());
            assert!(problems.is_empty(), "{name}: {problems:?}");
        }
    }

    /// The 1-based line of the `[[…]]` header before `needle` in punishment.toml.
    fn line_before(files: &[PackFile], needle: &str) -> usize {
        let f = files.iter().find(|f| f.name == "punishment.toml").unwrap();
        let at = f.text.find(needle).unwrap_or_else(|| panic!("`{needle}`"));
        let header = f.text[..at].rfind("[[").unwrap();
        f.text[..header].matches('\n').count() + 1
    }

    #[test]
    fn a_publication_term_that_cannot_hold_is_reported() {
        let mut files = shenzhen();
        let line = edit(
            &mut files,
            "punishment.toml",
            "max_months = 36\nmin_months_by_dimension = { safety = 12 }",
            "max_months = 6\nmin_months_by_dimension = { safety = 12, weather = 2 }",
        );
        let errors = check(files);
        assert!(
            has(
                &errors,
                "punishment.toml",
                line,
                "max_months at least every minimum"
            ),
            "{errors:?}"
        );
        assert!(
            has(
                &errors,
                "punishment.toml",
                line,
                "unknown dimension `weather`"
            ),
            "{errors:?}"
        );
    }

    #[test]
    fn a_measure_needs_a_known_tier_and_its_citation() {
        let mut files = shenzhen();
        let b = edit(&mut files, "punishment.toml", "tier = \"general\"\n", "");
        let a = edit(
            &mut files,
            "punishment.toml",
            "tier = \"serious\"",
            "tier = \"grave\"",
        );
        let f = files
            .iter_mut()
            .find(|f| f.name == "punishment.toml")
            .unwrap();
        let at = f.text.rfind("tier_citation = ").unwrap();
        let end = at + f.text[at..].find('\n').unwrap();
        f.text.replace_range(at..end, "");
        let c = f.text[..f.text[..at].rfind("[[").unwrap()]
            .matches('\n')
            .count()
            + 1;
        let errors = check(files);
        assert!(
            has(&errors, "punishment.toml", a, "unknown tier `grave`"),
            "{errors:?}"
        );
        assert!(
            has(&errors, "punishment.toml", b, "without a tier"),
            "{errors:?}"
        );
        assert!(
            has(&errors, "punishment.toml", c, "without a tier_citation"),
            "{errors:?}"
        );
    }

    #[test]
    fn regimes_may_neither_overlap_nor_leave_a_gap() {
        for (until, words) in [
            ("until = \"2026-04-30\"", "overlaps `order58`"),
            ("until = \"2026-02-28\"", "gap between regimes `order58`"),
        ] {
            let mut files = shenzhen();
            edit(
                &mut files,
                "punishment.toml",
                "until = \"2026-03-31\"",
                until,
            );
            let line = line_before(&files, "key = \"order36\"");
            let errors = check(files);
            assert!(has(&errors, "punishment.toml", line, words), "{errors:?}");
        }
        // An open-ended regime before another overlaps it.
        let mut files = shenzhen();
        edit(
            &mut files,
            "punishment.toml",
            "until = \"2026-03-31\"\n",
            "",
        );
        let line = line_before(&files, "key = \"order36\"");
        let errors = check(files);
        assert!(
            has(&errors, "punishment.toml", line, "which has no until"),
            "{errors:?}"
        );
    }

    #[test]
    fn a_tier_must_hold_and_stay_within_the_order() {
        let mut files = shenzhen();
        let serious = edit(
            &mut files,
            "punishment.toml",
            "min_months = 12\nmax_months = 36",
            "min_months = 30\nmax_months = 24",
        );
        let general = edit(
            &mut files,
            "punishment.toml",
            "min_months = 3\nmax_months = 12",
            "min_months = 3\nmax_months = 18",
        );
        let minor = edit(
            &mut files,
            "punishment.toml",
            "published = false",
            "published = true",
        );
        let errors = check(files);
        assert!(
            has(
                &errors,
                "punishment.toml",
                serious,
                "min_months 30 > max_months 24"
            ),
            "{errors:?}"
        );
        assert!(
            has(
                &errors,
                "punishment.toml",
                general,
                "outside the order's 3–12"
            ),
            "{errors:?}"
        );
        assert!(
            has(
                &errors,
                "punishment.toml",
                minor,
                "only with publish_minor = true"
            ),
            "{errors:?}"
        );
        // A pack that publishes 轻微 records, for at most 3 months: fine.
        let mut files = shenzhen();
        edit(
            &mut files,
            "punishment.toml",
            "published = false",
            "published = true",
        );
        edit(
            &mut files,
            "punishment.toml",
            "publish_minor = false",
            "publish_minor = true",
        );
        assert!(check(files).is_empty());
        let mut files = shenzhen();
        edit(
            &mut files,
            "punishment.toml",
            "publish_minor = false",
            "publish_minor = true",
        );
        let minor = edit(
            &mut files,
            "punishment.toml",
            "min_months = 0\nmax_months = 3\npublished = false",
            "min_months = 0\nmax_months = 6\npublished = true",
        );
        let errors = check(files);
        assert!(
            has(&errors, "punishment.toml", minor, "outside the order's 0–3"),
            "{errors:?}"
        );
    }

    #[test]
    fn an_unknown_tier_or_a_missing_citation_in_a_regime_is_reported() {
        let mut files = shenzhen();
        let tiny = edit(
            &mut files,
            "punishment.toml",
            "key = \"minor\"",
            "key = \"tiny\"",
        );
        let order36 = line_before(&files, "key = \"order36\"");
        let f = files
            .iter_mut()
            .find(|f| f.name == "punishment.toml")
            .unwrap();
        let at = f
            .text
            .rfind("citation = \"国家发展改革委令第36号 第二章")
            .unwrap();
        let end = at + f.text[at..].find('\n').unwrap();
        f.text.replace_range(at..end, "");
        let uncited = f.text[..f.text[..at].rfind("[[").unwrap()]
            .matches('\n')
            .count()
            + 1;
        let errors = check(files);
        assert!(
            has(&errors, "punishment.toml", tiny, "unknown tier `tiny`"),
            "{errors:?}"
        );
        assert!(
            has(
                &errors,
                "punishment.toml",
                order36,
                "tier `minor` is missing"
            ),
            "{errors:?}"
        );
        assert!(
            has(&errors, "punishment.toml", uncited, "without a citation"),
            "{errors:?}"
        );
        let mut files = shenzhen();
        let f = files
            .iter_mut()
            .find(|f| f.name == "punishment.toml")
            .unwrap();
        let at = f.text.find("citation = \"《信用修复管理办法》").unwrap();
        let end = at + f.text[at..].find('\n').unwrap();
        f.text.replace_range(at..end, "");
        let line = line_before(&files, "key = \"order36\"");
        let errors = check(files);
        assert!(
            has(&errors, "punishment.toml", line, "without a citation"),
            "{errors:?}"
        );
    }

    #[test]
    fn the_term_follows_the_decision_date_and_the_most_severe_tier() {
        let pack = super::super::embedded_pack("shenzhen-2019").unwrap();
        let d = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        let keys = |k: &[&str]| k.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let term = |day: &str, m: &[&str], dims: &[&str]| {
            let t = pack.term_for(d(day), &keys(m), &keys(dims)).unwrap();
            (t.regime, t.tier, t.min_months, t.max_months)
        };
        // Before 2026-04-01: Order 58, one term, longer for safety.
        assert_eq!(
            term("2026-03-31", &["land_supply"], &["energy"]),
            ("order58".into(), None, 3, 36)
        );
        assert_eq!(
            term("2026-03-31", &["credit_china"], &["energy", "safety"]),
            ("order58".into(), None, 12, 36)
        );
        // From 2026-04-01: the tier of the most severe measure.
        assert_eq!(
            term("2026-04-01", &["credit_china"], &["safety"]),
            ("order36".into(), Some("general".into()), 3, 12)
        );
        assert_eq!(
            term("2026-04-01", &["credit_china", "land_supply"], &[]),
            ("order36".into(), Some("serious".into()), 12, 36)
        );
        assert!(
            pack.term_for(d("2023-04-30"), &keys(&["land_supply"]), &[])
                .is_none()
        );
        let label = crate::jurisdiction::term_label(
            &pack,
            Some("order36"),
            Some("general"),
            Some(3),
            Some(12),
        );
        assert_eq!(
            label,
            "一般失信 · 《信用修复管理办法》（2026年4月1日起） · 公示期 3–12 个月"
        );
    }

    #[test]
    fn missing_citation_is_reported_with_file_and_line() {
        let mut files = shenzhen();
        let line = edit(
            &mut files,
            "bureaus.toml",
            "citation = \"深圳2019 二(三)\"",
            "",
        );
        let errors = check(files);
        assert!(
            has(&errors, "bureaus.toml", line, "without a citation"),
            "{errors:?}"
        );
    }

    #[test]
    fn a_place_under_an_unknown_parent_is_reported() {
        let mut files = shenzhen();
        let line = edit(
            &mut files,
            "places.toml",
            "parent = \"宝安\"",
            "parent = \"宝安县\"",
        );
        let errors = check(files);
        assert!(
            has(
                &errors,
                "places.toml",
                line,
                "parent `宝安县` is not a place"
            ),
            "{errors:?}"
        );
    }

    #[test]
    fn a_required_measure_is_known_and_cited() {
        let mut files = shenzhen();
        let line = edit(
            &mut files,
            "dimensions.toml",
            "measure = \"close\"",
            "measure = \"melt\"",
        );
        let errors = check(files);
        assert!(
            has(&errors, "dimensions.toml", line, "unknown measure `melt`"),
            "{errors:?}"
        );
        let mut files = shenzhen();
        let f = files.iter_mut().find(|f| f.name == "table5.toml").unwrap();
        let at = f.text.find("obsolete_measure_citation = ").unwrap();
        let end = at + f.text[at..].find('\n').unwrap();
        f.text.replace_range(at..end, "");
        let errors = check(files);
        assert!(
            errors.iter().any(|e| e.file == "table5.toml"
                && e.message.contains("without an obsolete_measure_citation")),
            "{errors:?}"
        );
        let pack = super::super::embedded_pack("shenzhen-2019").unwrap();
        let dims = |d: &[&str]| d.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            pack.required_measure(&dims(&["ditiaogang"]), false)
                .unwrap()
                .0,
            "close"
        );
        assert_eq!(
            pack.required_measure(&dims(&["technology"]), true)
                .unwrap()
                .0,
            "dismantle"
        );
        assert_eq!(pack.required_measure(&dims(&["energy"]), false), None);
    }

    #[test]
    fn unit_less_threshold_is_reported_with_file_and_line() {
        let mut files = shenzhen();
        let line = edit(&mut files, "table5.toml", "unit = \"kA\"\n", "");
        let errors = check(files);
        assert!(
            has(&errors, "table5.toml", line, "without a unit"),
            "{errors:?}"
        );
        assert!(
            errors[0]
                .to_string()
                .starts_with(&format!("table5.toml:{line}:"))
        );
    }

    #[test]
    fn bad_table5_pattern_and_unknown_displaced_dimension_are_reported() {
        let mut files = shenzhen();
        let t5 = edit(
            &mut files,
            "table5.toml",
            "patterns = [\"(蒸箱",
            "patterns = [\"((蒸箱",
        );
        let cl = edit(
            &mut files,
            "classify.toml",
            "displaces = [\"technology\"]",
            "displaces = [\"tech\"]",
        );
        let errors = check(files);
        assert!(has(&errors, "table5.toml", t5, "bad pattern"), "{errors:?}");
        assert!(
            has(&errors, "classify.toml", cl, "dimension `tech`"),
            "{errors:?}"
        );
    }

    #[test]
    fn undefined_bureau_is_reported_with_file_and_line() {
        let mut files = shenzhen();
        let line = edit(
            &mut files,
            "routing.toml",
            "lead = \"ecology_environment\"",
            "lead = \"environment_bureau\"",
        );
        let errors = check(files);
        assert!(
            has(&errors, "routing.toml", line, "bureau `environment_bureau`"),
            "{errors:?}"
        );
    }

    #[test]
    fn unknown_key_is_reported_with_its_line() {
        let mut files = shenzhen();
        let f = files
            .iter_mut()
            .find(|f| f.name == "industries.toml")
            .unwrap();
        f.text.push_str("colour = \"red\"\n");
        let line = f.text.lines().count();
        let errors = check(files);
        assert!(
            has(&errors, "industries.toml", line, "unknown field `colour`"),
            "{errors:?}"
        );
    }

    #[test]
    fn industry_without_route_and_undefined_industry_are_reported() {
        let mut files = shenzhen();
        edit(
            &mut files,
            "routing.toml",
            "dimension = \"safety\"",
            "dimension = \"safety\"\nindustry = \"steel\"",
        );
        let line = edit(
            &mut files,
            "table5.toml",
            "industry = \"glass\"",
            "industry = \"glas\"",
        );
        let errors = check(files);
        assert!(
            errors.iter().any(|e| e
                .message
                .contains("`cement` has no route for dimension `safety`")),
            "{errors:?}"
        );
        assert!(
            has(&errors, "table5.toml", line, "industry `glas`"),
            "{errors:?}"
        );
    }

    #[test]
    fn every_problem_is_reported_at_once() {
        let mut files = shenzhen();
        edit(
            &mut files,
            "bureaus.toml",
            "citation = \"深圳2019 二(三)\"",
            "",
        );
        edit(&mut files, "table5.toml", "unit = \"kA\"\n", "");
        edit(
            &mut files,
            "routing.toml",
            "lead = \"ecology_environment\"",
            "lead = \"x\"",
        );
        edit(
            &mut files,
            "classify.toml",
            "dimension = \"safety\"",
            "dimension = \"safty\"",
        );
        assert_eq!(check(files).len(), 4);
    }

    #[test]
    fn workdays_and_step_limits_are_checked() {
        let mut files = shenzhen();
        // A make-up working day on a Monday, a date of another year, a bad range.
        edit(
            &mut files,
            "workdays.toml",
            "\"2019-09-29\"",
            "\"2019-09-30\"",
        );
        edit(
            &mut files,
            "workdays.toml",
            "\"2021-02-07\"",
            "\"2020-02-08\"",
        );
        edit(
            &mut files,
            "workdays.toml",
            "\"2024-06-10\"",
            "\"2024-06-10..2024-06-01\"",
        );
        edit(
            &mut files,
            "deadlines.toml",
            "step = \"dispatch\"",
            "step = \"lunch\"",
        );
        let errors = check(files);
        let text: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
        assert_eq!(errors.len(), 4, "{text:#?}");
        assert!(
            text.iter()
                .any(|t| t.contains("2019-09-30 is not a weekend day"))
        );
        assert!(text.iter().any(|t| t.contains("2020-02-08 is not in 2021")));
        assert!(text.iter().any(|t| t.contains("ends before it starts")));
        assert!(text.iter().any(|t| t.contains("unknown step `lunch`")));
    }

    #[test]
    fn only_china_time_is_accepted() {
        let mut files = shenzhen();
        let meta = files.iter_mut().find(|f| f.name == "pack.toml").unwrap();
        meta.text = meta.text.replace("Asia/Shanghai", "Europe/Berlin");
        let text: Vec<String> = check(files).iter().map(|e| e.to_string()).collect();
        assert_eq!(text.len(), 1, "{text:#?}");
        assert!(text[0].contains("Europe/Berlin"), "{text:#?}");
    }

    #[test]
    fn a_year_without_holidays_or_a_missing_year_is_refused() {
        // 2027 added before its notice was read: no holidays.
        let mut files = shenzhen();
        let w = files
            .iter_mut()
            .find(|f| f.name == "workdays.toml")
            .unwrap();
        w.text.push_str(
            "\n[[year]]\nyear = 2027\nholidays = []\nworkdays = []\ncitation = \"待发布\"\n",
        );
        let text: Vec<String> = check(files).iter().map(|e| e.to_string()).collect();
        assert_eq!(text.len(), 1, "{text:#?}");
        assert!(text[0].contains("year 2027 has no holidays"), "{text:#?}");
        // 2028 without 2027: the gap would count its holidays as working days.
        let mut files = shenzhen();
        let w = files
            .iter_mut()
            .find(|f| f.name == "workdays.toml")
            .unwrap();
        w.text.push_str("\n[[year]]\nyear = 2028\nholidays = [\"2028-01-01\"]\nworkdays = []\ncitation = \"x\"\n");
        let text: Vec<String> = check(files).iter().map(|e| e.to_string()).collect();
        assert_eq!(text.len(), 1, "{text:#?}");
        assert!(
            text[0].contains("year 2027 is missing between 2019 and 2028"),
            "{text:#?}"
        );
    }

    #[test]
    fn the_2019_calendar_counts_the_national_day_week() {
        let pack = super::super::source::embedded_pack("shenzhen-2019").unwrap();
        let cal = pack.work_calendar();
        let d = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
        assert!(cal.covers(2019) && cal.covers(2026) && !cal.covers(2027));
        // 15 working days from Monday 30 Sep 2019 (holiday 1–7 Oct, 12 Oct worked).
        assert_eq!(cal.add_working_days(d("2019-09-30"), 15), d("2019-10-25"));
        // Spring Festival 2026: 15–23 Feb off, Saturdays 14 and 28 Feb worked.
        assert_eq!(cal.add_working_days(d("2026-02-13"), 1), d("2026-02-14"));
        assert_eq!(cal.add_working_days(d("2026-02-14"), 1), d("2026-02-24"));
        assert!(cal.is_working_day(d("2026-02-28")));
    }
}
