//! Matching a tip against the index: a credit code is exact; otherwise name
//! similarity (IDF-weighted bigrams) adjusted by branch, place, industry and
//! address, then a threshold and a margin, so that an absent or ambiguous
//! enterprise gives no match instead of a wrong one.
use std::cell::RefCell;
use std::collections::HashMap;

use super::gazetteer::{NO_INDUSTRY, NO_REGION, Place, PlaceAgreement, compare_places};
use super::index::{
    EnterpriseIndex, FxBuild, branch_hash, fx_hash, gram_key, name_grams, push_grams,
};
use super::{Candidate, MatchMethod, MatchQuery, MatchResult, Reason};
use crate::domain::credit_code::CreditCode;
use crate::text::fold;

/// Postings read per query at most: the rarest bigrams are read first and a
/// bigram as common as 钢铁 is skipped once rarer ones found candidates.
const POSTING_BUDGET: usize = 8_000;
/// Name entries scored exactly per query.
const SHORTLIST: usize = 64;
/// Only the start of a long description is scanned for a name.
const TEXT_SCAN_CHARS: usize = 4_000;

thread_local! {
    /// Per-thread accumulator over entry ids, reset after each query, so a
    /// query costs no allocation proportional to the registry.
    static SCRATCH: RefCell<(Vec<f32>, Vec<u32>)> = const { RefCell::new((Vec::new(), Vec::new())) };
}

/// A scored name entry before record-level evidence.
struct Hit {
    entry: u32,
    sim: f64,
    exact: bool,
    exact_full: bool,
    same_brand: bool,
}

/// Everything the query says besides the name, resolved once.
struct Context {
    field_place: Place,
    address_place: Place,
    name_place: Place,
    text_place: Place,
    industry: u8,
    /// The tip's address as sorted character bigrams.
    address: Vec<u64>,
    /// The tip's address, folded, for an exact-address match.
    address_text: String,
    /// Registry place-name tokens found in the tip's description and address.
    tokens: Vec<u32>,
    typo: Option<(String, String)>,
}

#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Name,
    Text,
    /// No name at all: a firm at the places the tip names.
    Place,
}

/// A token this common (a street with thousands of firms) agrees with a
/// firm but is no way to find one.
const RARE_TOKEN: usize = 400;

impl EnterpriseIndex {
    /// Links a tip to an enterprise, or to none.
    pub fn match_tip(&self, q: &MatchQuery) -> MatchResult {
        let text = fold(&q.text);
        let exact = self.code_matches(q, &text);

        let regions = self.norm.regions();
        let mut ctx = Context {
            field_place: q
                .district
                .as_deref()
                .map(|d| regions.resolve_field(d))
                .unwrap_or_default(),
            address_place: q
                .address
                .as_deref()
                .map(|a| regions.scan(&fold(a)))
                .unwrap_or_default(),
            name_place: Place::default(),
            text_place: regions.scan(&text),
            industry: q
                .industry
                .as_deref()
                .map_or(NO_INDUSTRY, |i| self.industries.resolve(i)),
            address: q
                .address
                .as_deref()
                .map_or_else(Vec::new, |a| address_grams(&fold(a))),
            address_text: q.address.as_deref().map(fold).unwrap_or_default(),
            tokens: {
                let address = q.address.as_deref().map(fold).unwrap_or_default();
                self.addresses.find_in(&format!("{text}\n{address}"))
            },
            typo: None,
        };

        let mut scored: Vec<Scored> = Vec::new();
        let mut method = MatchMethod::None;
        let name = q
            .enterprise_name
            .as_deref()
            .map(|n| self.norm.normalize(n))
            .filter(|n| !n.core.is_empty())
            .map(|n| self.correct_typo(n));
        if let Some((n, typo)) = name {
            let full = fx_hash(
                &self
                    .norm
                    .full_key(q.enterprise_name.as_deref().unwrap_or("")),
            );
            // 宏达印染 is a dyeing firm even when the industry field is empty.
            if ctx.industry == NO_INDUSTRY {
                ctx.industry = self.industries.resolve(&n.core);
            }
            ctx.name_place = self.norm.place_of(&n);
            ctx.typo = typo;
            let hits = self.name_hits(&n, full);
            scored = self.rank(hits, &ctx, branch_hash(&n), Mode::Name);
            if self.decide(&scored).is_some() {
                method = MatchMethod::Name;
            }
        }
        if method == MatchMethod::None && !text.is_empty() {
            let more = self.text_candidates(&text, &ctx);
            scored = merge(scored, more);
            if self.decide(&scored).is_some() {
                method = MatchMethod::Text;
            }
        }
        if method == MatchMethod::None && q.enterprise_name.is_none() {
            let more = self.place_candidates(&ctx);
            scored = merge(scored, more);
            if self.decide(&scored).is_some() {
                method = MatchMethod::Address;
            }
        }

        let max = self.config.max_candidates;
        let best = self.decide(&scored).map(|s| self.materialize(s, &ctx));
        let fuzzy = scored.iter().take(max).map(|s| self.materialize(s, &ctx));
        if !exact.is_empty() {
            let mut candidates = exact;
            for c in fuzzy {
                if candidates
                    .iter()
                    .all(|e| e.enterprise_id != c.enterprise_id)
                {
                    candidates.push(c);
                }
            }
            candidates.truncate(max);
            return MatchResult {
                best: candidates.first().cloned(),
                candidates,
                method: MatchMethod::CreditCode,
            };
        }
        let candidates = fuzzy.collect();
        let method = if best.is_some() {
            method
        } else {
            MatchMethod::None
        };
        MatchResult {
            best,
            candidates,
            method,
        }
    }

    /// The best candidate when it clears the threshold and leads the next
    /// enterprise by the margin; a near tie is a question for the dispatcher.
    fn decide<'a>(&self, scored: &'a [Scored]) -> Option<&'a Scored> {
        let w = &self.config.weights;
        let mut top = scored.first()?;
        // Two firms trade under one name and the tip places itself with the
        // other one (德信钢铁 named, 观澜桂花 said: 德信特钢 is registered
        // there): the place picks the firm, not the closer spelling.
        if top.flags & F_PLACE_CONFLICT != 0 {
            let brand = self.entries[top.entry as usize].brand_hash;
            let industry = self.records[top.rec as usize].industry;
            let mut placed = scored[1..].iter().filter(|o| {
                o.flags & (F_DISTRICT | F_ADDRESS) != 0
                    && o.flags & (F_PLACE_CONFLICT | F_BRANCH) == 0
                    && self.entries[o.entry as usize].brand_hash == brand
                    && self.records[o.rec as usize].industry == industry
            });
            if let (Some(one), None) = (placed.next(), placed.next()) {
                top = one;
                return (top.score >= w.threshold).then_some(top);
            }
        }
        if top.score < w.threshold {
            return None;
        }
        if let Some(next) = scored.get(1)
            && top.score - next.score < w.margin
        {
            return None;
        }
        // Two firms trading under one name in one industry whose names the
        // tip fits about as well (鸿运钢铁 in 宝安, 鸿运钢业 in 龙岗): the trade
        // name does not say which. Only the full registered name, or a place
        // or address that puts the tip with the one firm, does; otherwise the
        // dispatcher chooses from both. (A branch is told apart by its place.)
        if top.flags & (F_EXACT_FULL | F_DISTRICT | F_ADDRESS) == 0 {
            let brand = self.entries[top.entry as usize].brand_hash;
            let industry = self.records[top.rec as usize].industry;
            let twin = scored[1..].iter().any(|o| {
                top.score - o.score < w.twin_window
                    && self.entries[o.entry as usize].brand_hash == brand
                    && self.records[o.rec as usize].industry == industry
                    && o.flags & (F_PLACE_CONFLICT | F_BRANCH) == 0
            });
            if twin {
                return None;
            }
        }
        Some(top)
    }

    /// Registry records whose code the tip gives, in a field or in the text.
    fn code_matches(&self, q: &MatchQuery, text: &str) -> Vec<Candidate> {
        let mut codes: Vec<String> = Vec::new();
        if let Some(c) = &q.credit_code {
            let c: String = fold(c)
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect::<String>()
                .to_ascii_uppercase();
            if !c.is_empty() {
                codes.push(c);
            }
        }
        for m in self.code_re.find_iter(text) {
            // Only a run of exactly 18 that is well formed: longer runs are
            // other numbers, and registry codes with a bad check still count.
            if m.as_str().len() == 18
                && let Ok(code) = CreditCode::parse_lenient(m.as_str())
            {
                codes.push(code.as_str().to_string());
            }
        }
        let mut out: Vec<Candidate> = Vec::new();
        for code in codes {
            let Some(&slot) = self.by_code.get(code.as_str()) else {
                continue;
            };
            let rec = &self.records[slot as usize];
            if out.iter().any(|c| c.enterprise_id == rec.id) {
                continue;
            }
            out.push(Candidate {
                enterprise_id: rec.id,
                credit_code: rec.code.to_string(),
                name: rec.name.to_string(),
                district: self.district_name(rec.place),
                industry: self.industries.key(rec.industry).map(str::to_string),
                score: 1.0,
                reasons: vec![Reason::CreditCode { code }],
            });
        }
        out
    }

    /// Entry ids sharing the rarest query bigrams, with the IDF mass they share.
    fn gather(&self, grams: &[(u32, f64)]) -> Vec<(u32, f32)> {
        let mut order: Vec<&(u32, f64)> = grams.iter().collect();
        order.sort_by_key(|(g, _)| self.postings[*g as usize].len());
        SCRATCH.with(|s| {
            let (acc, touched) = &mut *s.borrow_mut();
            if acc.len() < self.entries.len() {
                acc.resize(self.entries.len(), 0.0);
            }
            let mut read = 0usize;
            for (i, &&(g, idf)) in order.iter().enumerate() {
                let p = &self.postings[g as usize];
                if i > 0 && read + p.len() > POSTING_BUDGET {
                    break;
                }
                read += p.len();
                for &e in p {
                    let a = &mut acc[e as usize];
                    if *a == 0.0 {
                        touched.push(e);
                    }
                    *a += idf as f32;
                }
            }
            let mut out: Vec<(u32, f32)> = touched.iter().map(|&e| (e, acc[e as usize])).collect();
            for &e in touched.iter() {
                acc[e as usize] = 0.0;
            }
            touched.clear();
            if out.len() > SHORTLIST {
                out.select_nth_unstable_by(SHORTLIST, |a, b| b.1.total_cmp(&a.1));
                out.truncate(SHORTLIST);
            }
            out
        })
    }

    /// A query name whose last two characters are unknown to the registry
    /// but one character from exactly one business word that fits (淘瓷 →
    /// 陶瓷, 钢帖 → 钢铁) is read with that word. Trade names are never
    /// corrected: 宏大 is a name of its own, not a typo of 宏达.
    fn correct_typo(
        &self,
        n: super::NormalizedName,
    ) -> (super::NormalizedName, Option<(String, String)>) {
        let chars: Vec<char> = n.core.chars().collect();
        let len = chars.len();
        if len < 3 {
            return (n, None);
        }
        let known = |a: char, b: char| {
            self.gram_ids
                .get(&gram_key(a, Some(b)))
                .is_some_and(|&g| !self.postings[g as usize].is_empty())
        };
        let (p, x, y) = (chars[len - 3], chars[len - 2], chars[len - 1]);
        if known(x, y) {
            return (n, None);
        }
        let mut fixes = self
            .typo_vocab
            .iter()
            .filter(|w| (w[0] == x) != (w[1] == y) && known(w[0], w[1]) && known(p, w[0]));
        let (Some(fix), None) = (fixes.next(), fixes.next()) else {
            return (n, None);
        };
        let from: String = [x, y].iter().collect();
        let to: String = fix.iter().collect();
        let core: String = chars[..len - 2].iter().chain(fix.iter()).collect();
        (super::NormalizedName { core, ..n }, Some((from, to)))
    }

    fn name_hits(&self, n: &super::NormalizedName, full: u64) -> Vec<Hit> {
        let mut known: Vec<(u32, f64)> = Vec::new();
        let mut q_mass = 0.0;
        for k in name_grams(n) {
            match self.gram_ids.get(&k) {
                Some(&g) if !self.postings[g as usize].is_empty() => {
                    let idf = self.idf(g);
                    known.push((g, idf));
                    q_mass += idf;
                }
                _ => q_mass += self.unknown_idf(),
            }
        }
        known.sort_unstable_by_key(|&(g, _)| g);
        let key = fx_hash(&n.key());
        let brand = fx_hash(self.industries.brand(&n.core));
        self.gather(&known)
            .into_iter()
            .map(|(e, _)| {
                let entry = &self.entries[e as usize];
                let (mut common, mut c_mass) = (0.0, 0.0);
                for &g in entry.grams.iter() {
                    let idf = self.idf(g);
                    c_mass += idf;
                    if let Ok(i) = known.binary_search_by_key(&g, |&(k, _)| k) {
                        common += known[i].1;
                    }
                }
                let dice = 2.0 * common / (q_mass + c_mass).max(f64::EPSILON);
                // An abbreviation (宏达 for 宏达钢铁) or a name with extra
                // words around it still matches: the better of the two
                // containments counts with the symmetric Dice.
                let contained =
                    (common / q_mass.max(f64::EPSILON)).max(common / c_mass.max(f64::EPSILON));
                Hit {
                    entry: e,
                    sim: 0.5 * dice + 0.5 * contained,
                    exact: entry.key_hash == key,
                    exact_full: entry.full_hash == full,
                    same_brand: entry.brand_hash == brand,
                }
            })
            .collect()
    }

    /// Names found in free text: each candidate is scored by how much of
    /// its IDF mass the text covers.
    fn text_candidates(&self, text: &str, ctx: &Context) -> Vec<Scored> {
        let mut keys = Vec::new();
        let head: String = text.chars().take(TEXT_SCAN_CHARS).collect();
        for run in head.split(|c: char| !c.is_alphanumeric()) {
            push_grams(run, &mut keys);
        }
        let mut seen: HashMap<u32, (), FxBuild> = HashMap::default();
        let mut known: Vec<(u32, f64)> = Vec::new();
        for k in keys {
            if let Some(&g) = self.gram_ids.get(&k)
                && !self.postings[g as usize].is_empty()
                && seen.insert(g, ()).is_none()
            {
                known.push((g, self.idf(g)));
            }
        }
        known.sort_unstable_by_key(|&(g, _)| g);
        let hits: Vec<Hit> = self
            .gather(&known)
            .into_iter()
            .map(|(e, _)| {
                let entry = &self.entries[e as usize];
                let (mut covered, mut c_mass) = (0.0, 0.0);
                for &g in entry.grams.iter() {
                    let idf = self.idf(g);
                    c_mass += idf;
                    if known.binary_search_by_key(&g, |&(k, _)| k).is_ok() {
                        covered += idf;
                    }
                }
                let mut sim = covered / c_mass.max(f64::EPSILON);
                // A one-bigram name (华达) inside a long text is weak evidence.
                if entry.grams.len() < 2 {
                    sim *= 0.8;
                }
                Hit {
                    entry: e,
                    sim,
                    exact: false,
                    exact_full: false,
                    same_brand: false,
                }
            })
            .collect();
        let branch = self
            .norm
            .branches_in_text(text)
            .first()
            .map_or(0, |b| fx_hash(b) | 1);
        self.rank(hits, ctx, branch, Mode::Text)
    }

    /// A tip that names no firm: the firms of its industry at the rare
    /// places it names (官田社区, 秀新), offered to the dispatcher; linked only
    /// when the tip gives the firm's registered address itself.
    fn place_candidates(&self, ctx: &Context) -> Vec<Scored> {
        let w = &self.config.weights;
        let mut by_rec: HashMap<u32, usize, FxBuild> = HashMap::default();
        for &t in &ctx.tokens {
            let firms = self.addresses.firms(t);
            if firms.len() > RARE_TOKEN {
                continue;
            }
            for &slot in firms {
                *by_rec.entry(slot).or_default() += 1;
            }
        }
        let mut out: Vec<Scored> = by_rec
            .into_iter()
            .filter_map(|(slot, shared)| {
                let rec = &self.records[slot as usize];
                let industry_fits = ctx.industry == NO_INDUSTRY || ctx.industry == rec.industry;
                if !rec.live || !industry_fits || rec.entries.is_empty() {
                    return None;
                }
                let exact = ctx.address_text.chars().count() >= 6
                    && rec
                        .address
                        .as_deref()
                        .is_some_and(|a| a.ends_with(ctx.address_text.trim()));
                // Offered above names half-found in the text, never linked
                // on places alone.
                let score = if exact {
                    1.0
                } else {
                    (0.3 + w.address_token * shared.min(3) as f64).min(w.threshold - 0.01)
                };
                Some(Scored {
                    rec: slot,
                    entry: rec.entries[0],
                    score,
                    sim: 0.0,
                    address: if exact { 1.0 } else { 0.0 },
                    flags: F_ADDRESS
                        | if ctx.industry == rec.industry {
                            F_INDUSTRY
                        } else {
                            0
                        },
                    mode: Mode::Place,
                })
            })
            .collect();
        sort_scored(&mut out);
        out.truncate(SHORTLIST);
        out
    }

    /// Adds record-level evidence, keeps each record's best name, sorts.
    /// Reasons and strings are made later, for the few candidates shown.
    fn rank(&self, hits: Vec<Hit>, ctx: &Context, q_branch: u64, mode: Mode) -> Vec<Scored> {
        let w = &self.config.weights;
        let mut out: Vec<Scored> = Vec::with_capacity(hits.len());
        for h in hits {
            let entry = &self.entries[h.entry as usize];
            let rec = &self.records[entry.rec as usize];
            if !rec.live {
                continue;
            }
            let mut flags = 0u16;
            let mut score = h.sim;
            if h.exact_full {
                score += w.exact_full_name;
                flags |= F_EXACT_FULL;
            }
            if h.exact {
                score += w.exact_name;
                flags |= F_EXACT;
            }
            if q_branch != entry.branch_hash {
                // A branch is its own enterprise, whatever else agrees.
                score -= w.branch_mismatch;
                flags |= F_BRANCH;
            } else if h.same_brand && ctx.industry != NO_INDUSTRY && ctx.industry == rec.industry {
                score += w.same_brand;
                flags |= F_BRAND;
            }

            // A place in the tip's name that the candidate's own name also
            // carries (光明华达 …) says nothing about where the firm is.
            let name_place = if ctx.name_place == entry.name_place {
                Place::default()
            } else {
                ctx.name_place
            };
            let stated = ctx.field_place.or(ctx.address_place).or(name_place);
            // A place only mentioned somewhere in the text is weaker evidence.
            let (q_place, conflict_weight) = if stated.is_empty() {
                (ctx.text_place, 0.5)
            } else {
                (stated, 1.0)
            };
            match compare_places(q_place, rec.place) {
                PlaceAgreement::SameDistrict => {
                    score += w.same_district;
                    flags |= F_DISTRICT;
                }
                PlaceAgreement::SameCity => {
                    score += w.same_city;
                    flags |= F_CITY;
                }
                PlaceAgreement::Conflict => {
                    score -= w.place_conflict * conflict_weight;
                    flags |= F_PLACE_CONFLICT;
                }
                PlaceAgreement::Unknown => {}
            }
            if ctx.industry != NO_INDUSTRY && rec.industry != NO_INDUSTRY {
                if ctx.industry == rec.industry {
                    score += w.same_industry;
                    flags |= F_INDUSTRY;
                } else {
                    score -= w.industry_conflict;
                    flags |= F_INDUSTRY_CONFLICT;
                }
            }
            let mut address = 0.0;
            if let (false, Some(ra)) = (ctx.address.is_empty(), &rec.address) {
                let d = char_dice(&ctx.address, ra);
                if d > 0.2 {
                    score += w.address * d;
                    address = d;
                    flags |= F_ADDRESS;
                }
            }
            // The places the tip names that the firm's address has (观澜, 桂花).
            let shared = rec.tokens.iter().filter(|t| ctx.tokens.contains(t)).count();
            if shared > 0 {
                score += w.address_token * shared.min(2) as f64;
                flags |= F_ADDRESS;
            }
            out.push(Scored {
                rec: entry.rec,
                entry: h.entry,
                score,
                sim: h.sim,
                address,
                flags,
                mode,
            });
        }
        sort_scored(&mut out);
        // Each record once, with its best name.
        let mut seen: HashMap<u32, (), FxBuild> = HashMap::default();
        out.retain(|s| seen.insert(s.rec, ()).is_none());
        out
    }

    /// The district-level region of a place, by name.
    fn district_name(&self, place: Place) -> Option<String> {
        (place.district != NO_REGION)
            .then(|| self.norm.regions().name(place.district).map(str::to_string))
            .flatten()
    }

    /// The candidate as stored and shown: names, code, reasons.
    fn materialize(&self, s: &Scored, ctx: &Context) -> Candidate {
        let entry = &self.entries[s.entry as usize];
        let rec = &self.records[s.rec as usize];
        let matched = match entry.which {
            0 => rec.name.to_string(),
            i => rec
                .aliases
                .get(i as usize - 1)
                .map_or_else(String::new, |a| a.to_string()),
        };
        let round = |v: f64| (v * 1000.0).round() / 1000.0;
        let mut reasons = vec![match s.mode {
            Mode::Name => Reason::NameSimilarity {
                value: round(s.sim),
                matched,
            },
            Mode::Text => Reason::NameInText {
                coverage: round(s.sim),
                matched,
            },
            Mode::Place => Reason::AtPlaces {
                names: rec
                    .tokens
                    .iter()
                    .filter(|t| ctx.tokens.contains(t))
                    .map(|&t| self.addresses.name(t).to_string())
                    .collect(),
                exact_address: s.address >= 1.0,
            },
        }];
        if let (Mode::Name, Some((from, to))) = (s.mode, &ctx.typo) {
            reasons.push(Reason::TypoCorrected {
                from: from.clone(),
                to: to.clone(),
            });
        }
        for (flag, reason) in [
            (F_EXACT_FULL, Reason::ExactFullName),
            (F_EXACT, Reason::ExactName),
            (F_BRAND, Reason::SameBrand),
            (F_BRANCH, Reason::BranchMismatch),
            (F_DISTRICT, Reason::DistrictAgrees),
            (F_CITY, Reason::CityAgrees),
            (F_PLACE_CONFLICT, Reason::PlaceConflicts),
            (F_INDUSTRY, Reason::IndustryAgrees),
            (F_INDUSTRY_CONFLICT, Reason::IndustryConflicts),
        ] {
            if s.flags & flag != 0 {
                reasons.push(reason);
            }
        }
        if s.address > 0.0 && s.mode != Mode::Place {
            reasons.push(Reason::AddressSimilarity {
                value: round(s.address),
            });
        }
        let shared: Vec<String> = rec
            .tokens
            .iter()
            .filter(|t| ctx.tokens.contains(t))
            .map(|&t| self.addresses.name(t).to_string())
            .collect();
        if !shared.is_empty() && s.mode != Mode::Place {
            reasons.push(Reason::SharedPlaces { names: shared });
        }
        Candidate {
            enterprise_id: rec.id,
            credit_code: rec.code.to_string(),
            name: rec.name.to_string(),
            district: self.district_name(rec.place),
            industry: self.industries.key(rec.industry).map(str::to_string),
            // Scores are compared raw (bonuses may pass 1), shown as 0–1.
            score: round(s.score.clamp(0.0, 1.0)),
            reasons,
        }
    }
}

const F_EXACT_FULL: u16 = 1;
const F_EXACT: u16 = 1 << 1;
const F_BRAND: u16 = 1 << 2;
const F_BRANCH: u16 = 1 << 3;
const F_DISTRICT: u16 = 1 << 4;
const F_CITY: u16 = 1 << 5;
const F_PLACE_CONFLICT: u16 = 1 << 6;
const F_INDUSTRY: u16 = 1 << 7;
const F_INDUSTRY_CONFLICT: u16 = 1 << 8;
const F_ADDRESS: u16 = 1 << 9;

/// A record's best name entry with its raw score and the evidence flags.
struct Scored {
    rec: u32,
    entry: u32,
    score: f64,
    sim: f64,
    address: f64,
    flags: u16,
    mode: Mode,
}

/// Best first; equal scores by record slot, so results are deterministic.
fn sort_scored(v: &mut [Scored]) {
    v.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.rec.cmp(&b.rec)));
}

/// Both lists, each record once with its better score.
fn merge(a: Vec<Scored>, b: Vec<Scored>) -> Vec<Scored> {
    let mut all: Vec<Scored> = a.into_iter().chain(b).collect();
    sort_scored(&mut all);
    let mut seen: HashMap<u32, (), FxBuild> = HashMap::default();
    all.retain(|s| seen.insert(s.rec, ()).is_none());
    all
}

/// Sorted distinct character bigrams of an address.
fn address_grams(s: &str) -> Vec<u64> {
    let mut v = Vec::new();
    for run in s.split(|c: char| !c.is_alphanumeric()) {
        push_grams(run, &mut v);
    }
    v.sort_unstable();
    v.dedup();
    v
}

/// Unweighted Dice over character bigrams, for addresses.
fn char_dice(x: &[u64], b: &str) -> f64 {
    let y = address_grams(b);
    if x.is_empty() || y.is_empty() {
        return 0.0;
    }
    let common = y.iter().filter(|k| x.binary_search(k).is_ok()).count();
    2.0 * common as f64 / (x.len() + y.len()) as f64
}
