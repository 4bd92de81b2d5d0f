//! Routing one realistic tip under the default pack (issue 3: < 1 ms).
use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use tipline::jurisdiction::{DEFAULT_PACK, embedded_pack};
use tipline::routing::{Router, TipInput};

fn routing(c: &mut Criterion) {
    let pack = embedded_pack(DEFAULT_PACK).expect("default pack");
    let router = Router::new(&pack);
    let tip = TipInput {
        description: "来电人反映：宝安區沙井街道有家鋼廠，晚上偷偷用中頻爐化廢鋼煉鋼坯，另外還有一座３８０立方米的高爐和一台25吨的转炉在生产，\
                      冒黑烟很严重，附近河涌都是黑水，工人说行车钢丝绳也断了几股，用电量特别大，一年才八千吨的产量。请相关部门尽快核查处理。"
            .into(),
        enterprise_name: Some("深圳市宏达钢铁有限公司".into()),
        address: Some("深圳市宝安区沙井街道某工业区".into()),
        ..TipInput::default()
    };
    c.bench_function("route one tip (shenzhen-2019)", |b| {
        b.iter(|| router.route(black_box(&tip)))
    });
    c.bench_function("compile router (shenzhen-2019)", |b| {
        b.iter(|| Router::new(black_box(&pack)))
    });
}

criterion_group!(benches, routing);
criterion_main!(benches);
