//! A case's audit log as staff read it: who did what, in Chinese words and
//! the pack's names, in Beijing time — not actions, keys and JSON.
use serde_json::Value;

use crate::domain::case_state::{Finding, Measure, ReturnCategory};
use crate::domain::rating::Rating;
use crate::jurisdiction::Pack;
use crate::services::audit::AuditEntry;

pub struct Line {
    pub at: String,
    pub who: String,
    pub what: String,
}

/// Who acted: a user by name, the reporter, a relay, or the system's jobs.
fn who(actor: &str) -> String {
    match actor.split_once(':') {
        Some(("user", name)) => name.to_string(),
        Some(("reporter", "relay")) => "转办平台回访".into(),
        Some(("reporter", _)) => "举报人".into(),
        Some(("relay", name)) => format!("转办平台 {name}"),
        Some(("job", _)) | Some(("test", _)) => "系统".into(),
        _ if actor == "reporter" => "举报人".into(),
        _ => actor.to_string(),
    }
}

fn text(v: &Value, k: &str) -> String {
    v[k].as_str().unwrap_or("").to_string()
}

pub fn line(pack: &Pack, e: &AuditEntry) -> Line {
    let v: Value = serde_json::from_str(&e.detail).unwrap_or(Value::Null);
    let bureau = |k: &str| {
        pack.bureau(k)
            .map_or_else(|| k.to_string(), |b| b.name.clone())
    };
    let with = |label: &str, k: &str| {
        let t = text(&v, k);
        if t.is_empty() {
            String::new()
        } else {
            format!("；{label}：{t}")
        }
    };
    let what = match e.action.as_str() {
        "case.routing" => format!(
            "确认分派：牵头 {}{}",
            bureau(v["after"]["lead_bureau"].as_str().unwrap_or("")),
            v["after"]["district"]
                .as_str()
                .and_then(|d| pack.district(d))
                .map(|d| format!("，{}", d.name))
                .unwrap_or_default()
        ),
        "case.dispatch" => match v["return_accepted_from"].as_str() {
            Some(from) => format!(
                "同意 {} 的退单，改派 {}",
                bureau(from),
                bureau(v["after"]["lead_bureau"].as_str().unwrap_or(""))
            ),
            None => format!(
                "派单至 {}",
                bureau(v["after"]["lead_bureau"].as_str().unwrap_or(""))
            ),
        },
        "case.accept" => "签收".into(),
        "case.return" => format!(
            "退单（{}）{}",
            ReturnCategory::parse(&text(&v, "category")).map_or("未分类", |c| c.label_zh()),
            with("理由", "reason")
        ),
        "case.reject-return" => format!("驳回退单{}", with("理由", "reason")),
        "case.redispatch" => format!(
            "改派：{} → {}{}",
            bureau(&text(&v, "from_bureau")),
            bureau(&text(&v, "lead_bureau")),
            with("理由", "reason")
        ),
        "case.verify" => format!(
            "核查结论：{}；核查日期 {}；核查人员 {}{}",
            Finding::parse(&text(&v, "finding")).map_or("—", |f| f.label_zh()),
            text(&v, "inspected_on"),
            v["inspectors"]
                .as_array()
                .map(|a| a
                    .iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join("、"))
                .unwrap_or_default(),
            with("证据", "evidence")
        ),
        "case.order" => format!(
            "下达措施：{}，期限 {}",
            Measure::parse(&text(&v, "measure")).map_or("—", |m| m.label_zh()),
            text(&v, "due_on")
        ),
        "case.extend" => format!(
            "延期 {} 个月至 {}{}",
            v["months"].as_i64().unwrap_or(0),
            text(&v, "due_on"),
            with("理由", "reason")
        ),
        "case.reinspect" => format!(
            "复查：{}{}",
            if v["passed"].as_bool() == Some(true) {
                "通过"
            } else {
                "未通过"
            },
            with("情况", "note")
        ),
        "case.accept-exit" => format!(
            "验收退出：{} {} {}",
            text(&v, "equipment"),
            v["capacity"].as_f64().unwrap_or(0.0),
            text(&v, "unit")
        ),
        "case.close" => format!("办结{}", with("办理结果", "public_note")),
        "case.reopen" => format!("二次办理{}", with("告知举报人", "public_note")),
        "case.question" => format!("向举报人提问{}", with("问题", "body")),
        "case.supervise" => format!("督办{}", with("意见", "body")),
        "case.overdue" => format!(
            "逾期督办：{}期限 {}",
            match text(&v, "step").as_str() {
                "dispatch" => "派单",
                "verify" => "核查反馈",
                _ => "处置措施",
            },
            text(&v, "due_on")
        ),
        "case.merge" => format!(
            "合并：案件 #{} 并入 #{}",
            v["from"].as_i64().unwrap_or(0),
            v["into"].as_i64().unwrap_or(0)
        ),
        "case.split" => "拆分出一条举报为新案件".into(),
        "case.link" => format!(
            "关联企业：{}（{}）",
            v["name"].as_str().unwrap_or(""),
            v["credit_code"].as_str().unwrap_or("")
        ),
        "case.matched" => "登记库导入后关联到企业".into(),
        "case.rating_declined" => format!("不予重办{}", with("理由", "reason")),
        "tip.rated" => format!(
            "评价：{}{}",
            Rating::parse(&text(&v, "rating")).map_or("—", |r| r.label_zh()),
            with("意见", "comment")
        ),
        "contact.read" | "tip.contact.read" => "查看举报人联系方式（已记录）".into(),
        "attachment.added" => "举报人补充了附件".into(),
        "attachment.open" | "attachment.thumbnail" => "查看证据文件（已记录）".into(),
        a if a.starts_with("punishment.") => "联合惩戒记录变更".into(),
        _ => "其他操作".into(),
    };
    Line {
        at: crate::clock::local_minute(e.at),
        who: who(&e.actor),
        what,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_read_as_sentences_with_names() {
        let pack = crate::jurisdiction::embedded_pack("shenzhen-2019").unwrap();
        let entry = |action: &str, detail: &str| AuditEntry {
            id: 1,
            at: chrono::NaiveDate::from_ymd_opt(2026, 12, 1)
                .unwrap()
                .and_hms_opt(16, 30, 0)
                .unwrap(),
            actor: "user:disp".into(),
            action: action.into(),
            subject: "case:1".into(),
            detail: detail.into(),
        };
        let l = line(
            &pack,
            &entry(
                "case.dispatch",
                r#"{"after":{"lead_bureau":"industry_it"},"from":"received","to":"dispatched"}"#,
            ),
        );
        assert_eq!(l.at, "2026-12-02 00:30");
        assert_eq!(l.who, "disp");
        assert_eq!(l.what, "派单至 市工业和信息化局");
        let l = line(
            &pack,
            &entry(
                "case.return",
                r#"{"reason":"不归我们","category":"not_ours"}"#,
            ),
        );
        assert_eq!(l.what, "退单（不属于本部门职责）；理由：不归我们");
        let l = line(
            &pack,
            &entry(
                "case.verify",
                r#"{"finding":"partly","inspected_on":"2026-12-01","inspectors":["张三","李四"],"evidence":"照片"}"#,
            ),
        );
        assert_eq!(
            l.what,
            "核查结论：部分属实；核查日期 2026-12-01；核查人员 张三、李四；证据：照片"
        );
        assert!(
            !line(
                &pack,
                &entry("case.order", r#"{"measure":"close","due_on":"2026-12-02"}"#)
            )
            .what
            .contains("close")
        );
    }
}
