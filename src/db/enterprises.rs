//! SQL for the enterprise registry and its change counter.
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::{enterprises, registry_version};

/// One enterprise as import or an edit writes it.
#[derive(Debug, Clone)]
pub struct EnterpriseWrite {
    pub credit_code: String,
    pub credit_code_valid: bool,
    pub name: String,
    pub address: Option<String>,
    pub district: Option<String>,
    pub industry: Option<String>,
}

#[derive(Debug, Clone, Queryable)]
pub struct EnterpriseRow {
    pub id: i64,
    pub credit_code: String,
    pub credit_code_valid: bool,
    pub name: String,
    pub former_names: String,
    pub aliases: String,
    pub address: Option<String>,
    pub district: Option<String>,
    pub industry: Option<String>,
    pub status: String,
    pub list_status: String,
    pub rev: i64,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

impl EnterpriseRow {
    /// Former names and aliases, one per line in the table.
    pub fn other_names(&self) -> Vec<String> {
        self.former_names
            .lines()
            .chain(self.aliases.lines())
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect()
    }
}

/// Take the next registry version. The row lock this update holds until
/// commit orders concurrent writers, so a reader that sees version V also
/// sees every row written with a rev ≤ V.
pub fn bump_version(conn: &mut DbConnection) -> QueryResult<i64> {
    diesel::update(registry_version::table.find(1i64))
        .set(registry_version::version.eq(registry_version::version + 1))
        .execute(conn)?;
    current_version(conn)
}

pub fn current_version(conn: &mut DbConnection) -> QueryResult<i64> {
    registry_version::table
        .find(1i64)
        .select(registry_version::version)
        .first(conn)
}

/// (id, name, former names) of the enterprises among `codes` that exist.
pub fn existing(
    conn: &mut DbConnection,
    codes: &[&str],
) -> QueryResult<std::collections::HashMap<String, (i64, String, String)>> {
    let rows: Vec<(String, i64, String, String)> = enterprises::table
        .filter(enterprises::credit_code.eq_any(codes))
        .select((
            enterprises::credit_code,
            enterprises::id,
            enterprises::name,
            enterprises::former_names,
        ))
        .load(conn)?;
    Ok(rows
        .into_iter()
        .map(|(c, id, n, f)| (c, (id, n, f)))
        .collect())
}

/// Insert or update by credit code, given what [`existing`] found for it.
/// Returns true when the row was new. A former name is kept when an update
/// renames the enterprise.
pub fn upsert(
    conn: &mut DbConnection,
    e: &EnterpriseWrite,
    existing: Option<(i64, String, String)>,
    rev: i64,
    at: NaiveDateTime,
) -> QueryResult<bool> {
    match existing {
        Some((id, old_name, mut former)) => {
            if old_name != e.name && !former.lines().any(|l| l == old_name) {
                if !former.is_empty() {
                    former.push('\n');
                }
                former.push_str(&old_name);
            }
            diesel::update(enterprises::table.find(id))
                .set((
                    enterprises::credit_code_valid.eq(e.credit_code_valid),
                    enterprises::name.eq(&e.name),
                    enterprises::former_names.eq(&former),
                    enterprises::address.eq(&e.address),
                    enterprises::district.eq(&e.district),
                    enterprises::industry.eq(&e.industry),
                    enterprises::rev.eq(rev),
                    enterprises::updated_at.eq(at),
                ))
                .execute(conn)?;
            Ok(false)
        }
        None => {
            diesel::insert_into(enterprises::table)
                .values((
                    enterprises::credit_code.eq(&e.credit_code),
                    enterprises::credit_code_valid.eq(e.credit_code_valid),
                    enterprises::name.eq(&e.name),
                    enterprises::former_names.eq(""),
                    enterprises::aliases.eq(""),
                    enterprises::address.eq(&e.address),
                    enterprises::district.eq(&e.district),
                    enterprises::industry.eq(&e.industry),
                    enterprises::status.eq("active"),
                    enterprises::list_status.eq("none"),
                    enterprises::rev.eq(rev),
                    enterprises::created_at.eq(at),
                    enterprises::updated_at.eq(at),
                ))
                .execute(conn)?;
            Ok(true)
        }
    }
}

/// Rows written after version `since`, in pages by id (for index loads).
pub fn changed_since(
    conn: &mut DbConnection,
    since: i64,
    after_id: i64,
    limit: i64,
) -> QueryResult<Vec<EnterpriseRow>> {
    enterprises::table
        .filter(enterprises::rev.gt(since))
        .filter(enterprises::id.gt(after_id))
        .order(enterprises::id.asc())
        .limit(limit)
        .load(conn)
}

pub fn by_id(conn: &mut DbConnection, id: i64) -> QueryResult<Option<EnterpriseRow>> {
    enterprises::table.find(id).first(conn).optional()
}

pub fn count(conn: &mut DbConnection) -> QueryResult<i64> {
    enterprises::table.count().get_result(conn)
}

/// (id, credit code, name) of the given enterprises.
pub fn names(conn: &mut DbConnection, ids: &[i64]) -> QueryResult<Vec<(i64, String, String)>> {
    enterprises::table
        .filter(enterprises::id.eq_any(ids))
        .select((enterprises::id, enterprises::credit_code, enterprises::name))
        .load(conn)
}

/// The id and name of the firm holding a credit code.
pub fn id_and_name_by_code(
    conn: &mut DbConnection,
    code: &str,
) -> QueryResult<Option<(i64, String)>> {
    enterprises::table
        .filter(enterprises::credit_code.eq(code))
        .select((enterprises::id, enterprises::name))
        .first(conn)
        .optional()
}

/// A firm's name and credit code.
pub fn name_and_code(conn: &mut DbConnection, id: i64) -> QueryResult<Option<(String, String)>> {
    enterprises::table
        .find(id)
        .select((enterprises::name, enterprises::credit_code))
        .first(conn)
        .optional()
}
