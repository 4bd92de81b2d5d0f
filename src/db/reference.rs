//! The active pack's reference tables (districts, industries, bureaus,
//! dimensions), replaced as a whole when a pack is loaded.
use diesel::prelude::*;

use super::schema::{bureaus, dimensions, districts, industries, packs};
use super::{DbConnection, now};
use crate::jurisdiction::Pack;

/// Replace the reference tables with the pack's entries. Runs inside the
/// caller's transaction.
pub fn load_pack(conn: &mut DbConnection, pack: &Pack) -> QueryResult<()> {
    diesel::delete(packs::table).execute(conn)?;
    diesel::insert_into(packs::table)
        .values((
            packs::key.eq(&pack.meta.key),
            packs::name.eq(&pack.meta.name),
            packs::loaded_at.eq(now()),
        ))
        .execute(conn)?;
    diesel::delete(districts::table).execute(conn)?;
    for d in &pack.districts {
        diesel::insert_into(districts::table)
            .values((
                districts::key.eq(&d.key),
                districts::name.eq(&d.name),
                districts::short_name.eq(&d.short_name),
                districts::code.eq(&d.code),
                districts::citation.eq(&d.citation),
            ))
            .execute(conn)?;
    }
    diesel::delete(industries::table).execute(conn)?;
    for i in &pack.industries {
        diesel::insert_into(industries::table)
            .values((
                industries::key.eq(&i.key),
                industries::name.eq(&i.name),
                industries::name_en.eq(&i.name_en),
                industries::citation.eq(&i.citation),
            ))
            .execute(conn)?;
    }
    diesel::delete(bureaus::table).execute(conn)?;
    for b in &pack.bureaus {
        diesel::insert_into(bureaus::table)
            .values((
                bureaus::key.eq(&b.key),
                bureaus::name.eq(&b.name),
                bureaus::name_en.eq(&b.name_en),
                bureaus::citation.eq(&b.citation),
            ))
            .execute(conn)?;
    }
    diesel::delete(dimensions::table).execute(conn)?;
    for d in &pack.dimensions {
        diesel::insert_into(dimensions::table)
            .values((
                dimensions::key.eq(&d.key),
                dimensions::name.eq(&d.name),
                dimensions::name_en.eq(&d.name_en),
                dimensions::citation.eq(&d.citation),
            ))
            .execute(conn)?;
    }
    Ok(())
}

/// The key of the pack loaded into this database, if any.
pub fn loaded_pack(conn: &mut DbConnection) -> QueryResult<Option<String>> {
    packs::table.select(packs::key).first(conn).optional()
}
