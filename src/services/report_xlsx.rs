//! 报表的 Excel 版：每张表一个工作表，中文表头在第一行。
//! The report as an XLSX workbook: one sheet per table, Chinese headers in
//! row 1, figures as numbers (so they sum and chart), empty cells for none.
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

use super::reports::{CAPACITY_HEADERS, ROW_HEADERS, Report, Row};
use crate::domain::case_state::CaseStatus;

/// One cell: text, a number, or nothing.
enum Cell<'a> {
    Text(&'a str),
    Num(f64),
    Empty,
}

impl From<Option<f64>> for Cell<'_> {
    fn from(v: Option<f64>) -> Self {
        v.map_or(Cell::Empty, Cell::Num)
    }
}

fn n(v: i64) -> Cell<'static> {
    Cell::Num(v as f64)
}

/// A sheet named `name`: the bold header row, then `rows`.
fn sheet<'a>(
    wb: &mut Workbook,
    name: &str,
    headers: &[&str],
    rows: impl Iterator<Item = Vec<Cell<'a>>>,
) -> Result<(), XlsxError> {
    let bold = Format::new().set_bold();
    let ws: &mut Worksheet = wb.add_worksheet();
    ws.set_name(name)?;
    for (c, h) in headers.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    for (r, cells) in rows.enumerate() {
        let r = r as u32 + 1;
        for (c, cell) in cells.into_iter().enumerate() {
            match cell {
                Cell::Text(s) => ws.write_string(r, c as u16, s)?,
                Cell::Num(x) => ws.write_number(r, c as u16, x)?,
                Cell::Empty => ws,
            };
        }
    }
    ws.set_freeze_panes(1, 0)?;
    ws.autofit();
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
        r.substantiated_rate.into(),
        r.dispatch_days_median.into(),
        r.dispatch_days_p90.into(),
        r.verify_days_median.into(),
        r.verify_days_p90.into(),
        n(r.overdue),
        n(r.yellow),
        n(r.red),
        n(r.closures),
        r.response_rate.into(),
        r.resolution_rate.into(),
        n(r.rated),
        r.satisfaction_rate.into(),
        n(r.reopened),
    ]
}

/// The workbook's bytes: 按区 (with the total), 按部门, 退出产能, 每月举报, 案件状态, 逾期热力.
pub fn to_xlsx(r: &Report) -> Result<Vec<u8>, XlsxError> {
    let mut wb = Workbook::new();
    sheet(
        &mut wb,
        "按区",
        &ROW_HEADERS,
        // The city's (or the district's) total closes the district sheet.
        r.by_district.iter().chain([&r.total]).map(row_cells),
    )?;
    sheet(
        &mut wb,
        "按部门",
        &ROW_HEADERS,
        r.by_bureau.iter().map(row_cells),
    )?;
    sheet(
        &mut wb,
        "退出产能",
        &CAPACITY_HEADERS,
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
        "每月举报",
        &["月份", "举报数"],
        r.tips_per_month
            .iter()
            .map(|(m, k)| vec![Cell::Text(m), n(*k)]),
    )?;
    sheet(
        &mut wb,
        "案件状态",
        &["状态代码", "状态", "案件数"],
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
        "逾期热力",
        &["区代码", "区", "部门代码", "部门", "逾期数"],
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
