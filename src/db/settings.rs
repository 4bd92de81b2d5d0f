//! SQL for the deployment's small shared facts (`settings`).
use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::DbConnection;
use super::schema::settings;

pub fn get(conn: &mut DbConnection, key: &str) -> QueryResult<Option<String>> {
    settings::table
        .find(key)
        .select(settings::value)
        .first(conn)
        .optional()
}

/// Set `key` unless it is set; returns the value now stored.
pub fn get_or_insert(
    conn: &mut DbConnection,
    key: &str,
    value: &str,
    at: NaiveDateTime,
) -> QueryResult<String> {
    if let Some(v) = get(conn, key)? {
        return Ok(v);
    }
    diesel::insert_into(settings::table)
        .values((
            settings::key.eq(key),
            settings::value.eq(value),
            settings::updated_at.eq(at),
        ))
        .execute(conn)?;
    Ok(value.to_string())
}

/// Write `key` (insert or update).
pub fn put(conn: &mut DbConnection, key: &str, value: &str, at: NaiveDateTime) -> QueryResult<()> {
    let n = diesel::update(settings::table.find(key))
        .set((settings::value.eq(value), settings::updated_at.eq(at)))
        .execute(conn)?;
    if n == 0 {
        diesel::insert_into(settings::table)
            .values((
                settings::key.eq(key),
                settings::value.eq(value),
                settings::updated_at.eq(at),
            ))
            .execute(conn)?;
    }
    Ok(())
}
