//! Card payments through Stripe: Checkout Sessions created on the server for what an invoice
//! still owes (`checkout`), webhook signatures verified by us (`webhook`), and webhook events
//! applied once each, in the same transaction as their effect (`events`). `store` holds the
//! queries on the two tables this owns.

pub mod checkout;
pub mod events;
pub mod store;
pub mod webhook;

use crate::config::Settings;

/// A Stripe API client for these settings (the API address is configurable so that tests can
/// point it at a mock server).
pub fn client(settings: &Settings) -> Result<stripe::Client, stripe::StripeError> {
    // async-stripe appends `v1/…` to the base, so it must end with a slash.
    let mut base = settings.stripe_api_base.trim_end_matches('/').to_string();
    base.push('/');
    stripe::ClientBuilder::new(settings.stripe_secret_key.expose())
        .url(base)
        .timeout(std::time::Duration::from_secs(20))
        .build()
}
