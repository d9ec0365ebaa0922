//! Verifying Stripe's webhook signatures ourselves: `Stripe-Signature: t=…,v1=…,v1=…`, an
//! HMAC-SHA256 over `"{t}.{raw body}"`. Several `v1` values and several configured secrets
//! are accepted, so a secret can be rotated without losing events (async-stripe's own helper
//! reads only one signature).

use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::config::Secret;

/// How far a signature's timestamp may be from our clock, either way (Stripe's default).
pub const TOLERANCE_SECS: i64 = 300;

/// Why a webhook was refused. The messages are short and safe to send back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignatureError {
    MissingHeader,
    MalformedHeader,
    NoSignature,
    TooOld,
    InTheFuture,
    Mismatch,
}

impl SignatureError {
    pub fn message(self) -> &'static str {
        match self {
            SignatureError::MissingHeader => "missing Stripe-Signature header",
            SignatureError::MalformedHeader => "malformed Stripe-Signature header",
            SignatureError::NoSignature => "no v1 signature in Stripe-Signature header",
            SignatureError::TooOld => "signature timestamp too old",
            SignatureError::InTheFuture => "signature timestamp in the future",
            SignatureError::Mismatch => "signature does not match",
        }
    }
}

/// The parts of a `Stripe-Signature` header we use.
#[derive(Debug, PartialEq, Eq)]
pub struct SignatureHeader {
    pub timestamp: i64,
    /// Every `v1` signature, decoded from hex (others, such as `v0`, are ignored).
    pub v1: Vec<Vec<u8>>,
}

/// Parses `t=…,v1=…[,v1=…][,v0=…]`.
pub fn parse_header(header: &str) -> Result<SignatureHeader, SignatureError> {
    let mut timestamp = None;
    let mut v1 = Vec::new();
    for part in header.split(',') {
        let Some((k, v)) = part.trim().split_once('=') else {
            return Err(SignatureError::MalformedHeader);
        };
        match k {
            "t" => {
                if timestamp.is_some() {
                    return Err(SignatureError::MalformedHeader);
                }
                timestamp = Some(
                    v.parse::<i64>()
                        .map_err(|_| SignatureError::MalformedHeader)?,
                );
            }
            // A v1 value that is not hex cannot match; skip it rather than refuse the others.
            "v1" => {
                if let Ok(sig) = hex::decode(v) {
                    v1.push(sig);
                }
            }
            _ => {}
        }
    }
    let timestamp = timestamp.ok_or(SignatureError::MalformedHeader)?;
    if v1.is_empty() {
        return Err(SignatureError::NoSignature);
    }
    Ok(SignatureHeader { timestamp, v1 })
}

/// The signature Stripe computes for this timestamp and body with `secret`.
pub fn sign(secret: &str, timestamp: i64, body: &[u8]) -> Vec<u8> {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.finalize().into_bytes().to_vec()
}

/// Checks a webhook: the header is present and well-formed, its timestamp is within
/// `TOLERANCE_SECS` of `now` (Unix seconds), and some `v1` signature matches some secret.
pub fn verify(
    header: Option<&str>,
    body: &[u8],
    secrets: &[Secret],
    now: i64,
) -> Result<(), SignatureError> {
    let header = header
        .filter(|h| !h.trim().is_empty())
        .ok_or(SignatureError::MissingHeader)?;
    let parsed = parse_header(header)?;
    let age = now.saturating_sub(parsed.timestamp);
    if age > TOLERANCE_SECS {
        return Err(SignatureError::TooOld);
    }
    if age < -TOLERANCE_SECS {
        return Err(SignatureError::InTheFuture);
    }
    let mut matched = subtle::Choice::from(0u8);
    for secret in secrets.iter().filter(|s| !s.is_empty()) {
        let expected = sign(secret.expose(), parsed.timestamp, body);
        for candidate in &parsed.v1 {
            // Every pair is compared in full, so timing says nothing about which matched.
            matched |= expected.as_slice().ct_eq(candidate.as_slice());
        }
    }
    if bool::from(matched) {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

/// A `Stripe-Signature` header for `body` signed with each secret at `timestamp` (tests, and
/// anyone replaying a stored payload against a local server).
pub fn header_for(secrets: &[&str], timestamp: i64, body: &[u8]) -> String {
    let mut h = format!("t={timestamp}");
    for s in secrets {
        h.push_str(",v1=");
        h.push_str(&hex::encode(sign(s, timestamp, body)));
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000;
    const BODY: &[u8] = br#"{"id":"evt_1","type":"payment_intent.succeeded"}"#;

    fn secrets(list: &[&str]) -> Vec<Secret> {
        list.iter().map(|s| Secret::new(*s)).collect()
    }

    #[test]
    fn known_answer_matches_stripe_scheme() {
        // HMAC-SHA256("whsec_test", "1800000000.{body}"), computed independently with openssl.
        let sig = hex::encode(sign("whsec_test", NOW, b"{}"));
        assert_eq!(
            sig,
            "482e6337ac5272392d375c6fdc4d52a7e615dc2facedab0ffe155ddfd6a56e66"
        );
        let h = header_for(&["whsec_test"], NOW, b"{}");
        assert_eq!(h, format!("t={NOW},v1={sig}"));
    }

    #[test]
    fn parses_several_signatures_and_ignores_other_schemes() {
        let h = parse_header("t=12, v1=00ff,v0=abcd,v1=0a0b").unwrap();
        assert_eq!(h.timestamp, 12);
        assert_eq!(h.v1, vec![vec![0x00, 0xff], vec![0x0a, 0x0b]]);
    }

    #[test]
    fn refuses_malformed_headers() {
        assert_eq!(parse_header("v1=00"), Err(SignatureError::MalformedHeader));
        assert_eq!(
            parse_header("t=abc,v1=00"),
            Err(SignatureError::MalformedHeader)
        );
        assert_eq!(
            parse_header("t=1,t=2,v1=00"),
            Err(SignatureError::MalformedHeader)
        );
        assert_eq!(
            parse_header("garbage"),
            Err(SignatureError::MalformedHeader)
        );
        assert_eq!(parse_header("t=1,v0=00"), Err(SignatureError::NoSignature));
        assert_eq!(parse_header("t=1,v1=zz"), Err(SignatureError::NoSignature));
    }

    #[test]
    fn accepts_a_valid_signature() {
        let h = header_for(&["whsec_a"], NOW, BODY);
        assert_eq!(verify(Some(&h), BODY, &secrets(&["whsec_a"]), NOW), Ok(()));
    }

    #[test]
    fn accepts_any_signature_with_any_secret_during_rotation() {
        // Stripe signs with the old and the new secret; we know only the new one yet.
        let h = header_for(&["whsec_old", "whsec_new"], NOW, BODY);
        assert_eq!(
            verify(Some(&h), BODY, &secrets(&["whsec_new"]), NOW),
            Ok(())
        );
        // We know both; Stripe already signs with the second only.
        let h = header_for(&["whsec_new"], NOW, BODY);
        assert_eq!(
            verify(Some(&h), BODY, &secrets(&["whsec_old", "whsec_new"]), NOW),
            Ok(())
        );
    }

    #[test]
    fn refuses_wrong_secret_tampered_body_and_missing_header() {
        let h = header_for(&["whsec_other"], NOW, BODY);
        assert_eq!(
            verify(Some(&h), BODY, &secrets(&["whsec_a"]), NOW),
            Err(SignatureError::Mismatch)
        );
        let h = header_for(&["whsec_a"], NOW, BODY);
        let tampered = br#"{"id":"evt_1","type":"payment_intent.succeeded" }"#;
        assert_eq!(
            verify(Some(&h), tampered, &secrets(&["whsec_a"]), NOW),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(None, BODY, &secrets(&["whsec_a"]), NOW),
            Err(SignatureError::MissingHeader)
        );
        assert_eq!(
            verify(Some(" "), BODY, &secrets(&["whsec_a"]), NOW),
            Err(SignatureError::MissingHeader)
        );
        // No secrets configured: nothing can match.
        assert_eq!(
            verify(Some(&h), BODY, &[], NOW),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn timestamp_must_be_within_five_minutes_either_way() {
        let s = secrets(&["whsec_a"]);
        for (t, want) in [
            (NOW - 300, Ok(())),
            (NOW + 300, Ok(())),
            (NOW - 301, Err(SignatureError::TooOld)),
            (NOW + 301, Err(SignatureError::InTheFuture)),
        ] {
            let h = header_for(&["whsec_a"], t, BODY);
            assert_eq!(verify(Some(&h), BODY, &s, NOW), want, "t = {t}");
        }
    }

    #[test]
    fn a_signature_for_another_timestamp_does_not_match() {
        let h = header_for(&["whsec_a"], NOW, BODY);
        let forged = h.replacen(&format!("t={NOW}"), &format!("t={}", NOW + 10), 1);
        assert_eq!(
            verify(Some(&forged), BODY, &secrets(&["whsec_a"]), NOW),
            Err(SignatureError::Mismatch)
        );
    }
}
