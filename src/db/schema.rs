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
        enterprise_id -> Nullable<BigInt>,
        matching -> Nullable<Text>,
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
        created_at -> Timestamp,
        last_failed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    idempotency (key_hash) {
        key_hash -> Binary,
        request_hash -> Binary,
        answer_sealed -> Binary,
        created_at -> Timestamp,
    }
}

diesel::table! {
    settings (key) {
        key -> Text,
        value -> Text,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    login_throttle (key) {
        key -> Binary,
        attempts -> Integer,
        last_at -> Timestamp,
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
        enterprise_id -> Nullable<BigInt>,
        candidates -> Text,
        place_key -> Nullable<Text>,
        enterprise_credit_code -> Nullable<Text>,
        finding -> Nullable<Text>,
        due_step -> Nullable<Text>,
        due_on -> Nullable<Date>,
        overdue -> Bool,
        returned_reason -> Nullable<Text>,
        public_result -> Nullable<Text>,
        reopen_count -> Integer,
    }
}

diesel::table! {
    enterprises (id) {
        id -> BigInt,
        credit_code -> Text,
        credit_code_valid -> Bool,
        name -> Text,
        former_names -> Text,
        aliases -> Text,
        address -> Nullable<Text>,
        district -> Nullable<Text>,
        industry -> Nullable<Text>,
        status -> Text,
        list_status -> Text,
        rev -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    registry_version (id) {
        id -> BigInt,
        version -> BigInt,
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

// Relays (issue 5): accounts, their work orders, and the call-back outbox.
diesel::table! {
    relays (id) {
        id -> BigInt,
        name -> Text,
        key_hash -> Binary,
        key_prefix -> Text,
        signing_sealed -> Binary,
        callback_url -> Nullable<Text>,
        rate_limit -> Integer,
        revoked_at -> Nullable<Timestamp>,
        key_created_at -> Timestamp,
        created_at -> Timestamp,
        source -> Text,
    }
}

diesel::table! {
    relay_tickets (id) {
        id -> BigInt,
        relay_id -> BigInt,
        ticket_id -> Text,
        tip_id -> BigInt,
        channel -> Text,
        content_hash -> Binary,
        content -> Text,
        answer_sealed -> Binary,
        ticket_received_at -> Timestamp,
        confidential -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    outbox (id) {
        id -> BigInt,
        relay_id -> BigInt,
        tip_id -> BigInt,
        ticket_id -> Text,
        event -> Text,
        payload -> Text,
        state -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        delivered_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    outbox_attempts (id) {
        id -> BigInt,
        outbox_id -> BigInt,
        attempted_at -> Timestamp,
        http_status -> Nullable<Integer>,
        error -> Nullable<Text>,
        duration_ms -> BigInt,
        worker -> Text,
    }
}

diesel::joinable!(relay_tickets -> relays (relay_id));
diesel::joinable!(relay_tickets -> tips (tip_id));
diesel::joinable!(outbox -> relays (relay_id));
diesel::joinable!(outbox_attempts -> outbox (outbox_id));
// Pairs with the older tables are listed one by one so this block merges
// beside other issues' additions without touching the list above.
diesel::allow_tables_to_appear_in_same_query!(relays, relay_tickets, outbox, outbox_attempts);
diesel::allow_tables_to_appear_in_same_query!(relay_tickets, tips);
diesel::allow_tables_to_appear_in_same_query!(relay_tickets, cases);
diesel::allow_tables_to_appear_in_same_query!(relays, tips);
diesel::allow_tables_to_appear_in_same_query!(relays, cases);
diesel::allow_tables_to_appear_in_same_query!(outbox, tips);

diesel::joinable!(tip_updates -> tips (tip_id));
diesel::joinable!(tips -> cases (case_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(cases -> enterprises (enterprise_id));
diesel::joinable!(tip_messages -> tips (tip_id));

// Evidence and abuse (issue 8): attachments, legal holds, flood fingerprints.
diesel::table! {
    attachments (id) {
        id -> BigInt,
        tip_id -> Nullable<BigInt>,
        token_hash -> Nullable<Binary>,
        storage_key -> Text,
        thumb_key -> Nullable<Text>,
        kind -> Text,
        size -> BigInt,
        removed -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    legal_holds (id) {
        id -> BigInt,
        case_id -> Nullable<BigInt>,
        tip_id -> Nullable<BigInt>,
        reason -> Text,
        set_by -> Text,
        set_at -> Timestamp,
        released_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    tip_fingerprints (tip_id) {
        tip_id -> BigInt,
        enterprise_key -> Text,
        text_key -> Text,
        received_at -> Timestamp,
    }
}

diesel::table! {
    case_flags (case_id) {
        case_id -> BigInt,
        flood_suspected -> Bool,
        flood_count -> Integer,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(attachments -> tips (tip_id));
diesel::joinable!(tip_fingerprints -> tips (tip_id));
diesel::joinable!(case_flags -> cases (case_id));

// Case workflow (issue 6): measures, records, supervision, second factor.
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

diesel::joinable!(case_measures -> cases (case_id));
diesel::joinable!(case_records -> cases (case_id));
diesel::joinable!(supervision_notices -> cases (case_id));
diesel::joinable!(user_totp -> users (user_id));

// Outcomes (issue 7): joint punishment records (lists are derived by query).
diesel::table! {
    punishments (id) {
        id -> BigInt,
        case_id -> BigInt,
        enterprise_id -> Nullable<BigInt>,
        credit_code -> Nullable<Text>,
        enterprise_name -> Text,
        status -> Text,
        measures -> Text,
        legal_basis -> Text,
        issuing_bureau -> Nullable<Text>,
        starts_on -> Nullable<Date>,
        ends_on -> Nullable<Date>,
        missed_due_on -> Date,
        proposed_at -> Timestamp,
        decided_by -> Nullable<Text>,
        decided_at -> Nullable<Timestamp>,
        ended_on -> Nullable<Date>,
        end_reason -> Nullable<Text>,
        end_approver -> Nullable<Text>,
        updated_at -> Timestamp,
        credit_regime -> Nullable<Text>,
        credit_tier -> Nullable<Text>,
        term_min_months -> Nullable<Integer>,
        term_max_months -> Nullable<Integer>,
        term_reason -> Nullable<Text>,
    }
}

diesel::joinable!(punishments -> cases (case_id));

// The reporter's loop (issue 18): one rating per tip, and its review.
diesel::table! {
    tip_ratings (tip_id) {
        tip_id -> BigInt,
        rating -> Text,
        comment -> Nullable<Text>,
        source -> Text,
        rated_at -> Timestamp,
        review -> Nullable<Text>,
        review_note -> Nullable<Text>,
        reviewed_by -> Nullable<Text>,
        reviewed_at -> Nullable<Timestamp>,
    }
}

diesel::joinable!(tip_ratings -> tips (tip_id));

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
    audit_log,
    enterprises,
    registry_version,
    attachments,
    legal_holds,
    tip_fingerprints,
    case_flags,
    case_measures,
    case_records,
    supervision_notices,
    user_totp,
    role_policies,
    punishments,
    tip_ratings,
);
