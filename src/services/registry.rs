//! The enterprise registry: CSV import (CLI and admin upload) and keeping
//! each process's in-memory match index current.
use std::io::Read;

use serde::Serialize;

use crate::db::enterprises::{self, EnterpriseWrite};
use crate::db::{self, Db, DbError, audit};
use crate::domain::credit_code::CreditCode;
use crate::jurisdiction::Pack;

/// Rows per write transaction: large enough to amortise the commit, small
/// enough that intake never waits long for the SQLite writer.
const BATCH: usize = 2000;

pub const HEADER: [&str; 5] = ["credit_code", "name", "address", "district", "industry"];

#[derive(Debug, Default, Serialize)]
pub struct ImportReport {
    pub imported: u64,
    pub updated: u64,
    pub rejected: Vec<LineProblem>,
    /// Imported, but flagged (a credit code whose check character fails).
    pub warnings: Vec<LineProblem>,
}

#[derive(Debug, Serialize)]
pub struct LineProblem {
    pub line: u64,
    pub reason: String,
    /// The same reason in Chinese, for the administrator's page.
    pub reason_zh: String,
}

impl LineProblem {
    fn new(line: u64, (zh, en): (String, String)) -> LineProblem {
        LineProblem {
            line,
            reason: en,
            reason_zh: zh,
        }
    }
}

/// A row's problem: (Chinese, English).
type Why = (String, String);

fn why(zh: impl Into<String>, en: impl Into<String>) -> Why {
    (zh.into(), en.into())
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("the header must include {0}")]
    Header(String),
    #[error("reading the CSV: {0}")]
    Csv(#[from] csv::Error),
    #[error(transparent)]
    Db(#[from] DbError),
}

impl ImportError {
    /// The import's worker stopped before it answered (the server shutting
    /// down): reported as the database being unavailable.
    pub fn canceled() -> ImportError {
        ImportError::Db(DbError::Canceled)
    }
}

impl From<diesel::result::Error> for ImportError {
    fn from(e: diesel::result::Error) -> Self {
        ImportError::Db(e.into())
    }
}

/// Check one CSV row; district as key, Chinese name or division code.
fn parse_row(pack: &Pack, fields: [&str; 5]) -> Result<(EnterpriseWrite, Option<Why>), Why> {
    let [code, name, address, district, industry] = fields.map(str::trim);
    let code = CreditCode::parse_lenient(code)
        .map_err(|e| why(e.zh(), format!("credit_code: {}", e.en())))?;
    if name.is_empty() {
        return Err(why("名称：为空", "name: empty"));
    }
    if name.chars().count() > 200 {
        return Err(why(
            "名称：超过200个字符",
            "name: longer than 200 characters",
        ));
    }
    let district = match district {
        "" => None,
        d => Some(
            pack.resolve_district(d)
                .ok_or_else(|| {
                    why(
                        format!("区：本方案中没有“{d}”"),
                        format!("district: unknown `{d}`"),
                    )
                })?
                .key
                .clone(),
        ),
    };
    let industry = match industry {
        "" => None,
        i => Some(
            pack.resolve_industry(i)
                .ok_or_else(|| {
                    why(
                        format!("行业：本方案中没有“{i}”"),
                        format!("industry: unknown `{i}`"),
                    )
                })?
                .key
                .clone(),
        ),
    };
    let warning = code.warning().map(|w| {
        why(
            format!(
                "统一社会信用代码 {}：{}（已导入，已标记）",
                code.as_str(),
                w.zh()
            ),
            format!(
                "credit_code {}: {} (imported, flagged)",
                code.as_str(),
                w.en()
            ),
        )
    });
    Ok((
        EnterpriseWrite {
            credit_code: code.as_str().to_string(),
            credit_code_valid: code.is_valid(),
            name: name.to_string(),
            address: Some(address.to_string()).filter(|a| !a.is_empty()),
            district,
            industry,
        },
        warning,
    ))
}

/// Stream a CSV with the header `credit_code,name,address,district,industry`
/// (extra columns ignored) into the registry. Re-importing updates by credit
/// code. `progress` is told how many bytes have been read.
pub fn import_csv(
    db: &Db,
    pack: &Pack,
    input: impl Read,
    actor: &str,
    mut progress: impl FnMut(u64),
) -> Result<ImportReport, ImportError> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(input);
    let headers = reader.headers()?.clone();
    let mut columns = [0usize; 5];
    for (i, name) in HEADER.iter().enumerate() {
        columns[i] = headers
            .iter()
            .position(|h| h.trim().trim_start_matches('\u{feff}') == *name)
            .ok_or_else(|| ImportError::Header(HEADER.join(",")))?;
    }
    let mut report = ImportReport::default();
    let mut batch: Vec<EnterpriseWrite> = Vec::with_capacity(BATCH);
    let mut record = csv::ByteRecord::new();
    let mut in_batch: std::collections::HashSet<String> = std::collections::HashSet::new();
    loop {
        let more = match reader.read_byte_record(&mut record) {
            Ok(more) => more,
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                report.rejected.push(LineProblem::new(
                    line,
                    why(format!("无法读取此行：{e}"), e.to_string()),
                ));
                if matches!(e.kind(), csv::ErrorKind::Io(_)) {
                    return Err(e.into());
                }
                continue;
            }
        };
        if !more {
            break;
        }
        let line = record.position().map(|p| p.line()).unwrap_or(0);
        let field = |i: usize| std::str::from_utf8(record.get(columns[i]).unwrap_or(b""));
        let fields = [field(0), field(1), field(2), field(3), field(4)];
        if fields.iter().any(Result::is_err) {
            report
                .rejected
                .push(LineProblem::new(line, why("不是 UTF-8 编码", "not UTF-8")));
            continue;
        }
        match parse_row(pack, fields.map(|f| f.unwrap_or(""))) {
            Ok((row, warning)) => {
                if let Some(reason) = warning {
                    report.warnings.push(LineProblem::new(line, reason));
                }
                // A code twice in one batch: write the first before the second updates it.
                if !in_batch.insert(row.credit_code.clone()) {
                    write_batch(db, &mut batch, &mut report)?;
                    in_batch.clear();
                    in_batch.insert(row.credit_code.clone());
                }
                batch.push(row);
            }
            Err(reason) => report.rejected.push(LineProblem::new(line, reason)),
        }
        if batch.len() == BATCH {
            write_batch(db, &mut batch, &mut report)?;
            in_batch.clear();
            progress(record.position().map(|p| p.byte()).unwrap_or(0));
        }
    }
    write_batch(db, &mut batch, &mut report)?;
    let summary = format!(
        "imported {} updated {} rejected {}",
        report.imported,
        report.updated,
        report.rejected.len()
    );
    db.write_tx(|conn| -> Result<(), DbError> {
        audit::append(
            conn,
            actor,
            "enterprises.import",
            "registry",
            &summary,
            db::now(),
        )?;
        Ok(())
    })?;
    Ok(report)
}

fn write_batch(
    db: &Db,
    batch: &mut Vec<EnterpriseWrite>,
    report: &mut ImportReport,
) -> Result<(), ImportError> {
    if batch.is_empty() {
        return Ok(());
    }
    let (new, updated) = db.write_tx(|conn| -> Result<(u64, u64), ImportError> {
        let rev = enterprises::bump_version(conn)?;
        let at = db::now();
        let (mut new, mut updated) = (0, 0);
        let codes: Vec<&str> = batch.iter().map(|r| r.credit_code.as_str()).collect();
        let mut found = enterprises::existing(conn, &codes)?;
        for row in batch.iter() {
            let before = found.remove(&row.credit_code);
            if enterprises::upsert(conn, row, before, rev, at)? {
                new += 1;
            } else {
                updated += 1;
            }
        }
        Ok((new, updated))
    })?;
    report.imported += new;
    report.updated += updated;
    batch.clear();
    Ok(())
}

/// The registry as an administrator sees it: firms held and the version
/// counter every import bumps.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct RegistrySize {
    pub enterprises: i64,
    pub version: i64,
}

pub fn size(db: &Db) -> Result<RegistrySize, DbError> {
    let mut conn = db.read_conn()?;
    Ok(RegistrySize {
        enterprises: enterprises::count(&mut conn)?,
        version: enterprises::current_version(&mut conn)?,
    })
}
