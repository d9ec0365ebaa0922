-- What accounts-payable teams need on an invoice: the sponsor's VAT or tax ID and the
-- purchase-order number of this sponsorship, both copied onto the invoice when it is issued
-- (an issued invoice never changes).
ALTER TABLE sponsors ADD COLUMN tax_id TEXT NOT NULL DEFAULT '';
ALTER TABLE sponsorships ADD COLUMN po_number TEXT NOT NULL DEFAULT '';
ALTER TABLE invoices ADD COLUMN po_number TEXT NOT NULL DEFAULT '';
ALTER TABLE invoices ADD COLUMN buyer_tax_id TEXT NOT NULL DEFAULT '';
-- Files sent with an email (the invoice, the receipt), written with it in one transaction.
CREATE TABLE outbox_attachments (
    id BIGSERIAL PRIMARY KEY,
    outbox_id BIGINT NOT NULL REFERENCES outbox(id) ON DELETE CASCADE,
    filename TEXT NOT NULL,
    content_type TEXT NOT NULL,
    body TEXT NOT NULL
);
CREATE INDEX outbox_attachments_outbox ON outbox_attachments(outbox_id);
