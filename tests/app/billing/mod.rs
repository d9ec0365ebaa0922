//! Money in: invoices, payments recorded by staff, and card payments through Stripe.

mod invoices;
mod stripe;
