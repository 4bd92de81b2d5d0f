//! The one logical schema of both backends, written by hand (see STACK.md):
//! `migrations/sqlite` and `migrations/postgres` must produce these tables,
//! which `tests/schema.rs` checks.

diesel::table! {
    packs (key) {
        key -> Text,
        name -> Text,
        loaded_at -> Timestamp,
    }
}

diesel::table! {
    districts (key) {
        key -> Text,
        name -> Text,
        short_name -> Text,
        code -> Nullable<Text>,
        citation -> Text,
    }
}

diesel::table! {
    industries (key) {
        key -> Text,
        name -> Text,
        name_en -> Text,
        citation -> Text,
    }
}

diesel::table! {
    bureaus (key) {
        key -> Text,
        name -> Text,
        name_en -> Text,
        citation -> Text,
    }
}

diesel::table! {
    dimensions (key) {
        key -> Text,
        name -> Text,
        name_en -> Text,
        citation -> Text,
    }
}

diesel::table! {
    tips (id) {
        id -> BigInt,
        receipt_hash -> Binary,
        source -> Text,
        status -> Text,
        description -> Text,
        enterprise_name -> Nullable<Text>,
        enterprise_credit_code -> Nullable<Text>,
        address -> Nullable<Text>,
        district -> Nullable<Text>,
        industry -> Nullable<Text>,
        dimensions -> Text,
        occurred_on -> Nullable<Date>,
        contact_sealed -> Nullable<Binary>,
        received_at -> Timestamp,
        updated_at -> Timestamp,
        case_id -> Nullable<BigInt>,
        routing -> Nullable<Text>,
    }
}

diesel::table! {
    tip_updates (id) {
        id -> BigInt,
        tip_id -> BigInt,
        status -> Text,
        note -> Nullable<Text>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    tip_messages (id) {
        id -> BigInt,
        tip_id -> BigInt,
        author -> Text,
        body -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> BigInt,
        username -> Text,
        password_hash -> Text,
        role -> Text,
        bureau -> Nullable<Text>,
        district -> Nullable<Text>,
        disabled -> Bool,
        failed_logins -> Integer,
        locked_until -> Nullable<Timestamp>,
        created_at -> Timestamp,
    }
}

diesel::table! {
    sessions (token_hash) {
        token_hash -> Binary,
        user_id -> BigInt,
        csrf_token -> Text,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
    }
}

diesel::table! {
    cases (id) {
        id -> BigInt,
        status -> Text,
        industry -> Nullable<Text>,
        district -> Nullable<Text>,
        dimensions -> Text,
        lead_bureau -> Nullable<Text>,
        co_bureaus -> Text,
        routing -> Text,
        tip_count -> Integer,
        first_seen_at -> Timestamp,
        last_seen_at -> Timestamp,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        enterprise_credit_code -> Nullable<Text>,
        finding -> Nullable<Text>,
        due_step -> Nullable<Text>,
        due_on -> Nullable<Date>,
        overdue -> Bool,
        returned_reason -> Nullable<Text>,
        public_result -> Nullable<Text>,
    }
}

diesel::table! {
    case_measures (id) {
        id -> BigInt,
        case_id -> BigInt,
        measure -> Text,
        rule_key -> Nullable<Text>,
        ordered_on -> Date,
        due_on -> Date,
        extensions -> Integer,
        extended_months -> Integer,
        extension_reason -> Nullable<Text>,
        note -> Text,
        is_open -> Bool,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    case_records (id) {
        id -> BigInt,
        case_id -> BigInt,
        kind -> Text,
        detail -> Text,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    supervision_notices (id) {
        id -> BigInt,
        case_id -> BigInt,
        kind -> Text,
        step -> Text,
        due_on -> Nullable<Date>,
        body -> Text,
        created_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    user_totp (user_id) {
        user_id -> BigInt,
        secret_sealed -> Binary,
        last_step -> Nullable<BigInt>,
        enrolled_at -> Timestamp,
    }
}

diesel::table! {
    role_policies (role) {
        role -> Text,
        totp_required -> Bool,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        at -> Timestamp,
        actor -> Text,
        action -> Text,
        subject -> Text,
        detail -> Text,
    }
}

diesel::joinable!(tip_updates -> tips (tip_id));
diesel::joinable!(tips -> cases (case_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(tip_messages -> tips (tip_id));
diesel::joinable!(case_measures -> cases (case_id));
diesel::joinable!(case_records -> cases (case_id));
diesel::joinable!(supervision_notices -> cases (case_id));
diesel::joinable!(user_totp -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(
    packs,
    districts,
    industries,
    bureaus,
    dimensions,
    tips,
    tip_updates,
    tip_messages,
    users,
    sessions,
    cases,
    case_measures,
    case_records,
    supervision_notices,
    user_totp,
    role_policies,
    audit_log,
);
