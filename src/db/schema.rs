//! Table definitions, written by hand with types that mean the same on SQLite and PostgreSQL.

diesel::table! {
    app_settings (key) {
        key -> Text,
        value -> Text,
    }
}

diesel::table! {
    users (id) {
        id -> BigInt,
        email -> Text,
        name -> Text,
        password_hash -> Nullable<Text>,
        is_disabled -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        last_login_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    user_roles (user_id, role) {
        user_id -> BigInt,
        role -> Text,
    }
}

diesel::table! {
    sessions (id_hash) {
        id_hash -> Text,
        user_id -> BigInt,
        created_at -> Timestamp,
        last_seen_at -> Timestamp,
        expires_at -> Timestamp,
        client_addr -> Text,
        user_agent -> Text,
    }
}

diesel::table! {
    auth_tokens (token_hash) {
        token_hash -> Text,
        purpose -> Text,
        user_id -> Nullable<BigInt>,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    login_failures (id) {
        id -> BigInt,
        scope -> Text,
        key -> Text,
        at -> Timestamp,
    }
}

diesel::table! {
    outbox (id) {
        id -> BigInt,
        kind -> Text,
        to_addr -> Text,
        subject -> Text,
        body_text -> Text,
        body_html -> Text,
        status -> Text,
        attempts -> Integer,
        next_attempt_at -> Timestamp,
        locked_until -> Nullable<Timestamp>,
        last_error -> Nullable<Text>,
        created_at -> Timestamp,
        sent_at -> Nullable<Timestamp>,
        record_type -> Nullable<Text>,
        record_id -> Nullable<Text>,
    }
}

diesel::table! {
    outbox_attachments (id) {
        id -> BigInt,
        outbox_id -> BigInt,
        filename -> Text,
        content_type -> Text,
        body -> Text,
    }
}

diesel::table! {
    audit_log (id) {
        id -> BigInt,
        at -> Timestamp,
        actor_user_id -> Nullable<BigInt>,
        actor -> Text,
        action -> Text,
        record_type -> Nullable<Text>,
        record_id -> Nullable<Text>,
        details -> Text,
        client_addr -> Nullable<Text>,
        repeats -> Integer,
        last_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    programmes (id) {
        id -> BigInt,
        name -> Text,
        year -> Integer,
        description -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    tiers (id) {
        id -> BigInt,
        programme_id -> BigInt,
        name -> Text,
        slug -> Text,
        description -> Text,
        price_minor -> BigInt,
        currency -> Text,
        capacity -> Nullable<Integer>,
        logo_size -> Text,
        display_order -> Integer,
        advertised -> Bool,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    tier_benefits (id) {
        id -> BigInt,
        tier_id -> BigInt,
        position -> Integer,
        description -> Text,
        quantity -> Nullable<Integer>,
    }
}

diesel::table! {
    discount_rules (id) {
        id -> BigInt,
        programme_id -> BigInt,
        name -> Text,
        max_org_size_exclusive -> Nullable<Integer>,
        percent_off -> Integer,
        active -> Bool,
        created_at -> Timestamp,
    }
}

diesel::table! {
    discount_rule_tiers (rule_id, tier_id) {
        rule_id -> BigInt,
        tier_id -> BigInt,
    }
}

diesel::table! {
    sponsors (id) {
        id -> BigInt,
        name -> Text,
        slug -> Text,
        website -> Text,
        description -> Text,
        tagline -> Text,
        org_size -> Nullable<Integer>,
        country -> Text,
        topics -> Text,
        inkind_description -> Text,
        inkind_value_minor -> Nullable<BigInt>,
        inkind_currency -> Nullable<Text>,
        logo_key -> Nullable<Text>,
        logo_pending_key -> Nullable<Text>,
        logo_approved_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        description_pending -> Nullable<Text>,
        billing_address -> Text,
        search_name -> Nullable<Text>,
        tax_id -> Text,
        tagline_pending -> Nullable<Text>,
        website_pending -> Nullable<Text>,
    }
}

diesel::table! {
    sponsor_contacts (id) {
        id -> BigInt,
        sponsor_id -> BigInt,
        name -> Text,
        email -> Text,
        role -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    sponsorships (id) {
        id -> BigInt,
        sponsor_id -> BigInt,
        tier_id -> BigInt,
        start_date -> Date,
        end_date -> Date,
        fee_minor -> BigInt,
        currency -> Text,
        status -> Text,
        published_early -> Bool,
        notes -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        application_key -> Nullable<Text>,
        waitlisted -> Bool,
        renewal_of_id -> Nullable<BigInt>,
        list_price_minor -> Nullable<BigInt>,
        fee_reason -> Text,
        po_number -> Text,
    }
}

diesel::table! {
    sponsorship_events (id) {
        id -> BigInt,
        sponsorship_id -> BigInt,
        at -> Timestamp,
        actor -> Text,
        from_status -> Nullable<Text>,
        to_status -> Text,
        note -> Text,
    }
}

diesel::table! {
    benefit_fulfilments (id) {
        id -> BigInt,
        sponsorship_id -> BigInt,
        position -> Integer,
        description -> Text,
        quantity -> Nullable<Integer>,
        status -> Text,
        delivered_by -> Nullable<Text>,
        delivered_at -> Nullable<Timestamp>,
        note -> Text,
    }
}

diesel::table! {
    jobs (id) {
        id -> BigInt,
        sponsor_id -> BigInt,
        title -> Text,
        location -> Text,
        remote -> Bool,
        url -> Text,
        expires_on -> Date,
        created_at -> Timestamp,
    }
}

diesel::table! {
    placement_slots (id) {
        id -> BigInt,
        key -> Text,
        name -> Text,
        description -> Text,
        topic -> Nullable<Text>,
        max_sponsors -> Integer,
        created_at -> Timestamp,
    }
}

diesel::table! {
    placement_slot_tiers (slot_id, tier_id) {
        slot_id -> BigInt,
        tier_id -> BigInt,
    }
}

diesel::table! {
    placement_stats (slot_id, sponsor_id, day) {
        slot_id -> BigInt,
        sponsor_id -> BigInt,
        day -> Date,
        impressions -> BigInt,
        clicks -> BigInt,
    }
}

diesel::table! {
    portal_tokens (id) {
        id -> BigInt,
        token_hash -> Text,
        scope -> Text,
        scope_id -> BigInt,
        email -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        last_used_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    agreements (id) {
        id -> BigInt,
        sponsorship_id -> BigInt,
        kind -> Text,
        body -> Text,
        file_key -> Nullable<Text>,
        file_name -> Nullable<Text>,
        status -> Text,
        created_by -> Text,
        created_at -> Timestamp,
        accepted_name -> Nullable<Text>,
        accepted_title -> Nullable<Text>,
        accepted_email -> Nullable<Text>,
        accepted_at -> Nullable<Timestamp>,
        accepted_addr -> Nullable<Text>,
        countersigned_user_id -> Nullable<BigInt>,
        countersigned_name -> Nullable<Text>,
        countersigned_title -> Nullable<Text>,
        countersigned_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    invoice_counters (year) {
        year -> Integer,
        last_seq -> Integer,
    }
}

diesel::table! {
    invoices (id) {
        id -> BigInt,
        sponsorship_id -> BigInt,
        year -> Integer,
        seq -> Integer,
        number -> Text,
        issued_on -> Date,
        due_on -> Date,
        amount_minor -> BigInt,
        currency -> Text,
        description -> Text,
        bill_to -> Text,
        status -> Text,
        paid_at -> Nullable<Timestamp>,
        created_by -> Text,
        created_at -> Timestamp,
        po_number -> Text,
        buyer_tax_id -> Text,
    }
}

diesel::table! {
    payments (id) {
        id -> BigInt,
        invoice_id -> BigInt,
        kind -> Text,
        method -> Text,
        amount_minor -> BigInt,
        currency -> Text,
        reference -> Text,
        received_on -> Date,
        stripe_ref -> Nullable<Text>,
        flagged -> Bool,
        flag_note -> Text,
        recorded_by -> Text,
        created_at -> Timestamp,
        refund_of -> Nullable<Text>,
    }
}

diesel::table! {
    checkout_sessions (id) {
        id -> BigInt,
        invoice_id -> BigInt,
        stripe_id -> Text,
        url -> Text,
        amount_minor -> BigInt,
        currency -> Text,
        status -> Text,
        expires_at -> Timestamp,
        created_at -> Timestamp,
    }
}

diesel::table! {
    stripe_events (event_id) {
        event_id -> Text,
        event_type -> Text,
        received_at -> Timestamp,
        invoice_id -> Nullable<BigInt>,
        outcome -> Text,
        detail -> Text,
        payload -> Text,
        resolved_at -> Nullable<Timestamp>,
        resolved_by -> Nullable<Text>,
        resolution_note -> Text,
    }
}

diesel::table! {
    renewal_reminders (sponsorship_id, days_before) {
        sponsorship_id -> BigInt,
        days_before -> Integer,
        sent_at -> Timestamp,
    }
}

diesel::table! {
    grant_programmes (id) {
        id -> BigInt,
        name -> Text,
        kind -> Text,
        description -> Text,
        is_open -> Bool,
        requires_coc -> Bool,
        min_lead_days -> Integer,
        max_amount_minor -> Nullable<BigInt>,
        per_attendee_minor -> Nullable<BigInt>,
        report_days -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    grant_budgets (programme_id, year) {
        programme_id -> BigInt,
        year -> Integer,
        cap_minor -> BigInt,
    }
}

diesel::table! {
    grant_quorum (min_amount_minor) {
        min_amount_minor -> BigInt,
        approvals -> Integer,
    }
}

diesel::table! {
    exchange_rates (currency) {
        currency -> Text,
        rate_micros -> BigInt,
        updated_at -> Timestamp,
        updated_by -> Text,
    }
}

diesel::table! {
    grant_applications (id) {
        id -> BigInt,
        application_key -> Text,
        programme_id -> BigInt,
        status -> Text,
        applicant_name -> Text,
        applicant_email -> Text,
        organisation -> Text,
        group_key -> Text,
        country -> Text,
        event_name -> Text,
        starts_on -> Date,
        ends_on -> Date,
        city -> Text,
        event_country -> Text,
        attendance -> Integer,
        website -> Text,
        coc_url -> Text,
        requested_minor -> BigInt,
        currency -> Text,
        requested_base_minor -> BigInt,
        total_budget_minor -> BigInt,
        purpose -> Text,
        outreach -> Text,
        earlier_grants -> Text,
        public_opt_in -> Bool,
        budget_year -> Integer,
        report_due_on -> Nullable<Date>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    grant_decisions (application_id) {
        application_id -> BigInt,
        outcome -> Text,
        awarded_minor -> Nullable<BigInt>,
        awarded_base_minor -> Nullable<BigInt>,
        rate_micros -> Nullable<BigInt>,
        note -> Text,
        override_reason -> Text,
        decided_by -> Text,
        decided_at -> Timestamp,
    }
}

diesel::table! {
    grant_reports (application_id) {
        application_id -> BigInt,
        body -> Text,
        submitted_by -> Text,
        submitted_at -> Timestamp,
    }
}

diesel::table! {
    grant_budget_lines (id) {
        id -> BigInt,
        application_id -> BigInt,
        position -> Integer,
        label -> Text,
        amount_minor -> BigInt,
    }
}

diesel::table! {
    grant_events (id) {
        id -> BigInt,
        application_id -> BigInt,
        from_status -> Nullable<Text>,
        to_status -> Text,
        actor -> Text,
        note -> Text,
        at -> Timestamp,
    }
}

diesel::table! {
    grant_messages (id) {
        id -> BigInt,
        application_id -> BigInt,
        author_kind -> Text,
        author -> Text,
        body -> Text,
        at -> Timestamp,
    }
}

diesel::table! {
    grant_reviewers (application_id, user_id) {
        application_id -> BigInt,
        user_id -> BigInt,
        assigned_by -> Text,
        assigned_at -> Timestamp,
        conflict -> Bool,
        conflict_note -> Text,
        conflict_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    grant_votes (application_id, user_id) {
        application_id -> BigInt,
        user_id -> BigInt,
        vote -> Text,
        score -> Nullable<Integer>,
        comment -> Text,
        at -> Timestamp,
    }
}

diesel::table! {
    grant_disbursements (id) {
        id -> BigInt,
        application_id -> BigInt,
        paid_on -> Date,
        method -> Text,
        amount_minor -> BigInt,
        currency -> Text,
        rate_micros -> BigInt,
        base_minor -> BigInt,
        reference -> Text,
        recorded_by -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    grant_files (id) {
        id -> BigInt,
        application_id -> BigInt,
        purpose -> Text,
        file_key -> Text,
        file_name -> Text,
        content_type -> Text,
        size_bytes -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    grant_report_reminders (application_id, kind) {
        application_id -> BigInt,
        kind -> Text,
        sent_at -> Timestamp,
    }
}

diesel::table! {
    stories (id) {
        id -> BigInt,
        slug -> Text,
        title -> Text,
        organisation -> Text,
        sponsor_id -> Nullable<BigInt>,
        category -> Text,
        summary -> Text,
        body -> Text,
        image_key -> Nullable<Text>,
        image_alt -> Text,
        status -> Text,
        publish_on -> Nullable<Date>,
        feedback -> Text,
        author_sponsor_id -> Nullable<BigInt>,
        author_user_id -> Nullable<BigInt>,
        author_name -> Text,
        author_email -> Text,
        submitted_at -> Nullable<Timestamp>,
        published_at -> Nullable<Timestamp>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    asset_requests (id) {
        id -> BigInt,
        tier_id -> BigInt,
        label -> Text,
        kind -> Text,
        help -> Text,
        due_on -> Date,
        created_at -> Timestamp,
    }
}

diesel::table! {
    asset_submissions (id) {
        id -> BigInt,
        request_id -> BigInt,
        sponsorship_id -> BigInt,
        value -> Text,
        file_key -> Nullable<Text>,
        file_type -> Nullable<Text>,
        submitted_by -> Text,
        submitted_at -> Timestamp,
    }
}

diesel::table! {
    asset_reminders (request_id, sponsorship_id, days_before) {
        request_id -> BigInt,
        sponsorship_id -> BigInt,
        days_before -> Integer,
        sent_at -> Timestamp,
    }
}

diesel::joinable!(user_roles -> users (user_id));
diesel::joinable!(sessions -> users (user_id));
diesel::joinable!(audit_log -> users (actor_user_id));
diesel::table! {
    conferences (id) {
        id -> BigInt,
        name -> Text,
        starts_on -> Date,
        ends_on -> Date,
        venue -> Text,
        city -> Text,
        attendance_cap -> Integer,
        currency -> Text,
        pessimistic -> Integer,
        likely -> Integer,
        optimistic -> Integer,
        insurance_cover_minor -> BigInt,
        programme_id -> Nullable<BigInt>,
        notes -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    conference_tickets (id) {
        id -> BigInt,
        conference_id -> BigInt,
        name -> Text,
        price_minor -> BigInt,
        share_permille -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    conference_lines (id) {
        id -> BigInt,
        conference_id -> BigInt,
        category -> Text,
        item -> Text,
        basis -> Text,
        currency -> Text,
        rate_micros -> BigInt,
        estimate_minor -> BigInt,
        committed_minor -> Nullable<BigInt>,
        actual_minor -> Nullable<BigInt>,
        liability_minor -> Nullable<BigInt>,
        liability_from -> Nullable<Date>,
        vendor -> Text,
        notes -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    conference_revenue (id) {
        id -> BigInt,
        conference_id -> BigInt,
        kind -> Text,
        item -> Text,
        currency -> Text,
        rate_micros -> BigInt,
        expected_minor -> BigInt,
        received_minor -> Nullable<BigInt>,
        notes -> Text,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    conference_baselines (id) {
        id -> BigInt,
        conference_id -> BigInt,
        version -> Integer,
        approved_at -> Timestamp,
        approved_by -> Text,
        note -> Text,
        snapshot -> Text,
    }
}

diesel::joinable!(tiers -> programmes (programme_id));
diesel::joinable!(tier_benefits -> tiers (tier_id));
diesel::joinable!(discount_rules -> programmes (programme_id));
diesel::joinable!(discount_rule_tiers -> discount_rules (rule_id));
diesel::joinable!(discount_rule_tiers -> tiers (tier_id));
diesel::joinable!(sponsor_contacts -> sponsors (sponsor_id));
diesel::joinable!(sponsorships -> sponsors (sponsor_id));
diesel::joinable!(sponsorships -> tiers (tier_id));
diesel::joinable!(sponsorship_events -> sponsorships (sponsorship_id));
diesel::joinable!(benefit_fulfilments -> sponsorships (sponsorship_id));
diesel::joinable!(jobs -> sponsors (sponsor_id));
diesel::joinable!(placement_slot_tiers -> placement_slots (slot_id));
diesel::joinable!(placement_slot_tiers -> tiers (tier_id));
diesel::joinable!(placement_stats -> placement_slots (slot_id));
diesel::joinable!(placement_stats -> sponsors (sponsor_id));
diesel::joinable!(agreements -> sponsorships (sponsorship_id));
diesel::joinable!(invoices -> sponsorships (sponsorship_id));
diesel::joinable!(payments -> invoices (invoice_id));
diesel::joinable!(checkout_sessions -> invoices (invoice_id));
diesel::joinable!(stripe_events -> invoices (invoice_id));
diesel::joinable!(renewal_reminders -> sponsorships (sponsorship_id));

diesel::joinable!(grant_budgets -> grant_programmes (programme_id));
diesel::joinable!(grant_applications -> grant_programmes (programme_id));
diesel::joinable!(grant_budget_lines -> grant_applications (application_id));
diesel::joinable!(grant_decisions -> grant_applications (application_id));
diesel::joinable!(grant_reports -> grant_applications (application_id));
diesel::joinable!(grant_events -> grant_applications (application_id));
diesel::joinable!(grant_messages -> grant_applications (application_id));
diesel::joinable!(grant_reviewers -> grant_applications (application_id));
diesel::joinable!(grant_reviewers -> users (user_id));
diesel::joinable!(grant_votes -> grant_applications (application_id));
diesel::joinable!(grant_votes -> users (user_id));
diesel::joinable!(grant_disbursements -> grant_applications (application_id));
diesel::joinable!(grant_files -> grant_applications (application_id));
diesel::joinable!(grant_report_reminders -> grant_applications (application_id));
diesel::joinable!(conferences -> programmes (programme_id));
diesel::joinable!(conference_tickets -> conferences (conference_id));
diesel::joinable!(conference_lines -> conferences (conference_id));
diesel::joinable!(conference_revenue -> conferences (conference_id));
diesel::joinable!(conference_baselines -> conferences (conference_id));
diesel::joinable!(asset_requests -> tiers (tier_id));
diesel::joinable!(asset_submissions -> asset_requests (request_id));
diesel::joinable!(asset_submissions -> sponsorships (sponsorship_id));
diesel::table! {
    prospects (id) {
        id -> BigInt,
        name -> Text,
        name_key -> Text,
        domain -> Text,
        org_size -> Nullable<Integer>,
        sponsor_id -> Nullable<BigInt>,
        stage -> Text,
        owner_id -> Nullable<BigInt>,
        follow_up_on -> Nullable<Date>,
        not_before -> Nullable<Date>,
        notes -> Text,
        asked_tier_id -> Nullable<BigInt>,
        sponsorship_id -> Nullable<BigInt>,
        lapsed_sponsorship_id -> Nullable<BigInt>,
        do_not_contact -> Bool,
        version -> Integer,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    prospect_contacts (id) {
        id -> BigInt,
        prospect_id -> BigInt,
        name -> Text,
        email -> Text,
        role -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    prospect_stage_changes (id) {
        id -> BigInt,
        prospect_id -> BigInt,
        from_stage -> Nullable<Text>,
        to_stage -> Text,
        at -> Timestamp,
    }
}

diesel::table! {
    usage_imports (id) {
        id -> BigInt,
        file_name -> Text,
        file_key -> Text,
        uploaded_by -> Text,
        status -> Text,
        bytes_total -> BigInt,
        bytes_read -> BigInt,
        rows_read -> BigInt,
        rows_bad -> BigInt,
        error -> Text,
        claimed_until -> Nullable<Timestamp>,
        created_at -> Timestamp,
        finished_at -> Nullable<Timestamp>,
        confirmed_by -> Nullable<Text>,
        confirmed_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    usage_import_orgs (id) {
        id -> BigInt,
        import_id -> BigInt,
        org_key -> Text,
        name -> Text,
        domain -> Text,
        found -> Text,
        candidates -> Text,
        sponsor_id -> Nullable<BigInt>,
        prospect_id -> Nullable<BigInt>,
        decision -> Nullable<Text>,
        row_count -> BigInt,
    }
}

diesel::table! {
    usage_import_rows (id) {
        id -> BigInt,
        import_id -> BigInt,
        org_id -> BigInt,
        line -> BigInt,
        metric -> Text,
        unit -> Text,
        period_key -> Text,
        first_day -> Date,
        last_day -> Date,
        value -> Double,
    }
}

diesel::table! {
    usage_import_errors (id) {
        id -> BigInt,
        import_id -> BigInt,
        line -> BigInt,
        message -> Text,
    }
}

diesel::table! {
    usage_figures (id) {
        id -> BigInt,
        sponsor_id -> Nullable<BigInt>,
        prospect_id -> Nullable<BigInt>,
        import_id -> Nullable<BigInt>,
        metric -> Text,
        unit -> Text,
        period_key -> Text,
        first_day -> Date,
        last_day -> Date,
        value -> Double,
    }
}

diesel::table! {
    usage_links (id) {
        id -> BigInt,
        prospect_id -> BigInt,
        token_hash -> Text,
        email -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        opened_at -> Nullable<Timestamp>,
        open_count -> Integer,
    }
}

diesel::table! {
    do_not_contact (email) {
        email -> Text,
        source -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    follow_up_digests (user_id, day) {
        user_id -> BigInt,
        day -> Date,
    }
}

diesel::table! {
    usage_metrics (metric) {
        metric -> Text,
        unit -> Text,
        figures -> BigInt,
        year_from -> Date,
        year_to -> Date,
    }
}

diesel::table! {
    usage_totals (prospect_id, metric) {
        prospect_id -> BigInt,
        metric -> Text,
        total -> Double,
    }
}

diesel::joinable!(prospect_contacts -> prospects (prospect_id));
diesel::joinable!(usage_import_rows -> usage_import_orgs (org_id));
diesel::joinable!(usage_links -> prospects (prospect_id));
diesel::allow_tables_to_appear_in_same_query!(
    app_settings,
    asset_requests,
    asset_submissions,
    asset_reminders,
    users,
    user_roles,
    sessions,
    outbox_attachments,
    auth_tokens,
    login_failures,
    outbox,
    audit_log,
    programmes,
    tiers,
    tier_benefits,
    discount_rules,
    discount_rule_tiers,
    sponsors,
    sponsor_contacts,
    sponsorships,
    sponsorship_events,
    benefit_fulfilments,
    jobs,
    placement_slots,
    placement_slot_tiers,
    placement_stats,
    portal_tokens,
    agreements,
    invoice_counters,
    invoices,
    payments,
    checkout_sessions,
    stripe_events,
    renewal_reminders,
    grant_programmes,
    grant_budgets,
    grant_quorum,
    exchange_rates,
    grant_applications,
    grant_budget_lines,
    grant_decisions,
    grant_reports,
    grant_events,
    grant_messages,
    grant_reviewers,
    grant_votes,
    grant_disbursements,
    grant_files,
    grant_report_reminders,
    conferences,
    conference_tickets,
    conference_lines,
    conference_revenue,
    conference_baselines,
    stories,
    prospects,
    prospect_contacts,
    prospect_stage_changes,
    usage_imports,
    usage_import_orgs,
    usage_import_rows,
    usage_import_errors,
    usage_figures,
    usage_links,
    do_not_contact,
    follow_up_digests,
    usage_metrics,
    usage_totals,
);
