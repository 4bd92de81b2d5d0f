//! Choosing the lead and co-handling bureaus from the pack's routing matrix.
use super::{Explanation, Step};
use crate::jurisdiction::{Pack, Route};
use crate::text::fold;

pub(crate) struct RouteMatcher {
    /// For names in the explanation (a staff member reads names, not keys).
    pack: Pack,
    routes: Vec<Route>,
    /// Folded `when_words` per route.
    when: Vec<Vec<String>>,
}

impl RouteMatcher {
    pub fn new(pack: &Pack) -> Self {
        let when = pack
            .routes
            .iter()
            .map(|r| r.when_words.iter().map(|w| fold(w)).collect())
            .collect();
        RouteMatcher {
            pack: pack.clone(),
            routes: pack.routes.clone(),
            when,
        }
    }

    /// The most specific row: words and industry > words > industry > default;
    /// ties go to the row written first.
    fn row(&self, dimension: &str, industry: Option<&str>, text: &str) -> Option<&Route> {
        let mut best: Option<(u8, &Route)> = None;
        for (r, when) in self.routes.iter().zip(&self.when) {
            if r.dimension != dimension {
                continue;
            }
            let mut score = 0;
            if !when.is_empty() {
                if !when.iter().any(|w| text.contains(w.as_str())) {
                    continue;
                }
                score += 2;
            }
            if let Some(i) = &r.industry {
                if Some(i.as_str()) != industry {
                    continue;
                }
                score += 1;
            }
            if best.is_none_or(|(s, _)| score > s) {
                best = Some((score, r));
            }
        }
        best.map(|(_, r)| r)
    }

    /// Lead from the primary (first) dimension's row; co-bureaus from that row
    /// and then every other dimension's lead and co-bureaus, in order.
    pub fn choose(
        &self,
        dimensions: &[String],
        industry: Option<&str>,
        text: &str,
        explain: &mut Vec<Explanation>,
    ) -> (Option<String>, Vec<String>) {
        let mut lead: Option<String> = None;
        let mut co: Vec<String> = Vec::new();
        for (n, d) in dimensions.iter().enumerate() {
            let Some(r) = self.row(d, industry, text) else {
                continue;
            };
            let p = &self.pack;
            let bureau = |k: &String| p.bureau(k).map_or_else(|| k.clone(), |b| b.name.clone());
            let co_names = match r.co.iter().map(bureau).collect::<Vec<_>>().join("、") {
                names if names.is_empty() => "无".to_string(),
                names => names,
            };
            explain.push(Explanation {
                step: Step::Route,
                matched: format!(
                    "{} × {}",
                    p.dimension(d).map_or(d.as_str(), |x| x.name.as_str()),
                    r.industry.as_deref().map_or("任何行业", |i| p
                        .industry(i)
                        .map_or(i, |x| x.name.as_str()))
                ),
                points_to: Some(r.lead.clone()),
                note: format!(
                    "{}牵头 {}，配合 {co_names}；依据 {}",
                    if n == 0 { "主要问题类型：" } else { "" },
                    bureau(&r.lead),
                    r.citation
                ),
            });
            for b in std::iter::once(&r.lead).chain(&r.co) {
                if lead.is_none() {
                    lead = Some(b.clone());
                } else if lead.as_ref() != Some(b) && !co.contains(b) {
                    co.push(b.clone());
                }
            }
        }
        (lead, co)
    }
}
