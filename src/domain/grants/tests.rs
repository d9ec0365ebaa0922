use super::*;

fn usd() -> Currency {
    Currency::parse("USD").unwrap()
}

#[test]
fn every_status_move_is_in_the_table_or_refused() {
    for from in Status::ALL {
        for to in Status::ALL {
            let allowed = TRANSITIONS.contains(&(from, to));
            assert_eq!(transition(from, to).is_ok(), allowed, "{from:?} -> {to:?}");
        }
    }
    assert!(transition(Submitted, Approved).is_err());
    assert!(transition(Declined, Approved).is_err());
    assert!(transition(Paid, Withdrawn).is_err());
    assert!(transition(Closed, ReportDue).is_err());
    assert_eq!(
        transition(Declined, Paid).unwrap_err().to_string(),
        "A grant application that is declined cannot become paid."
    );
    for s in Status::ALL {
        assert_eq!(s.as_str().parse::<Status>().unwrap(), s);
    }
}

#[test]
fn quorum_grows_with_the_amount() {
    let t = [(0, 1), (100_000, 2), (500_000, 3)];
    assert_eq!(approvals_needed(&t, 1), 1);
    assert_eq!(approvals_needed(&t, 99_999), 1);
    assert_eq!(approvals_needed(&t, 100_000), 2);
    assert_eq!(approvals_needed(&t, 499_999), 2);
    assert_eq!(approvals_needed(&t, 500_000), 3);
    assert_eq!(approvals_needed(&t, i64::MAX), 3);
    assert_eq!(approvals_needed(&[], 500_000), 1);
    assert_eq!(approvals_needed(&[(1000, 0)], 5000), 1);
}

#[test]
fn rates_parse_and_convert() {
    assert_eq!(parse_rate("0.92").unwrap(), 920_000);
    assert_eq!(parse_rate("1").unwrap(), 1_000_000);
    assert_eq!(parse_rate(" 156.3 ").unwrap(), 156_300_000);
    for bad in [
        "",
        "-1",
        "0",
        "0.0",
        "abc",
        "1,5",
        "1e3",
        "0.0000001",
        "99999999",
    ] {
        assert!(parse_rate(bad).is_err(), "{bad}");
    }
    assert_eq!(rate_label(920_000), "0.92");
    assert_eq!(rate_label(1_000_000), "1");
    let eur = Currency::parse("EUR").unwrap();
    let jpy = Currency::parse("JPY").unwrap();
    // 1,000.00 EUR at 1.08 → 1,080.00 USD
    assert_eq!(
        convert(Money::new(100_000, eur), 1_080_000, usd())
            .unwrap()
            .minor,
        108_000
    );
    // ¥10,000 at 0.0067 → $67.00
    assert_eq!(
        convert(Money::new(10_000, jpy), 6_700, usd())
            .unwrap()
            .minor,
        6_700
    );
    // Same currency: unchanged whatever the rate.
    assert_eq!(
        convert(Money::new(5, usd()), 2_000_000, usd())
            .unwrap()
            .minor,
        5
    );
    // Too large is None, never a wrap.
    assert!(convert(Money::new(MAX_MINOR, eur), 1_000_000 * RATE_SCALE, usd()).is_none());
}

fn rules() -> Rules {
    Rules {
        kind: Kind::Event,
        requires_coc: true,
        min_lead_days: 42,
        max_amount: Some(Money::new(1_000_000, usd())),
        per_attendee: Some(Money::new(1_000, usd())),
    }
}

fn input(today: NaiveDate) -> RuleInput {
    RuleInput {
        starts_on: Some(today + chrono::Duration::days(60)),
        ends_on: Some(today + chrono::Duration::days(61)),
        attendance: Some(200),
        coc_url: Some("https://example.org/coc".into()),
        requested: Some(Money::new(300_000, usd())),
        requested_base: Some(Money::new(300_000, usd())),
        total_budget: Some(Money::new(2_000_000, usd())),
    }
}

#[test]
fn rules_give_human_messages() {
    let today = NaiveDate::from_ymd_opt(2027, 1, 10).unwrap();
    assert!(check_rules(&rules(), &input(today), today).is_empty());

    let mut a = input(today);
    a.coc_url = Some(String::new());
    let e = check_rules(&rules(), &a, today);
    assert_eq!(e[0].0, "coc_url");
    assert!(e[0].1.contains(COC_POLICY));

    let mut a = input(today);
    a.starts_on = Some(today + chrono::Duration::days(10));
    let e = check_rules(&rules(), &a, today);
    assert_eq!(e[0].0, "starts_on");
    assert!(e[0].1.contains("21 February 2027"), "{}", e[0].1);

    let mut a = input(today);
    a.starts_on = Some(today - chrono::Duration::days(1));
    assert!(check_rules(&rules(), &a, today)[0].1.contains("passed"));

    let mut a = input(today);
    a.starts_on = NaiveDate::from_ymd_opt(2200, 1, 1);
    a.ends_on = a.starts_on;
    assert!(
        check_rules(&rules(), &a, today)[0]
            .1
            .contains("three years")
    );

    let mut a = input(today);
    a.ends_on = Some(today + chrono::Duration::days(59));
    assert_eq!(check_rules(&rules(), &a, today)[0].0, "ends_on");

    let mut a = input(today);
    a.attendance = Some(0);
    assert_eq!(check_rules(&rules(), &a, today)[0].0, "attendance");
    let dev = Rules {
        kind: Kind::Development,
        ..rules()
    };
    assert!(check_rules(&dev, &a, today).is_empty());

    let mut a = input(today);
    a.requested_base = Some(Money::new(1_000_001, usd()));
    let e = check_rules(&rules(), &a, today);
    assert_eq!(e[0].0, "requested");
    assert!(e[0].1.contains("at most $10,000.00"), "{}", e[0].1);

    let mut a = input(today);
    a.total_budget = Some(Money::new(100_000, usd()));
    assert!(
        check_rules(&rules(), &a, today)[0]
            .1
            .contains("total budget")
    );
}

#[test]
fn every_rule_whose_figures_parsed_is_checked_at_once() {
    let today = NaiveDate::from_ymd_opt(2027, 1, 10).unwrap();
    // Name, dates' end and attendance missing (their own messages are on the form): the
    // lead time, the code of conduct and the maximum are still checked.
    let a = RuleInput {
        starts_on: Some(today + chrono::Duration::days(5)),
        ends_on: None,
        attendance: None,
        coc_url: Some(String::new()),
        requested: Some(Money::new(5_000_000, usd())),
        requested_base: Some(Money::new(5_000_000, usd())),
        total_budget: None,
    };
    let fields: Vec<&str> = check_rules(&rules(), &a, today)
        .into_iter()
        .map(|(f, _)| f)
        .collect();
    assert_eq!(fields, ["starts_on", "coc_url", "requested"]);
    // Nothing parsed: nothing to say beyond the fields' own messages.
    assert!(check_rules(&rules(), &RuleInput::default(), today).is_empty());
}

#[test]
fn groups_match_despite_legal_forms() {
    assert_eq!(group_key("PyCon Ghana Inc."), group_key("pycon  ghana"));
    assert_ne!(group_key("PyCon Ghana"), group_key("PyCon Kenya"));
}
