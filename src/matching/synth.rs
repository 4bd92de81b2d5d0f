//! Deterministic synthetic registries for tests, benches and import timing:
//! realistic names (place prefix, trade name, industry word, form), valid
//! credit codes (a few deliberately failing), addresses, aliases, and the
//! look-alikes a matcher must resist: the same name in another district, a
//! trade name one character off, and branches of a parent.
use std::collections::HashSet;

use super::EnterpriseRecord;
use super::gazetteer::{IndustrySpec, RegionLevel, RegionSpec};
use crate::domain::credit_code::CreditCode;

/// xorshift64*: tiny, fast, and the same on every platform.
#[derive(Debug, Clone)]
pub struct XorShift(u64);

impl XorShift {
    pub fn new(seed: u64) -> XorShift {
        XorShift(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    /// Uniform in 0..n (n > 0); the modulo bias is irrelevant here.
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }

    /// True with probability `percent` / 100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next_u64() % 100 < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// Characters trade names are made of.
pub const BRAND_CHARS: &str = "宏达华美金鑫盛兴隆昌鸿富源泰丰利通顺发祥瑞新永恒嘉德信诚和汇天海凤福康宁安佳益联合力建伟业辉煌鹏飞腾跃志远长城星月春秋晨曦博雅锦绣银铭铸钜峰岭岳松柏桂兰荣旺鼎豪杰俊英卓越超群创先锋正万千百亿兆元亨贞吉如意聚宝集成好艺精众润泽清溪碧翠蓝白红旗彩虹振邦凯旋乐友骏驰晟昊宇宙恒炜烨灿焱淼森林茂盛朗健康禾穗粮丰裕满庆喜悦欣怡敏捷立本弘毅宸航舟帆港湾浩瀚涛澜";

const FORMS: &[(&str, u64)] = &[
    ("有限公司", 45),
    ("实业有限公司", 10),
    ("股份有限公司", 5),
    ("有限责任公司", 10),
    ("厂", 10),
    ("集团有限公司", 5),
    ("制品有限公司", 5),
    ("工厂", 5),
    ("公司", 5),
];

const ROADS: &str = "工业大道创业路环城路兴业路宝安大道龙岗大道新湖路南环路北环路东方路";

/// One generated enterprise and, for look-alikes, the record it imitates.
#[derive(Debug, Clone)]
pub struct SynthRecord {
    pub record: EnterpriseRecord,
    /// Trade name and industry word, for building query variants.
    pub brand: String,
    pub word: String,
    pub city: String,
    pub district: String,
    /// Set on look-alikes: the id of the record they imitate.
    pub imitates: Option<i64>,
    /// Set on branches: the branch place.
    pub branch: Option<String>,
}

/// Settings of a synthetic registry.
#[derive(Debug, Clone)]
pub struct SynthConfig {
    pub seed: u64,
    pub count: usize,
    pub first_id: i64,
    /// Characters no generated trade name may use, so hand-written fixtures
    /// and their look-alikes stay the only firms of their kind.
    pub reserved_chars: HashSet<char>,
    /// The industries and the words their firms' names end with (a pack's
    /// `Pack::match_config().industries`).
    pub industries: Vec<IndustrySpec>,
    /// The places firms are registered in (a pack's
    /// `Pack::match_config().regions`, from places.toml).
    pub regions: Vec<RegionSpec>,
}

/// A district: its name, its city, its other spellings.
type District = (String, String, Vec<String>);

/// An iterator over `count` synthetic enterprises, look-alikes included.
#[derive(Debug)]
pub struct SynthRegistry {
    cfg: SynthConfig,
    rng: XorShift,
    brand_chars: Vec<char>,
    region_names: Vec<String>,
    districts: Vec<District>,
    streets: Vec<(String, String)>,
    used: HashSet<u64>,
    pending: Vec<SynthRecord>,
    emitted: usize,
    next_id: i64,
}

impl SynthRegistry {
    pub fn new(cfg: SynthConfig) -> SynthRegistry {
        let brand_chars = BRAND_CHARS
            .chars()
            .filter(|c| !cfg.reserved_chars.contains(c))
            .collect();
        let regions = &cfg.regions;
        let parent = |r: &RegionSpec| r.parent.clone().unwrap_or_default();
        let region_names = regions.iter().map(|r| r.name.clone()).collect();
        let districts = regions
            .iter()
            .filter(|r| r.level == RegionLevel::District)
            .map(|r| (r.name.clone(), parent(r), r.aliases.clone()))
            .collect();
        let streets = regions
            .iter()
            .filter(|r| r.level == RegionLevel::Street)
            .map(|r| (r.name.clone(), parent(r)))
            .collect();
        SynthRegistry {
            rng: XorShift::new(cfg.seed),
            next_id: cfg.first_id,
            cfg,
            brand_chars,
            region_names,
            districts,
            streets,
            used: HashSet::new(),
            pending: Vec::new(),
            emitted: 0,
        }
    }

    fn brand(&mut self) -> String {
        loop {
            let len = if self.rng.chance(45) { 2 } else { 3 };
            let b: String = (0..len)
                .map(|_| *self.rng.pick(&self.brand_chars))
                .collect();
            let dup = b.chars().collect::<HashSet<_>>().len() < len;
            // A trade name containing a place would be stripped as one.
            if !dup && !self.region_names.iter().any(|r| b.contains(r.as_str())) {
                return b;
            }
        }
    }

    fn fresh_core(&mut self) -> (String, String, String) {
        loop {
            let brand = self.brand();
            let i = self.rng.below(self.cfg.industries.len());
            let spec = &self.cfg.industries[i];
            let w = self.rng.below(spec.names.len());
            let (key, word) = (spec.key.clone(), spec.names[w].clone());
            if self.used.insert(core_hash(&brand, &word)) {
                return (brand, word, key);
            }
        }
    }

    fn place(&mut self) -> District {
        // Most of a Shenzhen-led registry is in Shenzhen.
        if self.rng.chance(60) {
            let sz: Vec<&District> = self.districts.iter().filter(|d| d.1 == "深圳").collect();
            (*self.rng.pick(&sz)).clone()
        } else {
            self.rng.pick(&self.districts).clone()
        }
    }

    fn make(
        &mut self,
        brand: &str,
        word: &str,
        industry: &str,
        district: District,
        branch: Option<String>,
        imitates: Option<i64>,
    ) -> SynthRecord {
        let (dname, city, aliases) = district;
        let rng = &mut self.rng;
        let prefix = match rng.below(10) {
            0..=3 => format!("{city}市"),
            4 | 5 => format!("{city}市{dname}区"),
            6 => "广东".to_string(),
            _ => String::new(),
        };
        let mut form = FORMS[0].0;
        let mut roll = rng.below(100) as u64;
        for &(f, p) in FORMS {
            if roll < p {
                form = f;
                break;
            }
            roll -= p;
        }
        let bracket = if prefix.is_empty() && rng.chance(5) {
            format!("({city})")
        } else {
            String::new()
        };
        let name = match &branch {
            Some(b) => format!("{prefix}{brand}{word}{bracket}{form}{b}分公司"),
            None => format!("{prefix}{brand}{word}{bracket}{form}"),
        };
        let id = self.next_id;
        self.next_id += 1;
        let mut code = CreditCode::generate_valid(self.cfg.seed ^ (id as u64).wrapping_mul(0x9E37))
            .to_string();
        if self.rng.chance(1) {
            // Real registries hold codes whose check fails; keep a few.
            let last = if code.ends_with('0') { '1' } else { '0' };
            code.pop();
            code.push(last);
        }
        let road: Vec<char> = ROADS.chars().collect();
        let r = self.rng.below(road.len() / 2) * 2;
        let street = self
            .streets
            .iter()
            .filter(|s| s.1 == dname)
            .map(|s| s.0.clone())
            .collect::<Vec<_>>();
        let street = if street.is_empty() {
            String::new()
        } else {
            format!("{}街道", self.rng.pick(&street))
        };
        let address = format!(
            "{city}市{dname}区{street}{}{}路{}号",
            road[r],
            road[r + 1],
            1 + self.rng.below(300)
        );
        let district_field = match self.rng.below(10) {
            0 if !aliases.is_empty() => aliases[aliases.len() - 1].to_string(),
            1 => format!("{dname}区"),
            _ => dname.to_string(),
        };
        let former = if self.rng.chance(8) {
            let b = self.brand();
            vec![format!("{city}市{b}{word}有限公司")]
        } else {
            vec![]
        };
        SynthRecord {
            record: EnterpriseRecord {
                id,
                credit_code: code,
                name,
                aliases: former,
                district: Some(district_field),
                industry: Some(industry.to_string()),
                address: Some(address),
            },
            brand: brand.to_string(),
            word: word.to_string(),
            city: city.to_string(),
            district: dname.to_string(),
            imitates,
            branch,
        }
    }

    fn one_more_batch(&mut self) {
        let (brand, word, industry) = self.fresh_core();
        let place = self.place();
        let base = self.make(&brand, &word, &industry, place.clone(), None, None);
        let base_id = base.record.id;
        self.pending.push(base);
        if self.rng.chance(3) {
            // The same name registered in another district.
            let mut other = self.place();
            while other.0 == place.0 {
                other = self.place();
            }
            let twin = self.make(&brand, &word, &industry, other, None, Some(base_id));
            self.pending.push(twin);
        }
        if self.rng.chance(3) {
            // A trade name one character off (宏达 / 宏大).
            let chars: Vec<char> = brand.chars().collect();
            loop {
                let mut c = chars.clone();
                let i = self.rng.below(c.len());
                c[i] = *self.rng.pick(&self.brand_chars);
                let alt: String = c.iter().collect();
                if alt != brand
                    && !self.region_names.iter().any(|r| alt.contains(r.as_str()))
                    && self.used.insert(core_hash(&alt, &word))
                {
                    let look =
                        self.make(&alt, &word, &industry, place.clone(), None, Some(base_id));
                    self.pending.push(look);
                    break;
                }
            }
        }
        if self.rng.chance(2) {
            let streets: Vec<&str> = self.streets.iter().map(|s| s.0.as_str()).collect();
            let b = self.rng.pick(&streets).to_string();
            let branch = self.make(&brand, &word, &industry, place, Some(b), Some(base_id));
            self.pending.push(branch);
        }
        self.pending.reverse();
    }
}

fn core_hash(brand: &str, word: &str) -> u64 {
    super::index::fx_hash(&format!("{brand}{word}"))
}

impl Iterator for SynthRegistry {
    type Item = SynthRecord;

    fn next(&mut self) -> Option<SynthRecord> {
        if self.emitted >= self.cfg.count {
            return None;
        }
        if self.pending.is_empty() {
            self.one_more_batch();
        }
        self.emitted += 1;
        self.pending.pop()
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.cfg.count - self.emitted;
        (left, Some(left))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(count: usize) -> SynthConfig {
        SynthConfig {
            seed: 7,
            count,
            first_id: 1,
            reserved_chars: "宏达".chars().collect(),
            industries: crate::matching::test_config().industries,
            regions: crate::matching::test_config().regions,
        }
    }

    #[test]
    fn deterministic_and_sized() {
        let a: Vec<_> = SynthRegistry::new(cfg(500)).map(|r| r.record).collect();
        let b: Vec<_> = SynthRegistry::new(cfg(500)).map(|r| r.record).collect();
        assert_eq!(a.len(), 500);
        assert_eq!(a, b);
        let ids: HashSet<i64> = a.iter().map(|r| r.id).collect();
        assert_eq!(ids.len(), 500);
    }

    #[test]
    fn codes_mostly_valid_and_look_alikes_present() {
        let all: Vec<_> = SynthRegistry::new(cfg(5_000)).collect();
        let valid = all
            .iter()
            .filter(|r| CreditCode::parse(&r.record.credit_code).is_ok())
            .count();
        assert!(valid > 4_900 && valid < 5_000, "{valid}");
        assert!(all.iter().filter(|r| r.imitates.is_some()).count() > 200);
        assert!(all.iter().any(|r| r.branch.is_some()));
        assert!(
            !all.iter()
                .any(|r| r.brand.contains('宏') || r.brand.contains('达'))
        );
    }
}
