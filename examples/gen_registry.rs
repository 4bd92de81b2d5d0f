//! Write a synthetic registry CSV (look-alikes included) for import timing:
//!     cargo run --release --example gen_registry -- 1000000 > registry.csv
use std::io::{BufWriter, Write};

use tipline::matching::synth::{SynthConfig, SynthRegistry};

fn main() -> std::io::Result<()> {
    let count: usize = std::env::args()
        .nth(1)
        .and_then(|n| n.parse().ok())
        .unwrap_or(100_000);
    let pack =
        tipline::jurisdiction::embedded_pack("shenzhen-2019").expect("the default pack loads");
    let cfg = SynthConfig {
        seed: 42,
        count,
        first_id: 1,
        reserved_chars: Default::default(),
        industries: pack.match_config().industries,
        regions: pack.match_config().regions,
    };
    let mut out = BufWriter::new(std::io::stdout().lock());
    writeln!(out, "credit_code,name,address,district,industry")?;
    for s in SynthRegistry::new(cfg) {
        let r = s.record;
        // Districts outside the pack's city are left empty rather than rejected.
        let district = r
            .district
            .as_deref()
            .and_then(|d| pack.resolve_district(d))
            .map(|d| d.key.as_str())
            .unwrap_or("");
        let industry = r
            .industry
            .as_deref()
            .and_then(|i| pack.resolve_industry(i))
            .map(|i| i.key.as_str())
            .unwrap_or("");
        let address = r.address.unwrap_or_default().replace(',', " ");
        writeln!(
            out,
            "{},{},{},{},{}",
            r.credit_code,
            r.name.replace(',', " "),
            address,
            district,
            industry
        )?;
    }
    out.flush()
}
