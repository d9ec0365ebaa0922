use super::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

fn fixed(cat: &str, estimate: i64) -> CostLine {
    CostLine {
        category: cat.into(),
        item: format!("{cat} line"),
        basis: Basis::Fixed,
        estimate,
        committed: None,
        actual: None,
        liability: None,
        liability_from: None,
    }
}

fn per_head(cat: &str, estimate: i64) -> CostLine {
    CostLine {
        basis: Basis::PerAttendee,
        ..fixed(cat, estimate)
    }
}

fn ticket(price: i64, share_permille: i32) -> Ticket {
    Ticket {
        name: "t".into(),
        price,
        share_permille,
    }
}

fn inputs() -> Inputs {
    Inputs {
        currency: "USD".into(),
        attendance_cap: 1500,
        scenarios: [900, 1200, 1500],
        insurance_cover: 0,
        costs: vec![],
        tickets: vec![],
        revenue: vec![],
        sponsorship_committed: 0,
        sponsorship_paid: 0,
    }
}

/// A conference worked by hand: venue $200,000 fixed (contract signed for $210,000),
/// A/V $50,000 fixed (committed $50,000, $48,000 spent so far), catering $60 a head, badges $5 a head; tickets
/// $400 for 60%, $150 for 30%, 10% free; sponsorship $150,000, a $20,000 donation.
fn worked() -> Inputs {
    let mut venue = fixed("Venue", 20_000_000);
    venue.committed = Some(21_000_000);
    let mut av = fixed("A/V", 5_000_000);
    av.committed = Some(5_000_000);
    av.actual = Some(4_800_000);
    Inputs {
        costs: vec![
            venue,
            av,
            per_head("Catering", 6_000),
            per_head("Swag", 500),
        ],
        tickets: vec![ticket(40_000, 600), ticket(15_000, 300)],
        revenue: vec![Revenue {
            kind: RevenueKind::Donation,
            item: "Friends of the conference".into(),
            expected: 2_000_000,
            received: Some(500_000),
        }],
        sponsorship_committed: 15_000_000,
        sponsorship_paid: 10_000_000,
        ..inputs()
    }
}

#[test]
fn scenarios_match_the_hand_computed_figures() {
    let a = analyse(&worked(), d(2027, 1, 1)).unwrap();
    // F = 210,000 + 50,000 = 260,000 (the A/V contract stands though $48,000 is spent);
    // v = 65; P/1000 = 400·0.6 + 150·0.3 = 285; R = 150,000 + 20,000 = 170,000.
    assert_eq!(a.fixed_costs, 26_000_000);
    assert_eq!(a.cost_per_head, 6_500);
    assert_eq!(a.ticket_income_per_head, 28_500);
    assert_eq!(a.other_revenue, 17_000_000);
    assert_eq!(a.ticket_share_permille, 900);
    // 900 attendees: tickets 256,500; costs 260,000 + 58,500 = 318,500;
    // net 256,500 + 170,000 − 318,500 = 108,000.
    let p = &a.scenarios[0];
    assert_eq!(
        (p.attendance, p.tickets, p.revenue, p.costs, p.net),
        (900, 25_650_000, 42_650_000, 31_850_000, 10_800_000)
    );
    assert_eq!(p.cost_per_attendee, Some(35_388));
    // 1,200: tickets 342,000; costs 338,000; net 174,000.
    let l = a.likely();
    assert_eq!(
        (l.tickets, l.costs, l.net),
        (34_200_000, 33_800_000, 17_400_000)
    );
    // 1,500: tickets 427,500; costs 357,500; net 240,000.
    let o = &a.scenarios[2];
    assert_eq!(
        (o.tickets, o.costs, o.net),
        (42_750_000, 35_750_000, 24_000_000)
    );
    // Break-even: ⌈(260,000 − 170,000) / (285 − 65)⌉ = ⌈409.09⌉ = 410.
    assert_eq!(a.break_even, BreakEven::At(410));
    assert_eq!(net_at(&worked(), 410).unwrap(), 20_000);
    assert_eq!(net_at(&worked(), 409).unwrap(), -2_000);
    // Totals at the likely attendance: estimate 200,000 + 50,000 + 72,000 + 6,000.
    assert_eq!(a.total.estimate, 32_800_000);
    assert_eq!(a.total.committed, 26_000_000);
    assert_eq!(a.total.actual, 4_800_000);
    assert_eq!(a.total.forecast, 33_800_000);
    assert_eq!(a.categories.len(), 4);
    assert_eq!(a.categories[0].category, "Venue");
    assert_eq!(a.categories[0].forecast, 21_000_000);
    assert_eq!(a.revenue_received, 500_000);
}

#[test]
fn break_even_rounds_up_to_a_whole_attendee() {
    let mut i = inputs();
    i.costs = vec![fixed("Venue", 100_001)];
    i.tickets = vec![ticket(1_000, 1000)];
    // 100,001 / 1,000 = 100.001 attendees: 101 are needed.
    assert_eq!(break_even(&i), BreakEven::At(101));
    assert!(net_at(&i, 100).unwrap() < 0);
    assert!(net_at(&i, 101).unwrap() >= 0);
}

#[test]
fn break_even_edge_cases() {
    // Ticket price equal to the cost per attendee: never, however many come.
    let mut i = inputs();
    i.costs = vec![fixed("Venue", 1_000_000), per_head("Catering", 5_000)];
    i.tickets = vec![ticket(5_000, 1000)];
    assert_eq!(break_even(&i), BreakEven::Never);
    // Below the cost: never.
    i.tickets = vec![ticket(4_999, 1000)];
    assert_eq!(break_even(&i), BreakEven::Never);
    // No tickets at all and uncovered costs: never.
    i.tickets.clear();
    assert_eq!(break_even(&i), BreakEven::Never);
    // Sponsorship covers everything fixed and there is no per-head cost: covered at 0.
    let mut i = inputs();
    i.costs = vec![fixed("Venue", 1_000_000)];
    i.sponsorship_committed = 1_000_000;
    assert_eq!(break_even(&i), BreakEven::Covered);
    // Zero fixed costs, a positive margin: covered from the first attendee (0).
    let mut i = inputs();
    i.costs = vec![per_head("Catering", 1_000)];
    i.tickets = vec![ticket(2_000, 1000)];
    assert_eq!(break_even(&i), BreakEven::Covered);
    // Zero fixed costs but each attendee loses money: only with nobody there.
    i.tickets = vec![ticket(500, 1000)];
    assert_eq!(break_even(&i), BreakEven::UpTo(0));
    assert!(net_at(&i, 1).unwrap() < 0);
    // Sponsorship leaves $1,000 spare and each attendee loses $5: up to 200 attendees.
    i.sponsorship_committed = 100_000;
    assert_eq!(break_even(&i), BreakEven::UpTo(200));
    assert_eq!(net_at(&i, 200).unwrap(), 0);
    assert!(net_at(&i, 201).unwrap() < 0);
    // Nothing at all: covered (0 = 0).
    assert_eq!(break_even(&inputs()), BreakEven::Covered);
    // Needs more people than the cap allows.
    let mut i = inputs();
    i.costs = vec![fixed("Venue", 10_000_000)];
    i.tickets = vec![ticket(1_000, 1000)];
    assert_eq!(break_even(&i), BreakEven::BeyondCap(10_000));
    // Exactly at the cap is still within it.
    i.costs = vec![fixed("Venue", 1_500_000)];
    assert_eq!(break_even(&i), BreakEven::At(1500));
    // Half the attendees come free: each paying ticket has to carry two people.
    let mut i = inputs();
    i.costs = vec![fixed("Venue", 1_000_000)];
    i.tickets = vec![ticket(10_000, 500)];
    assert_eq!(break_even(&i), BreakEven::At(200));
}

#[test]
fn a_per_attendee_contract_minimum_is_owed_however_few_come() {
    // Venue $10,000; catering $50 a head with $15,000 signed (the minimum up to 300).
    let mut catering = per_head("Catering", 5_000);
    catering.committed = Some(1_500_000);
    let mut i = inputs();
    i.costs = vec![fixed("Venue", 1_000_000), catering];
    i.tickets = vec![ticket(10_000, 1000)];
    // At 100 attendees catering still costs $15,000, not $5,000.
    assert_eq!(net_at(&i, 100).unwrap(), 1_000_000 - 2_500_000);
    // $100 tickets: 100·N ≥ 25,000 below 300 attendees, so 250 break even (not 200).
    assert_eq!(break_even(&i), BreakEven::At(250));
    assert!(net_at(&i, 249).unwrap() < 0);
    assert_eq!(net_at(&i, 250).unwrap(), 0);
    // $60 tickets: not below 300 (that needs 417); above it 10·N ≥ 10,000: 1,000.
    i.tickets = vec![ticket(6_000, 1000)];
    assert_eq!(break_even(&i), BreakEven::At(1000));
    assert_eq!(net_at(&i, 1000).unwrap(), 0);
    assert!(net_at(&i, 999).unwrap() < 0);
    // The pessimistic scenario counts the minimum.
    i.scenarios = [100, 1200, 1500];
    let a = analyse(&i, d(2027, 1, 1)).unwrap();
    assert_eq!(a.scenarios[0].costs, 2_500_000);
    assert_eq!(a.categories[1].forecast, 6_000_000);
    // Spent more than the estimate on a per-attendee line: the spending is the minimum.
    let mut swag = per_head("Swag", 100);
    swag.actual = Some(500_000);
    i.costs.push(swag);
    assert_eq!(net_at(&i, 0).unwrap(), -(1_000_000 + 1_500_000 + 500_000));
    // Sponsorship of $30,000 and $40 tickets: covered below 300; above it the event
    // loses $10 an attendee from $20,000 spare: up to 2,000 attendees.
    let mut catering = per_head("Catering", 5_000);
    catering.committed = Some(1_500_000);
    let mut i = inputs();
    i.costs = vec![fixed("Venue", 1_000_000), catering];
    i.tickets = vec![ticket(4_000, 1000)];
    i.sponsorship_committed = 3_000_000;
    i.attendance_cap = 3000;
    assert_eq!(break_even(&i), BreakEven::UpTo(2000));
    assert_eq!(net_at(&i, 2000).unwrap(), 0);
    assert!(net_at(&i, 2001).unwrap() < 0);
    // The same with a cap of 2,000: covered at any attendance the venue allows.
    i.attendance_cap = 2000;
    assert_eq!(break_even(&i), BreakEven::Covered);
    // A per-attendee line of $0 with a minimum is a fixed cost at any attendance.
    let mut flat = per_head("Staff", 0);
    flat.committed = Some(100_000);
    let mut i = inputs();
    i.costs = vec![flat];
    i.tickets = vec![ticket(1_000, 1000)];
    assert_eq!(break_even(&i), BreakEven::At(100));
}

/// A small deterministic generator, so the cross-check covers many budgets.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, n: u64) -> i64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) % n) as i64
    }
}

#[test]
fn break_even_agrees_with_trying_every_attendance() {
    let mut rng = Lcg(7);
    for case in 0..400 {
        let mut i = inputs();
        i.attendance_cap = 1 + rng.next(400);
        i.scenarios = [0, 0, i.attendance_cap];
        for _ in 0..rng.next(4) {
            i.costs.push(fixed("Venue", rng.next(50_000)));
        }
        for _ in 0..rng.next(4) {
            let mut l = per_head("Catering", rng.next(300));
            if rng.next(2) == 0 {
                l.committed = Some(rng.next(60_000));
            }
            if rng.next(3) == 0 {
                l.actual = Some(rng.next(30_000));
            }
            i.costs.push(l);
        }
        for _ in 0..rng.next(3) {
            i.tickets.push(ticket(rng.next(500), rng.next(400) as i32));
        }
        i.sponsorship_committed = rng.next(3) * rng.next(40_000);
        let limit = 5_000;
        let ok: Vec<i64> = (0..=limit)
            .filter(|n| net_at(&i, *n).unwrap() >= 0)
            .collect();
        let expected = match (ok.first(), ok.last()) {
            // Nothing within reach: never, or only past the brute force's limit.
            (None, _) if matches!(break_even(&i), BreakEven::BeyondCap(n) if n > limit) => {
                assert!(net_at(&i, limit * 100).unwrap() >= 0, "case {case}");
                continue;
            }
            (None, _) => BreakEven::Never,
            // Every attendance that breaks even is one run (the net result is concave).
            (Some(0), Some(&l)) if l < i.attendance_cap => BreakEven::UpTo(l),
            (Some(0), _) => BreakEven::Covered,
            (Some(&f), _) if f <= i.attendance_cap => BreakEven::At(f),
            (Some(&f), _) if f < limit => BreakEven::BeyondCap(f),
            // Beyond the brute force's reach: compare only that it is past the cap.
            (Some(_), _) => {
                assert!(matches!(break_even(&i), BreakEven::BeyondCap(n) if n >= limit));
                continue;
            }
        };
        if let (Some(&f), Some(&l)) = (ok.first(), ok.last()) {
            assert_eq!(ok.len() as i64, l - f + 1, "case {case}: one run");
        }
        assert_eq!(break_even(&i), expected, "case {case}: {i:?}");
    }
}

#[test]
fn no_attendance_gives_no_cost_per_attendee() {
    let mut i = worked();
    i.scenarios = [0, 0, 0];
    let a = analyse(&i, d(2027, 1, 1)).unwrap();
    for s in &a.scenarios {
        assert_eq!(s.cost_per_attendee, None);
        assert_eq!(s.tickets, 0);
        assert_eq!(s.net, 17_000_000 - 26_000_000);
    }
    assert_eq!(a.total.estimate, 25_000_000);
}

#[test]
fn liabilities_apply_from_their_date() {
    let mut venue = fixed("Venue", 20_000_000);
    venue.liability = Some(5_000_000);
    venue.liability_from = Some(d(2027, 3, 1));
    let mut catering = per_head("Catering", 6_000);
    catering.liability = Some(2_000_000);
    catering.liability_from = Some(d(2027, 5, 1));
    let mut deposit = fixed("A/V", 1_000_000);
    deposit.liability = Some(300_000);
    let mut none = fixed("Swag", 100);
    none.liability_from = Some(d(2027, 1, 1));
    let i = Inputs {
        costs: vec![venue, catering, deposit, none],
        insurance_cover: 1_000_000,
        ..inputs()
    };
    // The day before: only the line without a date.
    let before = exposure_on(&i, d(2027, 2, 28)).unwrap();
    assert_eq!(before.in_force, 300_000);
    assert_eq!(before.insured, 300_000);
    assert_eq!(before.exposure, 0);
    // On the day itself the venue's liability is in force.
    let on = exposure_on(&i, d(2027, 3, 1)).unwrap();
    assert_eq!(on.in_force, 5_300_000);
    assert_eq!(on.exposure, 4_300_000);
    let after = exposure_on(&i, d(2027, 6, 1)).unwrap();
    assert_eq!(after.in_force, 7_300_000);
    assert_eq!(after.exposure, 6_300_000);
    // The analysis lists the days it changes after today, in order.
    let a = analyse(&i, d(2027, 2, 1)).unwrap();
    assert_eq!(a.exposure.exposure, 0);
    let days: Vec<_> = a.upcoming.iter().map(|s| s.from).collect();
    assert_eq!(days, vec![d(2027, 3, 1), d(2027, 5, 1)]);
    assert_eq!(a.upcoming[1].exposure.exposure, 6_300_000);
    let a = analyse(&i, d(2027, 5, 1)).unwrap();
    assert!(a.upcoming.is_empty());
}

#[test]
fn huge_figures_are_an_error_not_a_wrapped_number() {
    let mut i = inputs();
    i.attendance_cap = MAX_ATTENDANCE;
    i.scenarios = [MAX_ATTENDANCE; 3];
    i.costs = (0..MAX_LINES)
        .map(|_| per_head("Catering", MAX_MINOR))
        .collect();
    assert_eq!(analyse(&i, d(2027, 1, 1)), Err(TooLarge));
    assert_eq!(net_at(&i, MAX_ATTENDANCE), Err(TooLarge));
    // The largest single line at the largest attendance still computes.
    i.costs = vec![per_head("Catering", MAX_MINOR / MAX_ATTENDANCE)];
    let a = analyse(&i, d(2027, 1, 1)).unwrap();
    assert_eq!(a.likely().costs, MAX_MINOR);
    // Liabilities that overflow when summed.
    let mut l = fixed("Venue", 0);
    l.liability = Some(i64::MAX);
    let i = Inputs {
        costs: vec![l.clone(), l],
        ..inputs()
    };
    assert_eq!(exposure_on(&i, d(2027, 1, 1)), Err(TooLarge));
}

#[test]
fn variance_against_the_baseline() {
    let today = d(2027, 1, 1);
    let baseline = analyse(&worked(), today).unwrap();
    let mut live = worked();
    live.costs[0].actual = Some(22_000_000);
    live.costs.push(fixed("Childcare", 300_000));
    live.sponsorship_committed += 1_000_000;
    let live = analyse(&live, today).unwrap();
    let v = variances(&baseline, &live);
    let venue = v.iter().find(|r| r.label == "Venue").unwrap();
    assert_eq!(
        (venue.baseline, venue.live, venue.change),
        (21_000_000, 22_000_000, 1_000_000)
    );
    assert!(venue.worse);
    let child = v.iter().find(|r| r.label == "Childcare").unwrap();
    assert_eq!((child.baseline, child.change), (0, 300_000));
    let revenue = v.iter().find(|r| r.label == "Revenue (likely)").unwrap();
    assert_eq!(revenue.change, 1_000_000);
    assert!(!revenue.worse);
    let net = v.iter().find(|r| r.label == "Net result, likely").unwrap();
    assert_eq!(net.change, 1_000_000 - 1_000_000 - 300_000);
    assert!(net.worse);
    // The same budget has no variance.
    assert!(
        variances(&baseline, &baseline)
            .iter()
            .all(|r| r.change == 0)
    );
}

#[test]
fn a_snapshot_reads_back_as_it_was_written() {
    let json = serde_json::to_string(&worked()).unwrap();
    let back: Inputs = serde_json::from_str(&json).unwrap();
    assert_eq!(back, worked());
}

#[test]
fn shares_and_attendance_as_typed() {
    assert_eq!(parse_share("40"), Ok(400));
    assert_eq!(parse_share("12.5"), Ok(125));
    assert_eq!(parse_share(" 12.5 % "), Ok(125));
    assert_eq!(parse_share("100"), Ok(1000));
    assert_eq!(parse_share("0"), Ok(0));
    // "5." is 5%, as a person who typed the point meant.
    assert_eq!(parse_share("5."), Ok(50));
    for bad in ["", "-5", "100.1", "12.55", "abc", "1e2", "1000", ".5"] {
        assert!(parse_share(bad).is_err(), "{bad:?} should be refused");
    }
    assert_eq!(share_label(125), "12.5%");
    assert_eq!(share_label(400), "40%");
    assert_eq!(parse_attendance("1,500", 2000), Ok(1500));
    assert!(parse_attendance("-1", 2000).is_err());
    assert!(parse_attendance("2001", 2000).is_err());
    assert!(parse_attendance("1.5", 2000).is_err());
    assert!(parse_attendance("99999999999999999999", 2000).is_err());
}

#[test]
fn conversions_round_half_up_and_refuse_overflow() {
    let usd = Currency::parse("USD").unwrap();
    let eur = Currency::parse("EUR").unwrap();
    let jpy = Currency::parse("JPY").unwrap();
    // €100.00 at 1.08 is $108.00.
    assert_eq!(convert(10_000, eur, 1_080_000, usd), Some(10_800));
    // The conference's own currency is unchanged.
    assert_eq!(convert(12_345, usd, 1_000_000, usd), Some(12_345));
    // ¥1,000 at 0.0067 is $6.70.
    assert_eq!(convert(1_000, jpy, 6_700, usd), Some(670));
    assert_eq!(convert(MAX_MINOR, eur, 2_000_000, usd), None);
    // Through the foundation currency: €100 (1.08) in GBP (1.27) is £85.04.
    let gbp = Currency::parse("GBP").unwrap();
    assert_eq!(
        cross_convert(
            super::super::Money::new(10_000, eur),
            1_080_000,
            gbp,
            1_270_000
        ),
        Some(8_504)
    );
    // Foundation currency to another: $127 is £100.
    assert_eq!(
        cross_convert(
            super::super::Money::new(12_700, usd),
            1_000_000,
            gbp,
            1_270_000
        ),
        Some(10_000)
    );
    assert_eq!(
        cross_convert(super::super::Money::new(MAX_MINOR, usd), 1_000_000, jpy, 1),
        None
    );
}

#[test]
fn cross_rates_go_through_the_foundation_currency() {
    // EUR 1.08 and GBP 1.27 in dollars: 1 EUR = 0.850394 GBP.
    assert_eq!(cross_rate(1_080_000, 1_270_000), Some(850_394));
    assert_eq!(cross_rate(1_080_000, 1_000_000), Some(1_080_000));
    assert_eq!(cross_rate(1, 0), None);
    assert_eq!(cross_rate(1, 1_000_000_000_000), None);
}

#[test]
fn categories_have_labels_and_custom_names_stay() {
    assert_eq!(category_label("av"), "A/V");
    assert_eq!(category_label("room_block"), "Room block");
    assert_eq!(category_label("Childcare"), "Childcare");
    assert_eq!("per_attendee".parse::<Basis>(), Ok(Basis::PerAttendee));
    assert!("weekly".parse::<Basis>().is_err());
    assert!("grant".parse::<RevenueKind>().is_err());
}
