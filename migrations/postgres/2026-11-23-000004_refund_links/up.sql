-- Which payment a refund gives back (the Stripe payment intent, or a payment's Stripe
-- reference). A refund of a payment held back for a check (e.g. a double card payment) must
-- not count against the invoice, which was paid by another payment.
ALTER TABLE payments ADD COLUMN refund_of TEXT;
