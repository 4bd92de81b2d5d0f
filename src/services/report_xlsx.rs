//! 报表的 Excel 版：每张表一个工作表，标题、报告期和单位在前两行，中文表头在第三行。
//! The report as an XLSX workbook: one sheet per table, a title and the
//! period and units above the Chinese headers, names first and internal
//! codes last, figures as numbers (so they sum and chart; shares formatted
//! as per cents), empty cells for none; each sheet prints on A4 landscape.
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

use super::reports::{CAPACITY_HEADERS, ROW_HEADERS, Report, Row};
use crate::domain::case_state::CaseStatus;

/// One cell: text, a number, a share (shown as a per cent), or nothing.
enum Cell<'a> {
    Text(&'a str),
    Num(f64),
    Share(f64),
    Empty,
}

impl From<Option<f64>> for Cell<'_> {
    fn from(v: Option<f64>) -> Self {
        v.map_or(Cell::Empty, Cell::Num)
    }
}

fn share(v: Option<f64>) -> Cell<'static> {
    v.map_or(Cell::Empty, Cell::Share)
}

fn n(v: i64) -> Cell<'static> {
    Cell::Num(v as f64)
}

/// Rows above the header: the title, then the period and units.
pub const TITLE_ROWS: u32 = 2;

/// The period in words: `2019H1` → 2019年上半年.
fn period_zh(r: &Report) -> String {
    let p = &r.period;
    match p.split_once('H') {
        Some((y, "1")) => format!("{y}年上半年"),
        Some((y, _)) => format!("{y}年下半年"),
        None => format!("{p}年"),
    }
}

/// A sheet ready to print on A4 landscape: a title row, the period and
/// units, the bold header row, then `rows`. Columns listed in `codes`
/// (internal keys) move to the end, so the Chinese names come first.
fn sheet<'a>(
    wb: &mut Workbook,
    r: &Report,
    name: &str,
    headers: &[&str],
    codes: &[usize],
    rows: impl Iterator<Item = Vec<Cell<'a>>>,
) -> Result<(), XlsxError> {
    let order: Vec<usize> = (0..headers.len())
        .filter(|c| !codes.contains(c))
        .chain(codes.iter().copied())
        .collect();
    let bold = Format::new().set_bold().set_text_wrap();
    let title = Format::new().set_bold().set_font_size(14);
    let pct = Format::new().set_num_format("0.0%");
    let ws: &mut Worksheet = wb.add_worksheet();
    ws.set_name(name)?;
    ws.write_string_with_format(
        0,
        0,
        format!("落后产能举报办理情况报表（{}）· {name}", period_zh(r)),
        &title,
    )?;
    ws.write_string(
        1,
        0,
        format!(
            "报告期：{} 至 {}（北京时间）；单位：件，比率为百分比，天数为自然日{}",
            r.from,
            r.to,
            r.district
                .as_deref()
                .map(|d| format!("；范围：{d}"))
                .unwrap_or_default()
        ),
    )?;
    let head = TITLE_ROWS;
    for (c, &i) in order.iter().enumerate() {
        ws.write_string_with_format(head, c as u16, headers[i], &bold)?;
    }
    for (r, cells) in rows.enumerate() {
        let r = head + 1 + r as u32;
        let mut cells: Vec<Option<Cell>> = cells.into_iter().map(Some).collect();
        for (c, &i) in order.iter().enumerate() {
            match cells.get_mut(i).and_then(Option::take) {
                Some(Cell::Text(s)) => ws.write_string(r, c as u16, s)?,
                Some(Cell::Num(x)) => ws.write_number(r, c as u16, x)?,
                Some(Cell::Share(x)) => ws.write_number_with_format(r, c as u16, x, &pct)?,
                Some(Cell::Empty) | None => ws,
            };
        }
    }
    ws.set_freeze_panes(head + 1, 1)?;
    ws.autofit();
    // Chinese names need room that autofit's character count underrates.
    ws.set_column_width(0, 18)?;
    ws.set_row_height(head, 32)?;
    ws.set_paper_size(9); // A4
    ws.set_landscape();
    ws.set_print_fit_to_pages(1, 0);
    ws.set_repeat_rows(head, head)?;
    Ok(())
}

fn row_cells(r: &Row) -> Vec<Cell<'_>> {
    vec![
        Cell::Text(&r.key),
        Cell::Text(&r.name),
        n(r.tips_form),
        n(r.tips_12345),
        n(r.tips_province),
        n(r.tips_national),
        n(r.dispatched),
        n(r.returned),
        n(r.returns_accepted),
        n(r.redispatched),
        n(r.substantiated),
        n(r.partly),
        n(r.unsubstantiated),
        n(r.unverifiable),
        share(r.substantiated_rate),
        r.dispatch_days_median.into(),
        r.dispatch_days_p90.into(),
        r.verify_days_median.into(),
        r.verify_days_p90.into(),
        n(r.overdue),
        n(r.yellow),
        n(r.red),
        n(r.closures),
        share(r.response_rate),
        share(r.resolution_rate),
        n(r.rated),
        share(r.satisfaction_rate),
        n(r.reopened),
    ]
}

/// The workbook's bytes: 按区 (with the total), 按部门, 退出产能, 每月举报, 案件状态, 逾期热力.
pub fn to_xlsx(r: &Report) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    sheet(
        &mut wb,
        r,
        "按区",
        &ROW_HEADERS,
        &[0],
        // The city's (or the district's) total closes the district sheet.
        r.by_district.iter().chain([&r.total]).map(row_cells),
    )?;
    sheet(
        &mut wb,
        r,
        "按部门",
        &ROW_HEADERS,
        &[0],
        r.by_bureau.iter().map(row_cells),
    )?;
    sheet(
        &mut wb,
        r,
        "退出产能",
        &CAPACITY_HEADERS,
        &[0],
        r.capacity.iter().map(|c| {
            vec![
                Cell::Text(&c.industry),
                Cell::Text(&c.industry_name),
                Cell::Text(&c.unit),
                n(c.enterprises),
                Cell::Num(c.capacity),
            ]
        }),
    )?;
    sheet(
        &mut wb,
        r,
        "每月举报",
        &["月份", "举报数"],
        &[],
        r.tips_per_month
            .iter()
            .map(|(m, k)| vec![Cell::Text(m), n(*k)]),
    )?;
    sheet(
        &mut wb,
        r,
        "案件状态",
        &["状态代码", "状态", "案件数"],
        &[0],
        r.cases_by_status.iter().map(|(s, k)| {
            let label = CaseStatus::parse(s).map_or("", CaseStatus::label_zh);
            vec![Cell::Text(s), Cell::Text(label), n(*k)]
        }),
    )?;
    // Names beside the keys: the matrix's keys are always rows of the tables.
    let name = |rows: &'_ [Row], key: &str| -> String {
        rows.iter()
            .find(|x| x.key == key)
            .map(|x| x.name.clone())
            .unwrap_or_default()
    };
    let names: Vec<(String, String)> = r
        .overdue_matrix
        .iter()
        .map(|(d, b, _)| (name(&r.by_district, d), name(&r.by_bureau, b)))
        .collect();
    sheet(
        &mut wb,
        r,
        "逾期热力",
        &["区代码", "区", "部门代码", "部门", "逾期数"],
        &[0, 2],
        r.overdue_matrix
            .iter()
            .zip(&names)
            .map(|((d, b, k), (dn, bn))| {
                vec![
                    Cell::Text(d),
                    Cell::Text(dn),
                    Cell::Text(b),
                    Cell::Text(bn),
                    n(*k),
                ]
            }),
    )?;
    wb.save_to_buffer()
}
