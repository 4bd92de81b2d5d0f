//! Reading figures with units from folded Chinese text ("300立方米",
//! "一年才八千吨", "20万千瓦", "车速每分钟100米", "0.005%").
//!
//! Units and numerals are language, not policy: they live here. Which
//! quantity a rule needs, and its threshold, live in the pack.
use std::sync::LazyLock;

use regex::Regex;
use serde::{Deserialize, Serialize};

use crate::jurisdiction::Quantity;

/// How the reporter bounded the figure ("不到400", "400多").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Bound {
    Below,
    Above,
}

/// A figure read from the text.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Figure {
    /// The figure as it stands in the folded text.
    pub text: String,
    /// The number as written, before the unit's scale.
    pub value: f64,
    /// The unit as written (立方米, 千安, 万千瓦 …).
    pub unit: String,
    /// The value in the quantity's canonical unit.
    pub normalised: f64,
    /// Canonical unit (`m3`, `kA`, `t/yr` …).
    pub normalised_unit: String,
    /// What the figure may measure, most likely first.
    pub quantities: Vec<Quantity>,
    pub bound: Option<Bound>,
    /// Byte range in the folded text.
    #[serde(skip)]
    pub start: usize,
    #[serde(skip)]
    pub end: usize,
}

/// Equal when read the same; where in the text is not part of the reading.
impl PartialEq for Figure {
    fn eq(&self, o: &Self) -> bool {
        (
            &self.text,
            self.value,
            &self.unit,
            self.normalised,
            &self.normalised_unit,
            &self.quantities,
            self.bound,
        ) == (
            &o.text,
            o.value,
            &o.unit,
            o.normalised,
            &o.normalised_unit,
            &o.quantities,
            o.bound,
        )
    }
}

impl Figure {
    /// The value to compare with a threshold: "不到400" is just under 400.
    pub fn compared_value(&self) -> f64 {
        let eps = 1e-9 * self.normalised.abs().max(1.0);
        match self.bound {
            Some(Bound::Below) => self.normalised - eps,
            Some(Bound::Above) => self.normalised + eps,
            None => self.normalised,
        }
    }
}

const NUM: &str = r"(?P<num>\d+(?:\.\d+)?|[零〇一二两三四五六七八九十百千万亿点]+)";

static GENERIC: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"{NUM}\s*(?P<approx>多|余|来)?\s*(?P<mult>万|千|百|亿)?\s*(?P<unit>立方米|立方|方|m3|吨/年|吨每年|t/a|t/年|吨|t|千安|ka|安培|安|千瓦|兆瓦|mw|kw|平方米|平米|平方|m2|件|标张|张|米/分钟|米/分|米每分钟|米/min|m/min|米|m|%|年)"
    ))
    .expect("figure regex")
});

static PERCENT: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(&format!(r"百分之{NUM}")).expect("percent regex"));

static SPEED_PREFIX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"(?:每分钟|一分钟|每分)(?:才|只有|只|大概|约|差不多|也就)?\s*{NUM}\s*(?P<approx>多)?\s*米"
    ))
    .expect("speed regex")
});

/// Speed said unit first and minute last: "六十米一分钟", "60米每分钟".
static SPEED_SUFFIX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"{NUM}\s*(?P<approx>多)?\s*米\s*(?:每|一|/)\s*分(?:钟)?"
    ))
    .expect("speed suffix regex")
});

/// Metres said the spoken way: "一米六" is 1.6 m, "两米二" 2.2 m.
static SPOKEN_METRES: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?P<int>[一二两三四五六七八九]|\d)米(?P<frac>[一二三四五六七八九])")
        .expect("spoken metres regex")
});

static RATIO: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(
        r"浴比(?:是|为|有|大概|约|都)?\s*(?:1|一)\s*(?::|比)\s*{NUM}"
    ))
    .expect("ratio regex")
});

/// Words just before a number that bound it.
const BELOW_BEFORE: [&str; 11] = [
    "不到", "不足", "低于", "小于", "少于", "将近", "接近", "快", "最多", "顶多", "最高",
];
const ABOVE_BEFORE: [&str; 7] = ["超过", "高于", "大于", "多于", "至少", "起码", "最少"];
/// Words before an age figure that make "N年" an age, not a date or a rate.
const AGE_BEFORE: [&str; 10] = [
    "用了",
    "使用",
    "年限",
    "已经",
    "服役",
    "运行了",
    "用到",
    "买了",
    "开了",
    "超过",
];
/// Words before a tonnage that make it a yearly capacity.
const YEARLY_BEFORE: [&str; 7] = ["年产", "每年", "一年", "年加工", "年处理", "产能", "年生产"];

/// Every figure in the folded text, left to right.
pub fn read(text: &str) -> Vec<Figure> {
    let mut out: Vec<Figure> = Vec::new();
    let taken =
        |out: &Vec<Figure>, s: usize, e: usize| out.iter().any(|f| s < f.end && f.start < e);

    for c in SPEED_PREFIX.captures_iter(text) {
        let m = c.get(0).unwrap();
        if let Some(v) = number(&c["num"]) {
            let bound = c
                .name("approx")
                .map(|_| Bound::Above)
                .or_else(|| bound_before(text, m.start()));
            out.push(figure(
                m.as_str(),
                v,
                "米/分钟",
                v,
                vec![Quantity::SpeedMPerMin],
                bound,
                m.start(),
                m.end(),
            ));
        }
    }
    for c in SPEED_SUFFIX.captures_iter(text) {
        let m = c.get(0).unwrap();
        if taken(&out, m.start(), m.end()) {
            continue;
        }
        if let Some(v) = number(&c["num"]) {
            let bound = c
                .name("approx")
                .map(|_| Bound::Above)
                .or_else(|| bound_before(text, m.start()));
            out.push(figure(
                m.as_str(),
                v,
                "米/分钟",
                v,
                vec![Quantity::SpeedMPerMin],
                bound,
                m.start(),
                m.end(),
            ));
        }
    }
    for c in SPOKEN_METRES.captures_iter(text) {
        let m = c.get(0).unwrap();
        // Not "一米六十" or "两米一分钟": the tenths digit stands alone.
        let next = text[m.end()..].chars().next();
        if taken(&out, m.start(), m.end())
            || next.is_some_and(|ch| {
                ch.is_ascii_digit() || "零一二两三四五六七八九十百千万点米分".contains(ch)
            })
            || before(text, m.start(), 1)
                .chars()
                .any(|ch| ch.is_ascii_digit() || "零一二两三四五六七八九十百千万点".contains(ch))
        {
            continue;
        }
        let (Some(int), Some(frac)) = (number(&c["int"]), number(&c["frac"])) else {
            continue;
        };
        let v = int + frac / 10.0;
        let Some((normalised, quantities)) = classify_unit(text, m.start(), m.end(), "米", v)
        else {
            continue;
        };
        out.push(figure(
            m.as_str(),
            v,
            "米",
            normalised,
            quantities,
            bound_before(text, m.start()),
            m.start(),
            m.end(),
        ));
    }
    for c in RATIO.captures_iter(text) {
        let m = c.get(0).unwrap();
        if let Some(v) = number(&c["num"]) {
            out.push(figure(
                m.as_str(),
                v,
                "1:n",
                v,
                vec![Quantity::LiquorRatio],
                None,
                m.start(),
                m.end(),
            ));
        }
    }
    for c in PERCENT.captures_iter(text) {
        let m = c.get(0).unwrap();
        if taken(&out, m.start(), m.end()) {
            continue;
        }
        if let Some(v) = number(&c["num"]) {
            let bound = bound_before(text, m.start());
            out.push(figure(
                m.as_str(),
                v,
                "百分之",
                v,
                vec![Quantity::ContentPct],
                bound,
                m.start(),
                m.end(),
            ));
        }
    }
    for c in GENERIC.captures_iter(text) {
        let m = c.get(0).unwrap();
        if taken(&out, m.start(), m.end()) {
            continue;
        }
        let Some(mut v) = number(&c["num"]) else {
            continue;
        };
        let mult = match c.name("mult").map(|m| m.as_str()) {
            Some("万") => 1e4,
            Some("千") => 1e3,
            Some("百") => 1e2,
            Some("亿") => 1e8,
            _ => 1.0,
        };
        let written = v;
        v *= mult;
        let unit = &c["unit"];
        let after = &text[m.end()..];
        let mut bound = bound_before(text, m.start());
        // 多/余 say "more than"; 来 only "about".
        let approx = c.name("approx").map(|m| m.as_str());
        if matches!(approx, Some("多" | "余"))
            || after.starts_with("以上")
            || after.starts_with("多")
        {
            bound = Some(Bound::Above);
        } else if after.starts_with("以下") {
            bound = Some(Bound::Below);
        }
        let unit_written = format!("{}{}", c.name("mult").map_or("", |m| m.as_str()), unit);
        let Some((normalised, quantities)) = classify_unit(text, m.start(), m.end(), unit, v)
        else {
            continue;
        };
        out.push(Figure {
            text: m.as_str().to_string(),
            value: written,
            unit: unit_written,
            normalised,
            normalised_unit: quantities[0].unit().to_string(),
            quantities,
            bound,
            start: m.start(),
            end: m.end(),
        });
    }
    out.sort_by_key(|f| f.start);
    out
}

#[allow(clippy::too_many_arguments)]
fn figure(
    text: &str,
    value: f64,
    unit: &str,
    normalised: f64,
    quantities: Vec<Quantity>,
    bound: Option<Bound>,
    start: usize,
    end: usize,
) -> Figure {
    Figure {
        text: text.to_string(),
        value,
        unit: unit.to_string(),
        normalised,
        normalised_unit: quantities[0].unit().to_string(),
        quantities,
        bound,
        start,
        end,
    }
}

/// The text of up to `n` characters before byte `at`.
fn before(text: &str, at: usize, n: usize) -> &str {
    let head = &text[..at];
    let start = head
        .char_indices()
        .rev()
        .nth(n.saturating_sub(1))
        .map_or(0, |(i, _)| i);
    &head[start..]
}

fn bound_before(text: &str, at: usize) -> Option<Bound> {
    let w = before(text, at, 3);
    if BELOW_BEFORE.iter().any(|b| w.ends_with(b)) {
        Some(Bound::Below)
    } else if ABOVE_BEFORE.iter().any(|b| w.ends_with(b)) {
        Some(Bound::Above)
    } else {
        None
    }
}

/// The normalised value and the quantities a unit may measure, from the unit
/// and the words around it; None when the figure is not one we check.
fn classify_unit(
    text: &str,
    start: usize,
    end: usize,
    unit: &str,
    v: f64,
) -> Option<(f64, Vec<Quantity>)> {
    use Quantity::*;
    let ctx = before(text, start, 8);
    let after = &text[end..];
    Some(match unit {
        "立方米" | "立方" | "方" | "m3" => (v, vec![VolumeM3]),
        "吨/年" | "吨每年" | "t/a" | "t/年" => (v, vec![CapacityTPerYr]),
        "吨" | "t" => {
            let yearly = YEARLY_BEFORE.iter().any(|w| ctx.contains(w))
                || after.starts_with("/年")
                || after.starts_with("每年")
                || after.starts_with("一年");
            if yearly {
                (v, vec![CapacityTPerYr])
            } else {
                (v, vec![TonnageT, CapacityTPerYr])
            }
        }
        "千安" | "ka" => (v, vec![CurrentKa]),
        "安培" | "安" => (v / 1000.0, vec![CurrentKa]),
        "千瓦" | "kw" => (v / 1000.0, vec![PowerMw]),
        "兆瓦" | "mw" => (v, vec![PowerMw]),
        "平方米" | "平米" | "平方" | "m2" => (v, vec![M2PerYr]),
        "件" => (v, vec![PiecesPerYr]),
        "张" | "标张" => (v, vec![HidesPerYr]),
        "米/分钟" | "米/分" | "米每分钟" | "米/min" | "m/min" => (v, vec![SpeedMPerMin]),
        "米" | "m" => {
            let near = before(text, start, 5);
            if near.contains("直径") || near.contains("φ") || near.contains("口径") {
                (v, vec![DiameterM])
            } else if near.contains("宽") || after.starts_with("宽") {
                (v, vec![WidthM])
            } else if near.contains("车速") || near.contains("速度") {
                return None;
            } else {
                (v, vec![WidthM, DiameterM])
            }
        }
        "%" => (v, vec![ContentPct]),
        "年" => {
            // An age, not a date ("2015年") or a rate ("一年才八千吨").
            let aged = AGE_BEFORE.iter().any(|w| ctx.contains(w))
                || after.starts_with('了')
                || after.starts_with("以上")
                || after.starts_with("的老")
                || after.starts_with("多了");
            if v >= 100.0 || !aged || after.starts_with('产') || after.starts_with("加工") {
                return None;
            }
            (v, vec![AgeYears])
        }
        _ => return None,
    })
}

/// An Arabic or Chinese numeral ("8000", "5.1", "两万", "一千二百", "零点零零五").
pub fn number(s: &str) -> Option<f64> {
    if let Ok(v) = s.parse::<f64>() {
        return Some(v);
    }
    let (int, frac) = match s.split_once('点') {
        Some((i, f)) => (i, Some(f)),
        None => (s, None),
    };
    let mut value = if int.is_empty() {
        0.0
    } else {
        chinese_integer(int)?
    };
    if let Some(frac) = frac {
        let mut scale = 0.1;
        for ch in frac.chars() {
            value += f64::from(digit(ch)?) * scale;
            scale /= 10.0;
        }
    }
    Some(value)
}

fn digit(ch: char) -> Option<u32> {
    Some(match ch {
        '零' | '〇' => 0,
        '一' => 1,
        '二' | '两' => 2,
        '三' => 3,
        '四' => 4,
        '五' => 5,
        '六' => 6,
        '七' => 7,
        '八' => 8,
        '九' => 9,
        _ => return None,
    })
}

fn chinese_integer(s: &str) -> Option<f64> {
    let (mut total, mut section, mut num) = (0.0f64, 0.0f64, 0.0f64);
    let mut any = false;
    for ch in s.chars() {
        any = true;
        if let Some(d) = digit(ch) {
            num = f64::from(d);
            continue;
        }
        let unit = match ch {
            '十' => 10.0,
            '百' => 100.0,
            '千' => 1000.0,
            '万' | '亿' => {
                let big = if ch == '万' { 1e4 } else { 1e8 };
                total = (total + section + num) * big;
                section = 0.0;
                num = 0.0;
                continue;
            }
            _ => return None,
        };
        section += if num == 0.0 { 1.0 } else { num } * unit;
        num = 0.0;
    }
    any.then_some(total + section + num)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::fold;

    fn one(s: &str) -> Figure {
        let f = read(&fold(s));
        assert_eq!(f.len(), 1, "{s}: {f:?}");
        f.into_iter().next().unwrap()
    }

    #[test]
    fn numerals() {
        assert_eq!(number("两万"), Some(20000.0));
        assert_eq!(number("一千二百"), Some(1200.0));
        assert_eq!(number("十五"), Some(15.0));
        assert_eq!(number("二十万"), Some(200000.0));
        assert_eq!(number("八千"), Some(8000.0));
        assert_eq!(number("零点零零五"), Some(0.005));
        assert_eq!(number("三百八十"), Some(380.0));
    }

    #[test]
    fn units_and_scales() {
        let f = one("一座300立方米的高炉");
        assert_eq!((f.normalised, f.quantities[0]), (300.0, Quantity::VolumeM3));
        assert_eq!(one("300m³").normalised, 300.0);
        assert_eq!(one("１２０ｋＡ").normalised, 120.0);
        assert_eq!(one("16万安培").normalised, 160.0);
        let f = one("一年才八千吨");
        assert_eq!(
            (f.normalised, f.quantities[0]),
            (8000.0, Quantity::CapacityTPerYr)
        );
        assert_eq!(one("8000吨/年").quantities, vec![Quantity::CapacityTPerYr]);
        assert_eq!(one("25吨转炉").quantities[0], Quantity::TonnageT);
        assert_eq!(one("两万张").normalised, 20000.0);
        let f = one("幅宽1.6米");
        assert_eq!(
            (f.normalised, f.quantities.clone()),
            (1.6, vec![Quantity::WidthM])
        );
        let f = one("车速每分钟100米");
        assert_eq!(
            (f.normalised, f.quantities[0]),
            (100.0, Quantity::SpeedMPerMin)
        );
        assert_eq!(one("20万千瓦").normalised, 200.0);
        assert_eq!(one("0.005%").normalised, 0.005);
        assert_eq!(one("用了15年").quantities[0], Quantity::AgeYears);
        assert_eq!(one("浴比1:12").normalised, 12.0);
        assert_eq!(one("不到400立方").bound, Some(Bound::Below));
        assert_eq!(one("400多立方").bound, Some(Bound::Above));
    }

    #[test]
    fn spoken_figures() {
        let f = one("幅宽一米六");
        assert_eq!(
            (f.normalised, f.quantities.clone()),
            (1.6, vec![Quantity::WidthM])
        );
        assert_eq!(one("磨机直径两米二").normalised, 2.2);
        let f = one("车速最多六十米一分钟");
        assert_eq!(
            (f.normalised, f.quantities[0], f.bound),
            (60.0, Quantity::SpeedMPerMin, Some(Bound::Below))
        );
        assert_eq!(one("80米每分钟").quantities[0], Quantity::SpeedMPerMin);
        let f = one("一年两万来张");
        assert_eq!((f.normalised, f.bound), (20000.0, None));
        assert_eq!(one("两万张").normalised, 20000.0);
        assert_eq!(one("一万二千千瓦").normalised, 12.0);
        assert_eq!(one("15万安").normalised, 150.0);
        let f = one("三百多立方");
        assert_eq!((f.normalised, f.bound), (300.0, Some(Bound::Above)));
        // Not spoken metres: a length of sixty, a speed of two.
        assert_eq!(one("长六十米").normalised, 60.0);
        assert_eq!(one("两米一分钟").quantities[0], Quantity::SpeedMPerMin);
    }

    #[test]
    fn dates_are_not_ages() {
        assert!(read(&fold("2015年建的厂")).is_empty());
    }
}
